"""Reconciling one youth: apply every stage trigger that is due, create the work it implies.

Idempotent: a second call at the same instant changes nothing (and the
(youth, kind, subject) constraint keeps every item once even if two calls race).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from mowakaba.clock import local_date, now
from mowakaba.enums import (
    ClosureReason,
    EventKind,
    PlanStatus,
    Stage,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import NotFound
from mowakaba.models import Plan, WorkItem, Youth
from mowakaba.paging import fetch_page
from mowakaba.pathway import (
    CANCELLED_ON_ENTRY,
    PathwayFacts,
    check_transition,
    entry_work,
    next_stage_trigger,
    stage_moves,
)
from mowakaba.rules import Rules
from mowakaba.services import calendars as calendar_service
from mowakaba.services.documents import checklist as document_checklist
from mowakaba.services.timeline import record_event
from mowakaba.services.work_items import cancel_work_item, create_work_item, open_items


@dataclass
class Reconciliation:
    """What one reconciliation did."""

    youth_id: int
    stage_before: Stage
    stage_after: Stage
    moves: list[tuple[Stage, date]] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.moves or self.created or self.cancelled)


def lock_youth(session: Session, youth_id: int) -> Youth:
    """Load a youth's row for update (PostgreSQL row lock; SQLite serialises writers)."""
    youth = session.exec(select(Youth).where(Youth.id == youth_id).with_for_update()).first()
    if youth is None:
        raise NotFound(f"youth {youth_id} not found")
    return youth


def _local(at: datetime | None, tz: str) -> date | None:
    return None if at is None else local_date(at, tz)


def facts_of(session: Session, youth: Youth, tz: str) -> PathwayFacts:
    """Read what the stage triggers need from the database."""
    items = session.exec(
        select(WorkItem.kind, WorkItem.status, WorkItem.completed_at).where(
            WorkItem.youth_id == youth.id,
            col(WorkItem.kind).in_(
                [WorkItemKind.intake_assessment, WorkItemKind.follow_up_checkpoint]
            ),
        )
    ).all()
    intake_days = [
        _local(at, tz)
        for kind, status, at in items
        if kind == WorkItemKind.intake_assessment and status == WorkItemStatus.done
    ]
    intake_done = min((d for d in intake_days if d is not None), default=None)
    checkpoints = [
        (status, at) for kind, status, at in items if kind == WorkItemKind.follow_up_checkpoint
    ]
    resolved = None
    if checkpoints and all(status != WorkItemStatus.open for status, _ in checkpoints):
        resolved = max(_local(at, tz) or youth.registered_date for _, at in checkpoints)
    approved_at = session.exec(
        select(Plan.decided_at)
        .where(
            Plan.youth_id == youth.id,
            col(Plan.status).in_([PlanStatus.approved, PlanStatus.superseded]),
        )
        .order_by(col(Plan.decided_at))
    ).first()
    return PathwayFacts(
        date_of_birth=youth.date_of_birth,
        registered=youth.registered_date,
        stage=youth.stage,
        planned_exit=youth.planned_exit_date,
        intake_done=intake_done,
        plan_approved=_local(approved_at, tz),
        exit_date=youth.exit_date,
        checkpoints_resolved=resolved,
    )


