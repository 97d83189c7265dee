"""Escalations, the in-app inbox, and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from api.deps import GuardedRoute, SessionDep, audit, audit_shown, require, youth_of
from api.export_tables import by_id, escalations_table
from api.exporting import (
    EXPORT_RESPONSES,
    FormatQuery,
    Words,
    check_total,
    export_response,
)
from api.policy import youth_scope
from api.routes.common import DateTimeQuery, IdPath, IdQuery, PageNo, PageSize, page_of
from api.schemas import AuditOut, EscalationOut, NotificationOut, Page
from mowakaba.clock import now
from mowakaba.enums import AuditOutcome, Role
from mowakaba.models import AuditEvent, Escalation, User, WorkItem, Youth
from mowakaba.notify.render import render_plain
from mowakaba.paging import fetch_page
from mowakaba.services import escalations as escalation_service
from mowakaba.services import notifications as notification_service

router = APIRouter(route_class=GuardedRoute)


@router.get(
    "/escalations", response_model=Page[EscalationOut], tags=["escalations"],
    responses=EXPORT_RESPONSES,
)  # fmt: skip
def list_escalations(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("escalations.list"))],
    acknowledged: bool | None = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
    format: FormatQuery = None,
) -> dict | Response:
    """Open escalations sent to me (all of them for an admin); `format`: all of them as a
    spreadsheet (docs/api.md "Exports")."""
    rows = escalation_service.list_escalations(
        session,
        recipient_id=None if user.role == Role.admin else user.id,
        acknowledged=acknowledged,
        limit=100_000,
    )
    if format:
        check_total(len(rows))
        items = by_id(session, WorkItem, (e.work_item_id for e in rows))
        # The youth's code only for a youth in the caller's scope (an admin sees none).
        ids = {i.youth_id for i in items.values()}
        scope = youth_scope(session, user).filter(select(Youth))
        youths = {y.pk: y for y in session.exec(scope.where(col(Youth.id).in_(ids)))}
        table = escalations_table(rows, items, youths, Words.of(user))
        return export_response(request, user, table, name="escalations.list", fmt=format,
                               day=now().date(), youth_ids=youths)  # fmt: skip
    chunk = rows[(page - 1) * page_size : page * page_size]
    items = [escalation_out(session, e) for e in chunk]
    audit_shown(request, user, action="escalations.list", youth_ids=(e.youth_id for e in items))
    return page_of(items, len(rows), page, page_size)


def escalation_out(session: Session, escalation: Escalation) -> EscalationOut:
    item = session.get(WorkItem, escalation.work_item_id)
    return EscalationOut.model_validate(
        {**escalation.model_dump(), "youth_id": item.youth_id if item else None}
    )


@router.post(
    "/escalations/{escalation_id}/acknowledge", response_model=EscalationOut, tags=["escalations"]
)
def acknowledge(
    escalation_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("escalations.acknowledge"))],
) -> EscalationOut:  # fmt: skip
    """Say I have seen it (it does not stop level 2). A coordinator acknowledging an
    incident's escalation acknowledges the incident (as `POST /incidents/{id}/acknowledge`)."""
    found = session.get(Escalation, escalation_id)
    mine = found is not None and (user.id in found.recipient_ids or user.role == Role.admin)
    audit(request, user, action="escalations.acknowledge", object_type="escalation",
          object_id=escalation_id, youth_id=youth_of(session, found),
          outcome=AuditOutcome.allowed if mine else AuditOutcome.not_found)  # fmt: skip
    incident = (
        escalation_service.incident_answered(session, found, user) if found and mine else None
    )
    escalation = escalation_service.acknowledge(session, escalation_id=escalation_id, actor=user)
    if incident is not None:  # acknowledged with its escalation: audited as on its own route
        audit(request, user, action="incidents.acknowledge", object_type="incident",
              object_id=incident.id, youth_id=incident.youth_id)  # fmt: skip
    out = escalation_out(session, escalation)
    return out


@router.get("/notifications", response_model=Page[NotificationOut], tags=["notifications"])
def notifications(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("notifications.list"))],
    unread: bool = False,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    """My in-app inbox, newest first."""
    rows, total = notification_service.page_inbox(
        session,
        user_id=user.pk,
        unread_only=unread,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    items = []
    for n in rows:
        subject, _ = render_plain(
            n.kind.value, user.language.value, {**n.context, "recipient_name": user.display_name}
        )
        items.append(
            NotificationOut(
                id=n.pk, kind=n.kind.value, subject=subject, youth_id=n.youth_id,
                work_item_id=n.work_item_id, created_at=n.created_at, read_at=n.read_at,
            )
        )  # fmt: skip
    audit_shown(request, user, action="notifications.list", youth_ids=(n.youth_id for n in rows))
    return page_of(items, total, page, page_size)


@router.post("/notifications/{notification_id}/read", status_code=204, tags=["notifications"])
def mark_read(
    notification_id: IdPath, session: SessionDep,
    user: Annotated[User, Depends(require("notifications.read"))],
) -> None:  # fmt: skip
    """Mark one of my notifications read."""
    notification_service.mark_read(session, notification_id=notification_id, user_id=user.pk)


@router.get("/audit-events", response_model=Page[AuditOut], tags=["audit"])
def audit_events(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("audit_events.list"))],
    youth_id: IdQuery = None,
    actor_id: IdQuery = None,
    from_: Annotated[DateTimeQuery, Query(alias="from")] = None,
    to: DateTimeQuery = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    """Who read or changed what: all for an admin; the youths of their scope for others."""
    query = select(AuditEvent)
    if user.role != Role.admin:
        visible = youth_scope(session, user).filter(select(Youth.id))
        query = query.where(col(AuditEvent.youth_id).in_(visible))
    if youth_id is not None:
        query = query.where(AuditEvent.youth_id == youth_id)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if from_ is not None:
        query = query.where(col(AuditEvent.occurred_at) >= from_)
    if to is not None:
        query = query.where(col(AuditEvent.occurred_at) <= to)
    rows, total = fetch_page(
        session,
        query,
        order_by=[col(AuditEvent.id).desc()],
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    audit_shown(request, user, action="audit_events.list", youth_ids=(r.youth_id for r in rows))
    return page_of(
        [AuditOut.model_validate(r, from_attributes=True) for r in rows], total, page, page_size
    )
