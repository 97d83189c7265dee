"""The partner directory: partners and their baskets of services.

The directory is not personal data: admins, supervisors, coordinators and mediators read
it; admins and coordinators manage it; a partner user reads its own partner only (any
other answers 404, like a missing id). Changes are audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import GuardedRoute, SessionDep, audit, require
from api.export_tables import partners_export
from api.exporting import (
    EXPORT_RESPONSES,
    MAX_ROWS,
    FormatQuery,
    check_total,
)
from api.routes.common import (
    IdempotencyKey,
    IdPath,
    PageNo,
    PageSize,
    SearchQuery,
    idempotent,
    page_of,
)
from api.schemas import Page, PartnerOut, ServiceOut
from mowakaba.enums import Axis, Role
from mowakaba.errors import NotFound
from mowakaba.models import Partner, PartnerService, User
from mowakaba.schemas import OneLine, PartnerIn, PartnerPatch, ServiceIn, ServicePatch
from mowakaba.services import partners as partner_service

router = APIRouter(tags=["partners"], route_class=GuardedRoute)
RegionQuery = Annotated[str | None, Query(max_length=100), OneLine]


def partner_out(partner: Partner) -> PartnerOut:
    return PartnerOut.model_validate(partner, from_attributes=True)


def service_out(service: PartnerService) -> ServiceOut:
    return ServiceOut.model_validate(service, from_attributes=True)


def readable_partner(session: Session, user: User, partner_id: int) -> Partner:
    """A partner the caller may read: any, or a partner user's own (NotFound otherwise)."""
    if user.role == Role.partner and user.partner_id != partner_id:
        raise NotFound(f"partner {partner_id} not found")
    return partner_service.get_partner(session, partner_id)


@router.get("/partners", response_model=Page[PartnerOut], responses=EXPORT_RESPONSES)
def list_partners(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("partners.list"))],
    q: SearchQuery = None,
    axis: Axis | None = None,
    region: RegionQuery = None,
    active_only: bool = False,
    page: PageNo = 1,
    page_size: PageSize = 50,
    format: FormatQuery = None,
) -> dict | Response:
    """The directory, by name: `q` searches the names (both scripts), `axis` keeps the
    partners with an active service of that axis, `region` those serving the region
    (partners serving the whole country included). `format`: all of them as a
    spreadsheet (docs/api.md "Exports")."""
    limit, offset = (MAX_ROWS, 0) if format else (page_size, (page - 1) * page_size)
    rows, total = partner_service.page_partners(
        session, q=q, axis=axis, region=region, active_only=active_only,
        limit=limit, offset=offset,
    )  # fmt: skip
    if format:
        check_total(total)
        return partners_export(session, request, user, rows, format)
    return page_of([partner_out(p) for p in rows], total, page, page_size)


@router.post("/partners", response_model=PartnerOut, status_code=201)
def create_partner(
    body: PartnerIn,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("partners.manage"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]
    """Add a partner to the directory (names are unique: 409 otherwise)."""

    def create() -> PartnerOut:
        partner = partner_service.create_partner(session, data=body)
        session.flush()
        audit(request, user, action="partners.create", object_type="partner", object_id=partner.id)
        return partner_out(partner)

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create
    )


@router.get("/partners/{partner_id}", response_model=PartnerOut)
def read_partner(
    partner_id: IdPath, session: SessionDep,
    user: Annotated[User, Depends(require("partners.read"))],
) -> PartnerOut:  # fmt: skip
    """A partner (a partner user: its own)."""
    return partner_out(readable_partner(session, user, partner_id))


@router.patch("/partners/{partner_id}", response_model=PartnerOut)
def update_partner(
    partner_id: IdPath, body: PartnerPatch, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("partners.manage"))],
) -> PartnerOut:  # fmt: skip
    """Change a partner's details; `is_active: false` takes it out of matching (a partner
    is never deleted: referrals name it)."""
    partner = partner_service.update_partner(session, partner_id=partner_id, data=body)
    audit(request, user, action="partners.update", object_type="partner", object_id=partner_id)
    return partner_out(partner)


@router.get("/partners/{partner_id}/services", response_model=Page[ServiceOut])
def list_services(
    partner_id: IdPath,
    session: SessionDep,
    user: Annotated[User, Depends(require("partners.read"))],
    active_only: bool = False,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    """A partner's basket of services, by axis then name (a partner user: its own)."""
    readable_partner(session, user, partner_id)
    services = partner_service.services_of(
        session, partner_ids=[partner_id], active_only=active_only
    )[partner_id]
    start = (page - 1) * page_size
    return page_of(
        [service_out(s) for s in services[start : start + page_size]], len(services), page,
        page_size,
    )  # fmt: skip


@router.post("/partners/{partner_id}/services", response_model=ServiceOut, status_code=201)
def add_service(
    partner_id: IdPath,
    body: ServiceIn,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("partners.manage"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]
    """Add a service to a partner's basket; `eligibility` is a list of conditions
    (mowakaba/eligibility.py: age, sex, education_level, vocational_level, stage, region,
    document), checked here."""

    def create() -> ServiceOut:
        service = partner_service.add_service(session, partner_id=partner_id, data=body)
        session.flush()
        audit(request, user, action="services.create", object_type="service", object_id=service.id)
        return service_out(service)

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create
    )


@router.patch("/services/{service_id}", response_model=ServiceOut)
def update_service(
    service_id: IdPath, body: ServicePatch, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("partners.manage"))],
) -> ServiceOut:  # fmt: skip
    """Change a service (its conditions apply to referrals created after the change)."""
    service = partner_service.update_service(session, service_id=service_id, data=body)
    audit(request, user, action="services.update", object_type="service", object_id=service_id)
    return service_out(service)
