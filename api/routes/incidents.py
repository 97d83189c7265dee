"""Urgent incidents: record, list, acknowledge, returned, close, the runaway decision; and
the youth's agreement to SMS reminders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session, select

from api.completing import complete_and_start
from api.deps import GuardedRoute, SessionDep, audit, audit_shown, require
from api.export_tables import incidents_export
from api.exporting import (
    EXPORT_RESPONSES,
    MAX_ROWS,
    FormatQuery,
    check_total,
)
from api.policy import youth_scope
from api.routes.common import (
    IdempotencyKey,
    IdPath,
    PageNo,
    PageSize,
    idempotent,
    page_of,
    scoped_youth,
)
from api.schemas import Page, Strict
from mowakaba.enums import AuditOutcome, IncidentKind, IncidentStatus, Language, Role
from mowakaba.errors import NotFound, NothingToDecide
from mowakaba.incident_schemas import IncidentReport, SmsAgreement
from mowakaba.models import Incident, User, Youth
from mowakaba.schemas import IsoDate, RunawayDecisionPayload, Text
from mowakaba.services import incidents as incident_service

router = APIRouter(tags=["incidents"], route_class=GuardedRoute)


class IncidentOut(BaseModel):
    id: int
    youth_id: int
    kind: IncidentKind
    occurred_at: datetime
    occurred_date: date
    description: str | None  # None: not shown to the caller's role (supervisors)
    serious: bool
    status: IncidentStatus
    reported_by_id: int
    reported_at: datetime
    work_item_id: int | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    returned_date: date | None
    review_date: date | None
    decision_work_item_id: int | None  # an open runaway decision, if one is asked for


class NoteIn(Strict):
    note: Text | None = None


class ReturnedIn(Strict):
    returned_date: IsoDate


class SmsAgreementOut(BaseModel):
    youth_id: int
    agreed: bool
    agreed_date: date | None
    language: Language | None


# Who reads an incident's description: the people who act on it. A supervisor sees that
# it happened, its kind and its follow-up, not what the mediator wrote.
READS_DESCRIPTION = frozenset({Role.coordinator, Role.mediator})


def incident_out(session: Session, incident: Incident, user: User) -> IncidentOut:
    pending = incident_service.decision_item(session, incident)
    data: dict[str, Any] = incident.model_dump()
    if user.role not in READS_DESCRIPTION:
        data["description"] = None
    return IncidentOut(**data, decision_work_item_id=pending.id if pending else None)


def scoped_incident(
    session: Session, request: Request, user: User, incident_id: int, action: str
) -> Incident:
    """The incident if its youth is in the caller's scope (audited either way); else 404."""
    incident = session.get(Incident, incident_id)
    youth = session.get(Youth, incident.youth_id) if incident else None
    if incident is None or youth is None or not youth_scope(session, user).sees(youth):
        audit(request, user, action=action, object_type="incident", object_id=incident_id,
              youth_id=youth.id if youth else None, outcome=AuditOutcome.not_found)  # fmt: skip
        raise NotFound(f"incident {incident_id} not found")
    audit(request, user, action=action, object_type="incident", object_id=incident_id,
          youth_id=incident.youth_id)  # fmt: skip
    return incident


@router.post("/youths/{youth_id}/incidents", response_model=IncidentOut, status_code=201)
def record_incident(
    youth_id: IdPath, body: IncidentReport, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("incidents.create"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Record an incident: it escalates at once to the institution's coordinators (and, for
    an arrest, violence or a minor's runaway, to the region's supervisors), in-app, by
    email and SMS, within this request."""
    scoped_youth(session, request, user, youth_id, "incidents.create")

    def create() -> IncidentOut:
        incident = incident_service.record_incident(
            session, youth_id=youth_id, actor=user, report=body
        )
        audit(request, user, action="incidents.create", object_type="incident",
              object_id=incident.id, youth_id=youth_id)  # fmt: skip
        return incident_out(session, incident, user)

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create
    )


@router.get("/youths/{youth_id}/incidents", response_model=Page[IncidentOut])
def youth_incidents(
    youth_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("incidents.read"))],
    page: PageNo = 1, page_size: PageSize = 50,
) -> dict:  # fmt: skip
    """A youth's incidents, newest first."""
    scoped_youth(session, request, user, youth_id, "incidents.read")
    rows, total = incident_service.page_incidents(
        session, youth_id=youth_id, limit=page_size, offset=(page - 1) * page_size
    )
    return page_of([incident_out(session, i, user) for i in rows], total, page, page_size)


@router.get("/incidents", response_model=Page[IncidentOut], responses=EXPORT_RESPONSES)
def list_incidents(
    session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("incidents.list"))],
    open_only: bool = True, page: PageNo = 1, page_size: PageSize = 50,
    format: FormatQuery = None,
) -> dict | Response:  # fmt: skip
    """The incidents of the youths in the caller's scope (open ones by default), newest
    first; `format`: all of them as a spreadsheet (docs/api.md "Exports")."""
    limit, offset = (MAX_ROWS, 0) if format else (page_size, (page - 1) * page_size)
    rows, total = incident_service.page_incidents(
        session, youth_query=youth_scope(session, user).filter(select(Youth)),
        open_only=open_only, limit=limit, offset=offset,
    )  # fmt: skip
    if format:
        check_total(total)
        return incidents_export(session, request, user, rows, format,
                                descriptions=user.role in READS_DESCRIPTION)  # fmt: skip
    audit_shown(request, user, action="incidents.list", youth_ids=(i.youth_id for i in rows))
    return page_of([incident_out(session, i, user) for i in rows], total, page, page_size)


