"""Work items: creating them from the rules, cancelling and rescheduling them, finding them.

Completing one is a kind's own business: see `mowakaba.services.completions`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from mowakaba.clock import now
from mowakaba.enums import AssigneePool, EventKind, Role, WorkItemKind, WorkItemStatus
from mowakaba.errors import (
    AlreadyClosed,
    DateInPast,
    DateTooFar,
    InvalidPayload,
    NotAllowed,
    NotFound,
)
from mowakaba.models import Escalation, FollowUp, PathwayEvent, User, WorkItem, Youth
from mowakaba.paging import fetch_page
from mowakaba.rules import WorkItemSpec, add_months, format_days
from mowakaba.services import calendars as calendar_service
from mowakaba.services import users as user_service
from mowakaba.services.timeline import record_event
from mowakaba.settings import get_settings
from mowakaba.text import UnsafeText, clean_text

# A new due date lies at most this far ahead: further is a typo (2100), not a plan.
RESCHEDULE_HORIZON_MONTHS = 12

# ---------------------------------------------------------------- creating


def create_work_item(
    session: Session,
    *,
    youth: Youth,
    spec: WorkItemSpec,
    on: date,
    at: datetime | None = None,
    flow_run_id: str | None = None,
) -> WorkItem | None:
    """Create the work item a rule asks for, once: None if (youth, kind, subject) exists.

    Work for the youth's mediator goes to the institution's coordinators when the
    youth has no mediator, so that it is never lost.
    """
    assert youth.id is not None
    exists = session.exec(
        select(WorkItem.id).where(
            WorkItem.youth_id == youth.id,
            WorkItem.kind == spec.kind,
            WorkItem.subject == spec.subject,
        )
    ).first()
    if exists is not None:
        return None
    pool = spec.pool or (None if youth.mediator_id else AssigneePool.institution_coordinators)
    timings = get_settings().timings  # kept by the item: later changes do not move it
    item = WorkItem(
        youth_id=youth.id,
        institution_id=youth.institution_id,
        kind=spec.kind,
        subject=spec.subject,
        assignee_id=None if pool else youth.mediator_id,
        assignee_pool=pool,
        due_date=spec.due_date,
        reminder_days=format_days(timings.reminder_days_before),
        escalation_working_days=format_days(timings.escalation_working_days),
        created_at=at or now(),  # the instant of the change (replays set it), not the wall clock
    )
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        return None  # a concurrent reconciliation created it: the constraint keeps it once
    if spec.kind == WorkItemKind.follow_up_checkpoint:
        session.add(
            FollowUp(
                youth_id=youth.id,
                work_item_id=item.pk,
                months=int(spec.subject.lstrip("m")),
                due_date=spec.due_date,
            )
        )
    record_event(
        session,
        youth,
        EventKind.work_item_created,
        on=on,
        work_item_id=item.id,
        flow_run_id=flow_run_id,
        data={"kind": spec.kind.value, "subject": spec.subject, "due_date": str(spec.due_date)},
    )
    return item


def close_escalations(session: Session, *, work_item_id: int, at: datetime) -> int:
    """Close the open escalations of an item (it was completed, cancelled or rescheduled)."""
    escalations = session.exec(
        select(Escalation).where(
            Escalation.work_item_id == work_item_id, col(Escalation.closed_at).is_(None)
        )
    ).all()
    for escalation in escalations:
        escalation.closed_at = at
        session.add(escalation)
    return len(escalations)


def cancel_work_item(
    session: Session,
    *,
    item: WorkItem,
    reason: str,
    on: date,
    youth: Youth,
    flow_run_id: str | None = None,
    actor_id: int | None = None,
) -> None:
    """Cancel an open item and close its escalations."""
    at = now()
    item.status = WorkItemStatus.cancelled
    item.cancel_reason = reason
    item.completed_at = at
    session.add(item)
    close_escalations(session, work_item_id=item.pk, at=at)
    record_event(
        session,
        youth,
        EventKind.work_item_cancelled,
        on=on,
        work_item_id=item.id,
        actor_id=actor_id,
        flow_run_id=flow_run_id,
        data={"kind": item.kind.value, "subject": item.subject, "reason": reason},
    )


def open_items(
    session: Session, *, youth_id: int, kinds: set[WorkItemKind] | None = None
) -> list[WorkItem]:
    """Return a youth's open items (of some kinds), oldest due first."""
    query = select(WorkItem).where(
        WorkItem.youth_id == youth_id, WorkItem.status == WorkItemStatus.open
    )
    if kinds is not None:
        query = query.where(col(WorkItem.kind).in_(kinds))
    return list(session.exec(query.order_by(col(WorkItem.due_date), col(WorkItem.id))))


# ---------------------------------------------------------------- who may act


def is_pool_member(session: Session, *, user: User, institution_id: int) -> bool:
    """Tell whether a user is an active coordinator of an institution."""
    return (
        user.is_active
        and user.role == Role.coordinator
        and institution_id in user_service.institution_ids_of(session, user.pk)
    )


def can_complete(session: Session, *, item: WorkItem, user: User) -> bool:
    """Only the assignee, or a member of the assignee pool, completes an item."""
    if not user.is_active:
        return False
    if item.assignee_id is not None:
        return item.assignee_id == user.id
    return is_pool_member(session, user=user, institution_id=item.institution_id)


