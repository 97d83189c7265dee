"""Completing work items: one entry point, one handler per kind, one dispatch table.

`complete_work_item` checks who may complete, validates the kind's payload, hands it to
the kind's handler (which records it and creates the work that follows), then closes
the item and its escalations. Each handler lives with its domain: assessments, plans,
exits, checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from mowakaba.clock import now
from mowakaba.enums import EventKind, WorkItemKind, WorkItemStatus
from mowakaba.errors import AlreadyClosed, InvalidPayload, NotAssignee
from mowakaba.models import PathwayEvent, User, Youth
from mowakaba.schemas import PAYLOADS
from mowakaba.services import calendars as calendar_service
from mowakaba.services.completions.assessments import ASSESSMENT_KINDS, record_assessment
from mowakaba.services.completions.checkpoints import record_checkpoint
from mowakaba.services.completions.context import CompletionContext, Handler
from mowakaba.services.completions.exits import (
    complete_record_exit,
    decide_extension,
    record_renewal,
    tick_checklist_item,
)
from mowakaba.services.completions.incidents import decide_runaway, respond_to_incident
from mowakaba.services.completions.plans import check_milestone, decide_plan, submit_plan
from mowakaba.services.timeline import record_event
from mowakaba.services.work_items import can_complete, close_escalations, get_work_item

HANDLERS: dict[WorkItemKind, Handler] = {
    WorkItemKind.intake_assessment: record_assessment,
    WorkItemKind.plan_review: record_assessment,
    WorkItemKind.exit_readiness_assessment: record_assessment,
    WorkItemKind.integration_plan: submit_plan,
    WorkItemKind.plan_approval: decide_plan,
    WorkItemKind.milestone_check: check_milestone,
    WorkItemKind.exit_checklist_item: tick_checklist_item,
    WorkItemKind.record_exit: complete_record_exit,
    WorkItemKind.follow_up_checkpoint: record_checkpoint,
    WorkItemKind.exit_extension_decision: decide_extension,
    WorkItemKind.incident_response: respond_to_incident,
    WorkItemKind.runaway_decision: decide_runaway,
    WorkItemKind.document_renewal: record_renewal,
}
# Kinds whose completion has a table of its own; the others keep their payload on the item.
OWN_TABLE = set(ASSESSMENT_KINDS) | {
    WorkItemKind.integration_plan,
    WorkItemKind.follow_up_checkpoint,
    WorkItemKind.record_exit,
    WorkItemKind.incident_response,  # its note is the incident's (sensitive)
}


@dataclass(frozen=True)
class Completion:
    """What completing an item did, and what the edge needs next: reconcile this youth."""

    event: PathwayEvent
    work_item_id: int
    youth_id: int
    created_ids: tuple[int, ...] = ()


def parse_payload(kind: WorkItemKind, payload: Any) -> Any:
    """Validate a payload against its kind's model, as an InvalidPayload error."""
    model = PAYLOADS[kind]
    if isinstance(payload, model):
        return payload
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or kind.value
        raise InvalidPayload(f"{kind.value}: {where}: {first['msg']}") from None


def complete_work_item(
    session: Session,
    *,
    work_item_id: int,
    actor: User,
    payload: Any,
    as_of: datetime | None = None,
    by_referral: int | None = None,
    by_document: int | None = None,
) -> Completion:
    """Complete a work item with its kind's payload; returns the event and what it created.

    Only the assignee (or a member of the assignee pool) may complete, or a completed
    referral (`by_referral`) or an uploaded document (`by_document`) that meets the item;
    an item is completed once. Nothing is
    written when anything is wrong.
    """
    at = as_of or now()
    item = get_work_item(session, work_item_id, lock=True)
    if item.status != WorkItemStatus.open:
        raise AlreadyClosed(f"work item {item.id} is {item.status.value} already")
    by_record = by_referral is not None or by_document is not None
    if not by_record and not can_complete(session, item=item, user=actor):
        raise NotAssignee(f"user {actor.id} may not complete work item {item.id}")
    parsed = parse_payload(item.kind, payload)
    youth = session.exec(select(Youth).where(Youth.id == item.youth_id).with_for_update()).one()
    day = calendar_service.local_day(session, institution_id=youth.institution_id, at=at)
    today = day.today
    context = CompletionContext(session, day.rules(), youth, item, actor, today, at)
    created = HANDLERS[item.kind](context, parsed)
    item.status = WorkItemStatus.done
    item.completed_at = at
    item.completed_by_id = actor.id
    if item.kind not in OWN_TABLE:
        item.payload = parsed.model_dump(mode="json")
    session.add(item)
    close_escalations(session, work_item_id=item.pk, at=at)
    event = record_event(
        session,
        youth,
        EventKind.work_item_completed,
        on=today,
        actor_id=actor.id,
        work_item_id=item.id,
        data={"kind": item.kind.value, "subject": item.subject}
        | ({"referral_id": by_referral} if by_referral is not None else {})
        | ({"document_id": by_document} if by_document is not None else {}),
    )
    youth.updated_at = at
    session.add(youth)
    session.flush()
    return Completion(
        event=event,
        work_item_id=item.pk,
        youth_id=youth.pk,
        created_ids=tuple(i.id for i in created if i is not None),  # type: ignore[misc]
    )