def reconcile_youth(
    session: Session,
    youth_id: int,
    as_of: datetime | None = None,
    *,
    flow_run_id: str | None = None,
    rules: Rules | None = None,
) -> Reconciliation:
    """Bring one youth up to date: every stage move due by `as_of`, and the work it creates."""
    at = as_of or now()
    youth = lock_youth(session, youth_id)
    day = calendar_service.local_day(session, institution_id=youth.institution_id, at=at)
    today, tz = day.today, day.institution.time_zone
    if rules is None:
        rules = day.rules()
    result = Reconciliation(youth_id=youth_id, stage_before=youth.stage, stage_after=youth.stage)
    facts = facts_of(session, youth, tz)
    for stage, on in stage_moves(rules, facts, today):
        check_transition(youth.stage, stage, youth.id)
        youth.stage, youth.stage_entered_date = stage, on
        if stage == Stage.closed:
            youth.closed_date = on
            youth.closure_reason = ClosureReason.follow_up_completed
        session.add(youth)
        record_event(
            session, youth, EventKind.stage_entered, on=on, flow_run_id=flow_run_id,
            data={"stage": stage.value},
        )  # fmt: skip
        cancels = CANCELLED_ON_ENTRY.get(stage, frozenset())
        if cancels:
            for item in open_items(session, youth_id=youth_id, kinds=set(cancels)):
                cancel_work_item(
                    session, item=item, reason=f"stage {stage.value}", on=on, youth=youth,
                    flow_run_id=flow_run_id,
                )  # fmt: skip
                result.cancelled.append(item.pk)
        existing = frozenset(
            WorkItemKind(k)
            for k in session.exec(select(WorkItem.kind).where(WorkItem.youth_id == youth_id))
        )
        for spec in entry_work(
            rules,
            stage,
            on,
            planned_exit=youth.planned_exit_date,
            exit_date=youth.exit_date,
            registered=youth.registered_date,
            existing=existing,
            plan_approved=facts.plan_approved is not None,
        ):
            created = create_work_item(
                session, youth=youth, spec=spec, on=on, at=at, flow_run_id=flow_run_id
            )
            if created is not None:
                result.created.append(created.pk)
        result.moves.append((stage, on))
    if result.created:
        # A checklist item created now is met by a valid document uploaded before.
        document_checklist.meet_checklist_items(session, youth=youth, at=at)
    # Without a move nothing here changed the facts: no second read (most reconciliations).
    if result.moves:
        facts = facts_of(session, youth, tz)
    youth.next_trigger_date = next_stage_trigger(rules, facts)
    youth.needs_reconciliation, youth.reconciliation_flagged_at = False, None
    if result.changed:
        youth.updated_at = at
    session.add(youth)
    session.flush()
    result.stage_after = youth.stage
    return result


def stage_change_due(session: Session, youth_id: int, as_of: datetime) -> bool:
    """Tell, without changing anything, whether reconciling a youth now would move its stage."""
    youth = session.get(Youth, youth_id)
    if youth is None:
        return False
    day = calendar_service.local_day(session, institution_id=youth.institution_id, at=as_of)
    facts = facts_of(session, youth, day.institution.time_zone)
    return bool(stage_moves(day.rules(), facts, day.today))


def youths_due(session: Session, *, today: date, after_id: int, limit: int) -> list[int]:
    """Return a batch of youths whose stage may change by `today`, or who await reconciliation."""
    return list(
        session.exec(
            select(  # type: ignore[arg-type]
                col(Youth.id)
            )
            .where(
                col(Youth.id) > after_id,
                (col(Youth.next_trigger_date) <= today) | col(Youth.needs_reconciliation),
                Youth.stage != Stage.closed,
            )
            .order_by(col(Youth.id))
            .limit(limit)
        )
    )


def flag_for_reconciliation(session: Session, *, youth_ids: list[int]) -> None:
    """Mark youths as awaiting reconciliation: the next sweep brings them up to date."""
    for youth_id in youth_ids:
        youth = session.get(Youth, youth_id)
        if youth is not None and not youth.needs_reconciliation:
            youth.needs_reconciliation, youth.reconciliation_flagged_at = True, now()
            session.add(youth)
    session.flush()


def flagged_youths(
    session: Session, *, institution_ids: Sequence[int] | None, limit: int = 100, offset: int = 0
) -> tuple[list[Youth], int]:
    """Return a page of the youths awaiting reconciliation (longest waiting first; `limit`
    from `offset`) and their number, in the given institutions (None: all)."""
    query = select(Youth).where(col(Youth.needs_reconciliation), Youth.stage != Stage.closed)
    if institution_ids is not None:
        query = query.where(col(Youth.institution_id).in_(list(institution_ids)))
    order = [col(Youth.reconciliation_flagged_at).asc().nulls_first(), col(Youth.id)]
    return fetch_page(session, query, order_by=order, limit=limit, offset=offset)
