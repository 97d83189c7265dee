"""A plan version's agreement: the young person's, recorded after the plan was submitted."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel

from api.deps import GuardedRoute, SessionDep, require
from api.routes.common import IdempotencyKey, IdPath, idempotent, scoped_youth
from mowakaba.enums import AgreementMethod
from mowakaba.models import User
from mowakaba.schemas import AgreementIn
from mowakaba.services import voice as voice_service

router = APIRouter(tags=["plans"], route_class=GuardedRoute)
Version = Annotated[int, Path(ge=1, le=10_000)]


class AgreementOut(BaseModel):
    youth_id: int
    version: int
    agreement_method: AgreementMethod
    agreement_date: date
    agreement_witness_name: str | None
    agreement_witness_role: str | None
    agreement_recorded_at: datetime


@router.post(
    "/youths/{youth_id}/plans/{version}/agreement", response_model=AgreementOut, status_code=201
)
def record_agreement(
    youth_id: IdPath, version: Version, body: AgreementIn, session: SessionDep,
    request: Request, user: Annotated[User, Depends(require("plans.agreement"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Record the youth's agreement to a submitted or approved plan version: signed on paper
    (the copy is a "signed plan" document) or confirmed in person before a named witness."""
    scoped_youth(session, request, user, youth_id, "plans.agreement")

    def create() -> AgreementOut:
        plan = voice_service.record_agreement(
            session, youth_id=youth_id, version=version, actor=user, data=body
        )
        assert plan.agreement_method and plan.agreement_date and plan.agreement_recorded_at
        return AgreementOut(
            youth_id=youth_id, version=plan.version, agreement_method=plan.agreement_method,
            agreement_date=plan.agreement_date,
            agreement_witness_name=plan.agreement_witness_name,
            agreement_witness_role=plan.agreement_witness_role,
            agreement_recorded_at=plan.agreement_recorded_at,
        )  # fmt: skip

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create
    )