@router.post("/incidents/{incident_id}/acknowledge", response_model=IncidentOut)
def acknowledge_incident(
    incident_id: IdPath, body: NoteIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("incidents.acknowledge"))],
) -> IncidentOut:  # fmt: skip
    """A coordinator has the incident in hand: its response is done, its escalations seen."""
    scoped_incident(session, request, user, incident_id, "incidents.acknowledge")
    incident = incident_service.acknowledge_incident(
        session, incident_id=incident_id, actor=user, note=body.note
    )
    return incident_out(session, incident, user)


@router.post("/incidents/{incident_id}/returned", response_model=IncidentOut)
def mark_returned(
    incident_id: IdPath, body: ReturnedIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("incidents.returned"))],
) -> IncidentOut:  # fmt: skip
    """A runaway is back, on a date: a pending decision on the exit is cancelled."""
    scoped_incident(session, request, user, incident_id, "incidents.returned")
    incident = incident_service.mark_returned(
        session, incident_id=incident_id, actor=user, returned_date=body.returned_date
    )
    return incident_out(session, incident, user)


@router.post("/incidents/{incident_id}/close", response_model=IncidentOut)
def close_incident(
    incident_id: IdPath, body: NoteIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("incidents.close"))],
) -> IncidentOut:  # fmt: skip
    """Close an incident (a coordinator); its open work ends with it."""
    scoped_incident(session, request, user, incident_id, "incidents.close")
    incident = incident_service.close_incident(
        session, incident_id=incident_id, actor=user, note=body.note
    )
    return incident_out(session, incident, user)


@router.post("/incidents/{incident_id}/runaway-decision", response_model=IncidentOut)
def decide_runaway(
    incident_id: IdPath, body: RunawayDecisionPayload, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("incidents.runaway_decision"))],
) -> IncidentOut:  # fmt: skip
    """The coordinators' decision on a runaway not back in time: record the unplanned exit
    (kind runaway; the follow-up counts from the exit date), or keep the place open with a
    reason and a review date. The youth's pathway run starts after the commit."""
    incident = scoped_incident(session, request, user, incident_id, "incidents.runaway_decision")
    item = incident_service.decision_item(session, incident)
    if item is None:
        raise NothingToDecide(f"incident {incident_id}: no decision is asked for now")
    complete_and_start(session, item_id=item.pk, user=user, payload=body.model_dump(mode="json"))
    session.refresh(incident)
    return incident_out(session, incident, user)


@router.put("/youths/{youth_id}/sms-agreement", response_model=SmsAgreementOut)
def set_sms_agreement(
    youth_id: IdPath, body: SmsAgreement, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("youths.sms_agreement"))],
) -> SmsAgreementOut:  # fmt: skip
    """Record the youth's agreement to SMS reminders of follow-up appointments (with its
    date), or its withdrawal. The number is the youth's current phone; the SMS go in the
    youth's language (`language` of the youth, their documents' too), which a `language`
    given here changes."""
    scoped_youth(session, request, user, youth_id, "youths.sms_agreement")
    youth = incident_service.set_sms_agreement(
        session, youth_id=youth_id, actor=user, agreement=body
    )
    return SmsAgreementOut(
        youth_id=youth.pk,
        agreed=youth.sms_agreed_date is not None,
        agreed_date=youth.sms_agreed_date,
        language=youth.language if youth.sms_agreed_date is not None else None,
    )
