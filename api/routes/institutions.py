"""Institutions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlmodel import col, select

from api.deps import GuardedRoute, SessionDep, require
from api.routes.common import IdempotencyKey, PageNo, PageSize, idempotent, page_of
from api.schemas import InstitutionIn, InstitutionOut, Page
from mowakaba.models import Institution, User
from mowakaba.paging import fetch_page
from mowakaba.services import institutions as institution_service

router = APIRouter(tags=["institutions"], route_class=GuardedRoute)


@router.get("/institutions", response_model=Page[InstitutionOut])
def list_institutions(
    session: SessionDep,
    _user: Annotated[User, Depends(require("institutions.list"))],
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    """Every institution (names and regions are not case data)."""
    rows, total = fetch_page(
        session,
        select(Institution),
        order_by=[col(Institution.name)],
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    return page_of(
        [InstitutionOut.model_validate(r, from_attributes=True) for r in rows],
        total,
        page,
        page_size,
    )


@router.post("/institutions", response_model=InstitutionOut, status_code=201)
def create_institution(
    body: InstitutionIn,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("institutions.create"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]
    """Add an institution (its time zone and calendar default to the programme's)."""

    def create() -> InstitutionOut:
        institution = institution_service.create_institution(
            session, name=body.name, region=body.region, time_zone=body.time_zone
        )
        return InstitutionOut.model_validate(institution, from_attributes=True)

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create
    )