def get_work_item(session: Session, work_item_id: int, *, lock: bool = False) -> WorkItem:
    """Return a work item or raise NotFound."""
    query = select(WorkItem).where(WorkItem.id == work_item_id)
    if lock:
        query = query.with_for_update()
    item = session.exec(query).first()
    if item is None:
        raise NotFound(f"work item {work_item_id} not found")
    return item


# ---------------------------------------------------------------- rescheduling


def move_due_date(session: Session, *, item: WorkItem, due_date: date, at: datetime) -> None:
    """Give an item a new due date: a new cycle, so reminders and escalations count again."""
    item.due_date = due_date
    item.cycle += 1
    item.escalation_level = 0
    session.add(item)
    close_escalations(session, work_item_id=item.pk, at=at)


def reschedule_work_item(
    session: Session,
    *,
    work_item_id: int,
    actor: User,
    due_date: date,
    reason: str,
    as_of: datetime | None = None,
) -> PathwayEvent:
    """Grant an open item a new due date (a coordinator of its institution); the count restarts."""
    at = as_of or now()
    item = get_work_item(session, work_item_id, lock=True)
    if not is_pool_member(session, user=actor, institution_id=item.institution_id):
        raise NotAllowed(
            f"user {actor.id} is not a coordinator of institution {item.institution_id}"
        )
    if item.status != WorkItemStatus.open:
        raise AlreadyClosed(f"work item {item.id} is {item.status.value} already")
    try:  # the API's model cleaned it already; the CLI's argument comes here raw
        reason = clean_text(reason, multiline=True).strip()
    except UnsafeText as exc:
        raise InvalidPayload(f"reason: {exc}") from None
    if not reason:
        raise InvalidPayload("a new due date needs a reason")
    today = calendar_service.local_day(session, institution_id=item.institution_id, at=at).today
    if due_date < today:
        raise DateInPast(f"new due date {due_date} is before today ({today})")
    latest = add_months(today, RESCHEDULE_HORIZON_MONTHS)
    if due_date > latest:
        raise DateTooFar(
            f"new due date {due_date} is more than {RESCHEDULE_HORIZON_MONTHS} months ahead "
            f"(at most {latest})"
        )
    youth = session.get(Youth, item.youth_id)
    assert youth is not None
    previous = item.due_date
    move_due_date(session, item=item, due_date=due_date, at=at)
    return record_event(
        session,
        youth,
        EventKind.work_item_rescheduled,
        on=today,
        actor_id=actor.id,
        work_item_id=item.id,
        data={"from": str(previous), "to": str(due_date), "cycle": item.cycle},
    )


# ---------------------------------------------------------------- finding

# Soonest due first; the id breaks ties so that pages never overlap.
SOONEST_DUE = (col(WorkItem.due_date), col(WorkItem.id))


def list_work_items(
    session: Session,
    *,
    assignee_id: int | None = None,
    pool_institution_ids: list[int] | None = None,
    status: WorkItemStatus | None = WorkItemStatus.open,
    youth_id: int | None = None,
    kind: WorkItemKind | None = None,
    due_before: date | None = None,
    limit: int = 100,
    offset: int = 0,
    visible_youths: Any = None,
) -> list[WorkItem]:
    """Return work items, soonest due first: a person's own, and their pools' if given.

    `visible_youths` (a select of youth ids) restricts them to a caller's scope.
    """
    query = _work_query(**_kwargs(locals()))
    return list(session.exec(query.order_by(*SOONEST_DUE).offset(offset).limit(limit)))


def page_work_items(
    session: Session, *, limit: int, offset: int = 0, **filters: Any
) -> tuple[list[WorkItem], int]:
    """Return a page of what `list_work_items` lists with the same filters, and the total."""
    return fetch_page(
        session, _work_query(**filters), order_by=SOONEST_DUE, limit=limit, offset=offset
    )


def youths_with_work(session: Session, **filters: Any) -> list[Youth]:
    """Return the youths that the work items `page_work_items` would list belong to, by name."""
    ids = _work_query(**filters).with_only_columns(col(WorkItem.youth_id)).distinct()
    query = select(Youth).where(col(Youth.id).in_(ids))
    return list(session.exec(query.order_by(col(Youth.last_name), col(Youth.first_name))))


def _kwargs(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in ("session", "limit", "offset")}


def _work_query(
    *,
    assignee_id: int | None = None,
    pool_institution_ids: list[int] | None = None,
    status: WorkItemStatus | None = WorkItemStatus.open,
    youth_id: int | None = None,
    kind: WorkItemKind | None = None,
    due_before: date | None = None,
    visible_youths: Any = None,
) -> SelectOfScalar[WorkItem]:
    query = select(WorkItem)
    if visible_youths is not None:
        query = query.where(col(WorkItem.youth_id).in_(visible_youths))
    if assignee_id is not None:
        mine = col(WorkItem.assignee_id) == assignee_id
        if pool_institution_ids:
            mine = mine | (
                col(WorkItem.assignee_pool).is_not(None)
                & col(WorkItem.institution_id).in_(pool_institution_ids)
            )
        query = query.where(mine)
    if status is not None:
        query = query.where(WorkItem.status == status)
    if youth_id is not None:
        query = query.where(WorkItem.youth_id == youth_id)
    if kind is not None:
        query = query.where(WorkItem.kind == kind)
    if due_before is not None:
        query = query.where(col(WorkItem.due_date) <= due_before)
    return query
