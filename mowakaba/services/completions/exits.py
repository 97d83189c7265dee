"""Leaving care: the exit checklist, the recorded exit, and decisions on extensions."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from mowakaba import document_rules
from mowakaba.enums import EventKind, ExtensionStatus, Stage, WorkItemKind
from mowakaba.errors import AlreadyClosed, ImplausibleDates, InvalidPayload, NotAllowed
from mowakaba.models import Document, ExitExtension, User, WorkItem, Youth
from mowakaba.schemas import (
    ChecklistPayload,
    DocumentRenewalPayload,
    ExtensionDecisionPayload,
    RecordExitPayload,
)
from mowakaba.services.completions.context import CompletionContext
from mowakaba.services.timeline import record_event
from mowakaba.services.work_items import move_due_date, open_items


def tick_checklist_item(ctx: CompletionContext, payload: ChecklistPayload) -> list[WorkItem | None]:
    """Tick an exit checklist item: its payload is kept on the item, nothing follows.

    Met by a document (`document_id`): one of the youth's, in force, not expired, of the
    kind the item asks for (a national ID card for the ID-card item...).
    """
    if payload.document_id is None:
        return []
    document = ctx.session.get(Document, payload.document_id)
    if document is None or document.youth_id != ctx.youth.id:
        raise InvalidPayload(f"document_id: document {payload.document_id} not found")
    if not document_rules.meets(document.kind, ctx.item.subject):
        raise InvalidPayload(
            f"document_id: a {document.kind.value} does not meet {ctx.item.subject}"
        )
    if not document_rules.is_valid(
        status=document.status, expiry_date=document.expiry_date, today=ctx.today
    ):
        raise InvalidPayload(f"document_id: document {document.id} is retired or expired")
    return []


def record_renewal(
    ctx: CompletionContext, payload: DocumentRenewalPayload
) -> list[WorkItem | None]:
    """A document's renewal asked for (or not needed): kept on the item, nothing follows.

    The renewed document, once uploaded, replaces the old one.
    """
    return []


def record_exit(
    session: Session,
    *,
    youth: Youth,
    payload: RecordExitPayload,
    actor: User,
    today: date,
    work_item_id: int | None = None,
) -> None:
    """Record a young person's actual exit from care (planned or not)."""
    if youth.exit_date is not None:
        raise AlreadyClosed(f"youth {youth.id}: exit recorded already ({youth.exit_date})")
    if youth.stage not in (
        Stage.enrolled,
        Stage.intake,
        Stage.planning,
        Stage.active,
        Stage.exit_preparation,
    ):
        raise NotAllowed(f"youth {youth.id} is not in care (stage {youth.stage.value})")
    if payload.exit_date > today:
        raise ImplausibleDates(f"exit {payload.exit_date} is in the future ({today})")
    if payload.exit_date < youth.admission_date:
        raise ImplausibleDates(
            f"exit {payload.exit_date} is before admission {youth.admission_date}"
        )
    youth.exit_date = payload.exit_date
    youth.exit_kind = payload.kind
    youth.exit_destination = payload.destination
    youth.exit_reason = payload.reason
    session.add(youth)
    record_event(
        session,
        youth,
        EventKind.exit_recorded,
        on=today,
        actor_id=actor.id,
        work_item_id=work_item_id,
        data={"exit_date": str(payload.exit_date), "kind": payload.kind.value},
    )


def complete_record_exit(
    ctx: CompletionContext, payload: RecordExitPayload
) -> list[WorkItem | None]:
    """Record the exit the "record exit" item asked for."""
    record_exit(
        ctx.session,
        youth=ctx.youth,
        payload=payload,
        actor=ctx.actor,
        today=ctx.today,
        work_item_id=ctx.item.id,
    )
    return []


def decide_extension(
    ctx: CompletionContext, payload: ExtensionDecisionPayload
) -> list[WorkItem | None]:
    """Approve an extension (the planned exit and "record exit" move) or reject it."""
    number = int(ctx.item.subject.lstrip("x"))
    extension = ctx.session.exec(
        select(ExitExtension).where(
            ExitExtension.youth_id == ctx.youth.id, ExitExtension.number == number
        )
    ).one()
    extension.decided_at, extension.decided_by_id = ctx.at, ctx.actor.id
    extension.decision_comment = payload.comment
    event_data: dict[str, Any] = {"number": number, "decision": payload.decision}
    if payload.decision == "reject":
        extension.status = ExtensionStatus.rejected
    else:
        extension.status = ExtensionStatus.approved
        ctx.youth.planned_exit_date = extension.requested_until
        ctx.youth.planned_exit_reason = extension.reason
        ctx.session.add(ctx.youth)
        # "Record exit" moves to the new date; its reminders and escalations restart.
        assert ctx.youth.id is not None
        for record in open_items(
            ctx.session, youth_id=ctx.youth.id, kinds={WorkItemKind.record_exit}
        ):
            new_due = ctx.rules.record_exit_item(extension.requested_until).due_date
            move_due_date(ctx.session, item=record, due_date=new_due, at=ctx.at)
        event_data["until"] = str(extension.requested_until)
    ctx.session.add(extension)
    record_event(
        ctx.session,
        ctx.youth,
        EventKind.extension_decided,
        on=ctx.today,
        actor_id=ctx.actor.id,
        work_item_id=ctx.item.id,
        data=event_data,
    )
    return []
