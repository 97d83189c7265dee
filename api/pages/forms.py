"""Completing work, as forms: one per kind of work item (DESIGN.md §2).

GET /work/{id} shows the item (its youth, kind, due date, what it is about) and, when it
is open and the caller may complete it, its form; a read-only view otherwise. POST
/work/{id} completes it through the API's own path (api/completing.py), or, for the
integration plan's rows, adds or removes a row and shows the form again (no JavaScript).
The forms come from the payload models (api/pages/form_fields.py); a wrong entry is
shown again (422) with each error next to its field, and nothing is changed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.completing import complete_and_start, scoped_item
from api.deps import SessionDep
from api.pages import documents as document_pages
from api.pages.common import N_, page_guard, page_router, render
from api.pages.form_fields import (
    MAX_ROWS,
    Entry,
    Spec,
    blank_entry,
    entry_from_form,
    specs_of,
    validate,
)
from api.pages.form_labels import AXES, CHECKLIST
from api.pages.notes import contact_rows
from api.pages.work import KIND_LABELS
from api.policy import allowed, sees_sensitive, youth_scope
from mowakaba.clock import now
from mowakaba.enums import PlanStatus, WorkItemKind, WorkItemStatus
from mowakaba.errors import (
    AlreadyClosed,
    DateInFuture,
    DateInPast,
    ImplausibleDates,
    MowakabaError,
    NotAssignee,
    PlanIncomplete,
)
from mowakaba.models import User, WorkItem
from mowakaba.schemas import PAYLOADS
from mowakaba.services import calendars as calendar_service
from mowakaba.services import users as user_service
from mowakaba.services import work_items as work_service
from mowakaba.services import youths as youth_service
from mowakaba.services.completions.subjects import ItemSubject, subject_of

router = page_router()
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ASSESSMENTS = {WorkItemKind.intake_assessment, WorkItemKind.plan_review,
               WorkItemKind.exit_readiness_assessment}  # fmt: skip

INCIDENT_WORK = {WorkItemKind.incident_response, WorkItemKind.runaway_decision}
SUBMIT = {
    WorkItemKind.intake_assessment: N_("Save the assessment"),
    WorkItemKind.plan_review: N_("Save the review"),
    WorkItemKind.exit_readiness_assessment: N_("Save the assessment"),
    WorkItemKind.integration_plan: N_("Submit the plan for approval"),
    WorkItemKind.milestone_check: N_("Save the check"),
    WorkItemKind.exit_checklist_item: N_("Save"),
    WorkItemKind.record_exit: N_("Record the exit"),
    WorkItemKind.follow_up_checkpoint: N_("Save the checkpoint"),
    WorkItemKind.incident_response: N_("I have it in hand"),
    WorkItemKind.document_renewal: N_("Save"),
}
INTRO = {
    WorkItemKind.intake_assessment: N_(
        "Score each axis from 1 (serious need) to 5 (autonomous) and note the needs you see."),
    WorkItemKind.plan_review: N_(
        "Score each axis again from 1 (serious need) to 5 (autonomous): what has changed?"),
    WorkItemKind.exit_readiness_assessment: N_(
        "How ready is the young person to leave care? Score each axis from 1 to 5."),
    WorkItemKind.integration_plan: N_(
        "The individual integration programme: milestones per axis, each with who carries it "
        "and a due date. The coordinator approves it."),
    WorkItemKind.plan_approval: N_(
        "Approve the plan, or send it back to the mediator with a comment."),
    WorkItemKind.milestone_check: N_("Was the milestone reached?"),
    WorkItemKind.exit_checklist_item: N_("Is this ready for the exit, or not needed?"),
    WorkItemKind.record_exit: N_("Record the day the young person left care, planned or not."),
    WorkItemKind.follow_up_checkpoint: N_(
        "What does the young person's life look like now? If nobody could be reached, "
        "choose “No contact”."),
    WorkItemKind.exit_extension_decision: N_(
        "Approve the new planned exit date, or refuse it with a comment."),
    WorkItemKind.incident_response: N_(
        "An incident was recorded: say you have it in hand. The incidents page shows it."),
    WorkItemKind.runaway_decision: N_(
        "The young person ran away and is not back. Record the unplanned exit (the "
        "follow-up counts from its date), or keep the place open until a review date."),
    WorkItemKind.document_renewal: N_(
        "A document of the young person expires soon: ask for its renewal (upload the new "
        "one when it comes: it replaces the old one), or say why it is not needed."),
}  # fmt: skip
SERVICE_ERRORS = {
    "plan_incomplete": N_("Every axis assessed 1 or 2 needs at least one milestone."),
    "date_in_past": N_("Choose a date after today."),
    "implausible_dates": N_("The exit date lies between the admission date and today."),
    "date_in_future": N_("Choose today or a date before it."),
}
CHECKED = (DateInPast, PlanIncomplete, ImplausibleDates, DateInFuture)


def specs_for(kind: WorkItemKind) -> tuple[Spec, ...]:
    return specs_of(PAYLOADS[kind])


def item_specs(session: Session, item: WorkItem, *, current: bool = True) -> tuple[Spec, ...]:
    """The item's form, its lists filled: the documents that may meet a checklist item
    (those in force and not expired while it is open; any of the kind once it is done).
    For a youth no longer the caller's (`current` False), only the document the item
    itself recorded: the worker's own answer, not the youth's file of today."""
    specs = []
    for spec in specs_for(item.kind):
        if spec.name != "document_id":
            specs.append(spec)
            continue
        options = document_pages.document_options(session, item, local_today(session, item))
        if not current:
            recorded = str((item.payload or {}).get("document_id"))
            options = tuple(o for o in options if o[0] == recorded)
        if options:
            specs.append(replace(spec, options=options))
    return tuple(specs)


def may_fill(session: Session, user: User, item: WorkItem) -> bool:
    """An open item, a role that completes work, and the assignee (or the pool's member)."""
    return (
        item.status == WorkItemStatus.open
        and allowed("work_items.complete", user)
        and work_service.can_complete(session, item=item, user=user)
    )


async def posted_form(request: Request) -> dict[str, str]:
    """The posted form's text fields (read once; the CSRF check has read it already)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.get("/work/{item_id}")
def work_item_page(
    item_id: ItemId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("work_items.read"))],
) -> Response:
    """A work item: its form if I may complete it, what it holds otherwise."""
    item = scoped_item(session, request, user, item_id, "work_items.read")
    subject = subject_of(session, item=item)
    entry = blank_entry(specs_for(item.kind))
    if item.kind == WorkItemKind.integration_plan and subject.milestones:
        entry = rework_entry(entry, subject)
    return show(request, session, user, item, subject, entry)


@router.post("/work/{item_id}")
def complete_item_page(
    item_id: ItemId,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("work_items.complete"))],
    form: Annotated[dict[str, str], Depends(posted_form)],
) -> Response:
    """Complete the item with its form; or add or remove a row of the plan and show it again."""
    item = scoped_item(session, request, user, item_id, "work_items.complete")
    if item.status != WorkItemStatus.open:
        raise AlreadyClosed(f"work item {item.id} is {item.status.value} already")
    youth = youth_service.get_youth(session, item.youth_id)
    if not (youth_scope(session, user).sees(youth) and may_fill(session, user, item)):
        raise NotAssignee(f"user {user.id} may not complete work item {item.id}")
    subject = subject_of(session, item=item)
    specs = item_specs(session, item)
    entry = entry_from_form(specs, form)
    if "add_row" in form or "remove_row" in form:
        change_rows(specs, entry, form)
        return show(request, session, user, item, subject, entry)
    payload = validate(PAYLOADS[item.kind], specs, entry)
    if payload is None:
        return show(request, session, user, item, subject, entry, status=422)
    try:
        complete_and_start(session, item_id=item.pk, user=user, payload=payload)
    except CHECKED as exc:
        session.rollback()  # nothing of it is kept
        refused(session, item, entry, exc)
        return show(request, session, user, item, subject, entry, status=422)
    return RedirectResponse(f"/work?done={item.pk}", status_code=303)


def change_rows(specs: tuple[Spec, ...], entry: Entry, form: dict[str, str]) -> None:
    """Add an empty row, or take one out (the rows after it move up)."""
    for spec in specs:
        if spec.widget != "rows":
            continue
        count = entry.rows.get(spec.name, 0)
        if "add_row" in form:
            entry.rows[spec.name] = min(count + 1, MAX_ROWS)
            continue
        removed = form.get("remove_row", "")
        if not removed.isdigit() or int(removed) >= count:
            continue
        for index in range(int(removed), count):
            for child in spec.children:
                following = entry.values.pop(f"{spec.name}.{index + 1}.{child.name}", "")
                entry.values[f"{spec.name}.{index}.{child.name}"] = following
        entry.rows[spec.name] = count - 1


def rework_entry(entry: Entry, subject: ItemSubject) -> Entry:
    """A plan sent back starts from the rejected version's milestones."""
    for i, m in enumerate(subject.milestones):
        entry.values.update({f"milestones.{i}.axis": m.axis.value, f"milestones.{i}.title": m.title,
                             f"milestones.{i}.owner": m.owner,
                             f"milestones.{i}.due_date": m.due_date.isoformat()})  # fmt: skip
    entry.rows["milestones"] = len(subject.milestones)
    return entry


def refused(session: Session, item: WorkItem, entry: Entry, exc: MowakabaError) -> None:
    """Put a rule the service refused next to the field it is about."""
    message = SERVICE_ERRORS[exc.code]
    if isinstance(exc, ImplausibleDates):
        entry.error("exit_date", message)
    elif isinstance(exc, DateInFuture):
        entry.error("agreement_date", message)
    elif isinstance(exc, PlanIncomplete):
        entry.error("milestones", message)
    elif item.kind == WorkItemKind.milestone_check:
        entry.error("new_due_date", message)
    else:  # a milestone of the plan due today or before
        today = local_today(session, item)
        for i in range(entry.rows.get("milestones", 0)):
            if entry.values.get(f"milestones.{i}.due_date", "") <= today.isoformat():
                entry.error(f"milestones.{i}.due_date", message)


def local_today(session: Session, item: WorkItem):  # type: ignore[no-untyped-def]
    return calendar_service.local_day(session, institution_id=item.institution_id, at=now()).today


def show(
    request: Request,
    session: Session,
    user: User,
    item: WorkItem,
    subject: ItemSubject,
    entry: Entry,
    *,
    status: int = 200,
) -> Response:
    """The item's page: the form (with what was typed and its errors) or the read-only view.
    An item seen only as its assignee (the youth moved to another mediator or institution)
    shows what the item recorded, never the youth's current name, contacts or documents."""
    youth = youth_service.get_youth(session, item.youth_id)
    current = youth_scope(session, user).sees(youth)
    specs = item_specs(session, item, current=current)
    fill = current and may_fill(session, user, item)
    assignee = None
    if item.assignee_id is not None and item.assignee_id != user.id:
        other = user_service.get_user(session, item.assignee_id)
        assignee = other.display_name or other.username
    return render(
        request,
        "pages/forms/item.html",
        {
            "item": item, "youth": youth, "kind": KIND_LABELS[item.kind], "subject": subject,
            "days": (item.due_date - local_today(session, item)).days,
            "fill": fill, "specs": specs, "entry": entry, "summary": summary(specs, entry),
            "layout": "assessment" if item.kind in ASSESSMENTS else
                      "plan" if item.kind == WorkItemKind.integration_plan else "fields",
            "submit": SUBMIT.get(item.kind), "intro": INTRO.get(item.kind),
            "axes": AXES, "checklist": CHECKLIST.get(item.subject),
            "months": item.subject.lstrip("m") if item.kind == WorkItemKind.follow_up_checkpoint
                      else None,
            "scores": dict(subject.scores), "assignee": assignee, "current": current,
            "sent_back": subject.plan is not None and subject.plan.status == PlanStatus.rejected,
            # An incident's answers (a runaway's whereabouts) only for who reads sensitive data.
            "answers": answers(specs, item.payload) if item.payload and (
                sees_sensitive(user) or item.kind not in INCIDENT_WORK) else [],
            **last_known_contacts(session, user, item, current=current),
        },
        session=session,
        status=status,
    )  # fmt: skip


def last_known_contacts(
    session: Session, user: User, item: WorkItem, *, current: bool
) -> dict[str, Any]:
    """A follow-up checkpoint shows the youth's last known contact details (open or
    recorded as "no contact"): reaching them is the checkpoint's work. Only while the
    youth is the caller's (`current`)."""
    if (
        not current
        or item.kind != WorkItemKind.follow_up_checkpoint
        or not allowed("contacts.list", user)
    ):
        return {"last_contacts": None}
    youth = youth_service.get_youth(session, item.youth_id)
    return {"last_contacts": contact_rows(session, youth, local_today(session, item))}


def summary(specs: tuple[Spec, ...], entry: Entry) -> list[dict[str, Any]]:
    """The errors at the top of the form: where each is (words and a link), and what."""
    labels: dict[str, list[tuple[str, dict[str, Any]]]] = {"": []}
    for spec in specs:
        labels[spec.name] = [(spec.label, {})]
        if spec.widget == "group":
            for key, key_label in spec.keys:
                for child in spec.children:
                    labels[f"{spec.name}.{key}.{child.name}"] = [(key_label, {}), (child.label, {})]
        for i in range(entry.rows.get(spec.name, 0)):
            for child in spec.children:
                labels[f"{spec.name}.{i}.{child.name}"] = [
                    (N_("Milestone %(num)s"), {"num": i + 1}), (child.label, {})
                ]  # fmt: skip
    return [
        {"id": "f-" + name.replace(".", "-") if name else "", "where": labels.get(name, []),
         "messages": messages}
        for name, messages in entry.errors.items()
    ]  # fmt: skip


def answers(specs: tuple[Spec, ...], payload: dict[str, Any]) -> list[dict[str, Any]]:
    """What a completed item recorded, field by field (an option by its label)."""
    shown = []
    for spec in specs:
        value = payload.get(spec.name)
        if value is None or value == "" or spec.widget in ("group", "rows"):
            continue
        raw = str(value).lower() if isinstance(value, bool) else str(value)
        option = dict(spec.options).get(raw) if spec.widget != "scale" else None
        is_date = spec.widget == "date"
        shown.append({"label": spec.label, "option": option, "date": is_date,
                      "value": date.fromisoformat(raw) if is_date else raw})  # fmt: skip
    return shown
