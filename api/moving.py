"""Caseloads and transfers at an edge, the same for the JSON API and the pages: the
caseload figures of the caller's institutions, a transfer in the caller's scope
(audited), and what the youth's file shows of transfers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from api.deps import audit
from api.policy import allowed, institution_ids_in_scope, sees_transfer
from mowakaba.enums import AuditOutcome, Role
from mowakaba.errors import NotFound
from mowakaba.models import Institution, Transfer, User, Youth
from mowakaba.services import caseloads as caseload_service
from mowakaba.services import transfers as transfer_service
from mowakaba.services import users as user_service


class CaseloadOut(BaseModel):
    institution_id: int
    institution: str
    mediator_id: int | None = Field(description="None: youths without a mediator, the pool")
    mediator: str | None
    active: bool
    youths: int = Field(description="open files (youths not closed)")
    open_items: int
    overdue_items: int = Field(description="open items due before today (local)")


def institutions_of(session, user: User, institution_id: int | None) -> list[Institution]:  # type: ignore[no-untyped-def]
    """The institutions whose caseloads the caller reads (one of them, if named)."""
    ids = institution_ids_in_scope(session, user)
    query = select(Institution)
    if ids is not None:
        query = query.where(col(Institution.id).in_(ids))
    if institution_id is not None:
        query = query.where(Institution.id == institution_id)
    found = list(session.exec(query.order_by(col(Institution.name), col(Institution.id))))
    if institution_id is not None and not found:
        raise NotFound(f"institution {institution_id} not found")
    return found


def caseload_rows(session, user: User, institution_id: int | None) -> list[CaseloadOut]:  # type: ignore[no-untyped-def]
    institutions = {i.pk: i for i in institutions_of(session, user, institution_id)}
    loads = caseload_service.caseloads(session, institution_ids=list(institutions))
    people = {
        u.pk: u
        for u in session.exec(
            select(User).where(col(User.id).in_([x.mediator_id for x in loads if x.mediator_id]))
        )
    }
    return [
        CaseloadOut(
            institution_id=x.institution_id, institution=institutions[x.institution_id].name,
            mediator_id=x.mediator_id,
            mediator=people[x.mediator_id].display_name if x.mediator_id else None,
            active=people[x.mediator_id].is_active if x.mediator_id else True,
            youths=x.youths, open_items=x.open_items, overdue_items=x.overdue_items,
        )
        for x in loads
    ]  # fmt: skip


def scoped_transfer(
    session: Session, request: Request, user: User, transfer_id: int, action: str
) -> Transfer:
    """A transfer of the caller's institutions (either side), audited; otherwise 404."""
    transfer = session.get(Transfer, transfer_id)
    if transfer is None or not sees_transfer(session, user, transfer):
        audit(request, user, action=action, object_type="transfer", object_id=transfer_id,
              outcome=AuditOutcome.not_found)  # fmt: skip
        raise NotFound(f"transfer {transfer_id} not found")
    audit(request, user, action=action, object_type="transfer", object_id=transfer_id,
          youth_id=transfer.youth_id)  # fmt: skip
    return transfer


def transfer_panel(session: Session, user: User, youth: Youth) -> dict[str, Any]:
    """What the youth's file shows of transfers: one waiting, and whether the caller may
    ask for one (a coordinator of the youth's institution) or withdraw it."""
    pending = transfer_service.pending_transfer(session, youth_id=youth.pk)
    coordinates = user.role == Role.coordinator and youth.institution_id in (
        user_service.institution_ids_of(session, user.pk))  # fmt: skip
    return {
        "pending": pending,
        "to": session.get(Institution, pending.to_institution_id).name if pending else "",  # type: ignore[union-attr]
        "may_request": coordinates and pending is None and allowed("transfers.request", user),
        "may_cancel": coordinates and pending is not None,
    }
