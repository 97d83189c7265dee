"""The dashboard's forms: acknowledging an escalation, granting a work item a new due date.

Both go back to the dashboard. A wrong new due date or reason re-shows its form (422)
with the errors next to the fields and what was typed; nothing is changed.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from typing import Annotated

from fastapi import Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import SessionDep, audit, youth_of
from api.pages.common import N_, page_guard, page_router, render
from api.pages.work import KIND_LABELS
from api.policy import sees_work_item
from mowakaba.clock import now
from mowakaba.enums import AuditOutcome, Role
from mowakaba.errors import AlreadyClosed, DateInPast, DateTooFar, InvalidPayload, NotFound
from mowakaba.models import Escalation, User, WorkItem, Youth
from mowakaba.rules import add_months
from mowakaba.services import calendars as calendar_service
from mowakaba.services import escalations as escalation_service
from mowakaba.services import work_items as work_service
from mowakaba.text import UnsafeText, clean_text

router = page_router()
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
REASON_MAX = 500  # as the API's RescheduleIn


@router.post("/escalations/{escalation_id}/acknowledge")
def acknowledge(
    escalation_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("escalations.acknowledge"))],
) -> Response:
    """Say I have seen an escalation sent to me (it does not stop level 2); a coordinator's
    acknowledges the incident it is about, if any."""
    found = session.get(Escalation, escalation_id)
    mine = found is not None and (user.id in found.recipient_ids or user.role == Role.admin)
    audit(request, user, action="escalations.acknowledge", object_type="escalation",
          object_id=escalation_id, youth_id=youth_of(session, found) if mine else None,
          outcome=AuditOutcome.allowed if mine else AuditOutcome.not_found)  # fmt: skip
    incident = (
        escalation_service.incident_answered(session, found, user) if found and mine else None
    )
    # A colleague (or a second click) may have been first: it is acknowledged all the same.
    with suppress(AlreadyClosed):
        escalation_service.acknowledge(session, escalation_id=escalation_id, actor=user)
        if incident is not None:  # acknowledged with its escalation, audited as on its page
            audit(request, user, action="incidents.acknowledge", object_type="incident",
                  object_id=incident.id, youth_id=incident.youth_id)  # fmt: skip
    return RedirectResponse("/dashboard?done=acknowledged#escalations", status_code=303)


@router.post("/work/{item_id}/reschedule")
def reschedule(
    item_id: RecordId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("work_items.reschedule"))],
    due_date: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Grant an open work item of my institution a new due date, with a reason."""
    item = session.get(WorkItem, item_id)
    visible = item is not None and sees_work_item(session, user, item)
    audit(request, user, action="work_items.reschedule", object_type="work_item",
          object_id=item_id, youth_id=item.youth_id if item and visible else None,
          outcome=AuditOutcome.allowed if visible else AuditOutcome.not_found)  # fmt: skip
    if item is None or not visible:
        raise NotFound(f"work item {item_id} not found")
    today = calendar_service.local_day(session, institution_id=item.institution_id, at=now()).today
    latest = add_months(today, work_service.RESCHEDULE_HORIZON_MONTHS)
    new_date, cleaned, errors = check_form(due_date, reason, today=today, latest=latest)
    if new_date is not None and not errors:
        try:
            work_service.reschedule_work_item(
                session, work_item_id=item_id, actor=user, due_date=new_date, reason=cleaned
            )
        except (DateInPast, DateTooFar):
            errors["due_date"] = N_("Choose a date between today and %(latest)s.")
        except InvalidPayload:
            errors["reason"] = N_("Say why the date moves.")
        else:
            return RedirectResponse("/dashboard?done=rescheduled#escalations", status_code=303)
    youth = session.get(Youth, item.youth_id)
    context = {
        "item": item, "youth": youth, "kind": KIND_LABELS[item.kind], "today": today,
        "latest": latest, "errors": errors, "typed": {"due_date": due_date, "reason": reason},
    }  # fmt: skip
    return render(request, "pages/dashboard/reschedule.html", context, session=session, status=422)


def check_form(
    due_date: str, reason: str, *, today: date, latest: date
) -> tuple[date | None, str, dict[str, str]]:
    """Read the form: the new date, the cleaned reason, and an error per wrong field."""
    errors: dict[str, str] = {}
    new_date = None
    try:
        new_date = date.fromisoformat(due_date.strip())
    except ValueError:
        errors["due_date"] = N_("Enter the new due date (day, month and year).")
    else:
        if not today <= new_date <= latest:
            errors["due_date"] = N_("Choose a date between today and %(latest)s.")
    cleaned = ""
    try:
        cleaned = clean_text(reason, multiline=True).strip()
    except UnsafeText:
        errors["reason"] = N_("The reason holds characters that cannot be saved.")
    else:
        if not cleaned:
            errors["reason"] = N_("Say why the date moves.")
        elif len(cleaned) > REASON_MAX:
            errors["reason"] = N_("At most 500 characters.")
    return new_date, cleaned, errors
