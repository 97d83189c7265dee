"""The sweep: everything periodic, in batches through indexed queries.

One pass runs the phases in order (`PHASES`): checkpoints missed (and "not in
touch"), referral clocks and moves, youths whose stage must change, reminders due
(D−7, D−1), escalations due (working days D+3, D+10), documents about to expire
(their renewal items, `services/documents/renewals.py`). Each batch is a keyset
page over an index and returns one `Batch`; the in-process `sweep()` below and the
Prefect `sweep` flow iterate the same phases, the flow one task per batch. The edge
may commit after each batch, so an interrupted sweep keeps what it did and the next
one finishes the rest. Every notification has a unique key: it is written once
however often the sweep runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlmodel import Session, col, select

from mowakaba.clock import local_date, now
from mowakaba.enums import CheckpointStatus, EscalationReason, NotificationKind, WorkItemStatus
from mowakaba.models import (
    Escalation,
    PathwayEvent,
    User,
    WorkItem,
    Youth,
)
from mowakaba.services import escalations as escalation_service
from mowakaba.services import follow_up as follow_up_service
from mowakaba.services import incidents as incident_service
from mowakaba.services import notifications as notification_service
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import referrals as referral_service
from mowakaba.services import sms as sms_service
from mowakaba.services.documents import renewals as document_renewals
from mowakaba.services.documents import storage as document_storage
from mowakaba.services.sweep_context import SweepContext, assignees_of, load_people
from mowakaba.services.sweep_context import forget_kept_timings as forget_kept_timings
from mowakaba.settings import get_settings


@dataclass
class DueYouth:
    """A youth whose stage must change, with the event that names its pathway run."""

    youth_id: int
    code: str
    institution_id: int
    stage: str
    event: str


@dataclass
class Batch:
    """What one batch of a phase did, and where the next batch starts."""

    counts: dict[str, int]
    last: int
    more: bool
    due: list[DueYouth] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain values, for a Prefect task's result."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Batch:
        """The batch a task returned."""
        return cls(
            counts=dict(data["counts"]), last=data["last"], more=data["more"],
            due=[DueYouth(**d) for d in data["due"]],
        )  # fmt: skip


class Phase(Protocol):
    def __call__(self, ctx: SweepContext, *, after_id: int, limit: int) -> Batch: ...


@dataclass
class SweepCounts:
    """What a sweep did."""

    reminders: int = 0
    escalations_level_1: int = 0
    escalations_level_2: int = 0
    checkpoints_missed: int = 0
    marked_not_in_touch: int = 0
    youths_reconciled: int = 0
    stage_changes: int = 0
    referrals_escalated: int = 0
    referrals_expired: int = 0
    referral_delivery_reminders: int = 0
    referral_delivery_escalations: int = 0
    referral_moves_settled: int = 0
    runaway_decisions: int = 0
    sms_reminders: int = 0
    document_renewals: int = 0
    batches: int = 0
    changed_youth_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        """Return the counts (without the ids) for printing."""
        data = asdict(self)
        data.pop("changed_youth_ids")
        return data

    def add(self, counts: dict[str, int]) -> None:
        """Add a batch's counts to these."""
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + value)


def _page(session: Session, query, after_id: int, limit: int) -> list[WorkItem]:  # type: ignore[no-untyped-def]
    return list(
        session.exec(
            query.where(col(WorkItem.id) > after_id).order_by(col(WorkItem.id)).limit(limit)
        )
    )


def _next(items: list[WorkItem], after_id: int, limit: int) -> tuple[int, bool]:
    return (items[-1].id if items else after_id), len(items) == limit  # type: ignore[return-value]


def reminder_batch(ctx: SweepContext, *, after_id: int, limit: int) -> Batch:
    """Send the reminders due in a batch of open items."""
    session, today = ctx.session, ctx.coarse_today()
    horizon = max(ctx.kept_timings()[0]) + 1
    items = _page(
        session,
        select(WorkItem).where(
            WorkItem.status == WorkItemStatus.open,
            col(WorkItem.due_date) >= today - timedelta(days=1),
            col(WorkItem.due_date) <= today + timedelta(days=horizon),
        ),
        after_id,
        limit,
    )
    held = load_people(session, items)  # noqa: F841
    due: list[tuple[WorkItem, str, list[User]]] = []
    for item in items:
        local_today = ctx.today(item.institution_id)
        rules = ctx.rules_of(item)
        tz = ctx.institution(item.institution_id).time_zone
        created = local_date(item.created_at, tz)
        if local_today > item.due_date:
            continue
        # The most recent reminder whose day has come, if the item existed then.
        due_reminders = [
            (days, when)
            for days, when in rules.reminder_dates(item.due_date)
            if when <= local_today and when >= created
        ]
        if not due_reminders:
            continue
        days, _ = min(due_reminders)
        due.append((item, f"reminder:{item.id}:{item.cycle}:D-{days}", assignees_of(session, item)))
    # One outbox query and one insert for the batch: a reminder stays due for days, so
    # most sweeps find most reminders written already (a look-up and a savepoint per
    # item and recipient was most of a national sweep's time). `enqueue_batch` skips them.
    outbox: list[notification_service.Outgoing] = []
    for item, key, recipients in due:
        local_today = ctx.today(item.institution_id)
        youth = session.get(Youth, item.youth_id)
        assert youth is not None
        outbox += notification_service.outgoing_each(
            recipients,
            key=key,
            kind=NotificationKind.reminder,
            youth_id=item.youth_id,
            work_item_id=item.id,
            context={
                "work_item_kind": item.kind.value,
                "youth_code": youth.code,
                "due_date": str(item.due_date),
                "days_before": (item.due_date - local_today).days,
                "link": f"{get_settings().public_url}/work/{item.id}",
            },
        )
    sent = notification_service.enqueue_batch(session, outbox)
    return Batch({"reminders": sent}, *_next(items, after_id, limit))


def escalation_batch(ctx: SweepContext, *, after_id: int, limit: int) -> Batch:
    """Raise the escalations due in a batch of overdue items."""
    session = ctx.session
    first = min(ctx.kept_timings()[1])
    items = _page(
        session,
        select(WorkItem).where(
            WorkItem.status == WorkItemStatus.open,
            # Working day D+3 is at least 3 calendar days after D: a coarse, indexed filter.
            col(WorkItem.due_date) <= ctx.coarse_today() - timedelta(days=first - 1),
            col(WorkItem.escalation_level) < 2,
        ),
        after_id,
        limit,
    )
    raised = [0, 0]
    held = load_people(session, items)  # noqa: F841
    # The escalations the batch's items have already, read once.
    raised_before = set(
        session.exec(
            select(Escalation.work_item_id, Escalation.cycle, Escalation.level).where(
                col(Escalation.work_item_id).in_([item.id for item in items]),
                Escalation.reason == EscalationReason.overdue,
            )
        ).all()
        if items
        else ()
    )
    outbox: list[notification_service.Outgoing] = []
    # No flush per query in the loop: the batch's rows go in one flush at its end.
    with session.no_autoflush:
        for item in items:
            rules = ctx.rules_of(item)
            today = ctx.today(item.institution_id)
            pooled = item.assignee_pool is not None
            level_due = rules.escalation_level_due(item.due_date, today, pooled=pooled)
            levels = [lvl for lvl in (1, 2) if item.escalation_level < lvl <= level_due]
            if pooled:  # the coordinators' own items start at 2
                levels = [lvl for lvl in levels if lvl == 2]
            if not levels:
                continue
            youth = session.get(Youth, item.youth_id)
            assert youth is not None
            for level in levels:
                if (item.id, item.cycle, level) in raised_before:
                    continue
                escalation = escalation_service.raise_escalation(
                    session,
                    item=item,
                    youth=youth,
                    institution=ctx.institution(item.institution_id),
                    level=level,
                    today=today,
                    at=ctx.at,
                    rules=rules,
                    recipients=ctx.recipients(item.institution_id, level),
                    outbox=outbox,
                    checked=True,
                )
                if escalation is not None:
                    raised[level - 1] += 1
    notification_service.enqueue_batch(session, outbox)
    counts = {"escalations_level_1": raised[0], "escalations_level_2": raised[1]}
    return Batch(counts, *_next(items, after_id, limit))


def missed_batch(ctx: SweepContext, *, after_id: int, limit: int) -> Batch:
    """Mark missed checkpoints in a batch; the youths touched await reconciliation (closure)."""
    session = ctx.session
    days = get_settings().timings.checkpoint_missed_after_days
    items = follow_up_service.missed_checkpoint_batch(
        session,
        before=ctx.coarse_today() - timedelta(days=days - 1),
        after_id=after_id,
        limit=limit,
    )
    missed, marked, youths = 0, 0, list[int]()
    for item in items:
        rules, today = ctx.rules(item.institution_id), ctx.today(item.institution_id)
        if not rules.checkpoint_missed(CheckpointStatus.open, item.due_date, today):
            continue
        youth = session.exec(select(Youth).where(Youth.id == item.youth_id).with_for_update()).one()
        was = youth.not_in_touch
        follow_up_service.mark_missed(session, item=item, youth=youth, today=today, at=ctx.at)
        missed += 1
        marked += int(youth.not_in_touch and not was)
        youths.append(item.youth_id)
    reconciliation_service.flag_for_reconciliation(session, youth_ids=youths)
    counts = {"checkpoints_missed": missed, "marked_not_in_touch": marked}
    return Batch(counts, *_next(items, after_id, limit))


def due_batch(ctx: SweepContext, *, after_id: int, limit: int) -> Batch:
    """Find a batch of youths whose stage must change (or who await reconciliation)."""
    session, today = ctx.session, ctx.coarse_today()
    ids = reconciliation_service.youths_due(session, today=today, after_id=after_id, limit=limit)
    due = []
    for youth_id in ids:
        youth = session.get(Youth, youth_id)
        assert youth is not None
        if youth.next_trigger_date is not None and youth.next_trigger_date <= today:
            event = f"trigger-{youth.next_trigger_date}"
        else:
            last_event = session.exec(
                select(col(PathwayEvent.id))
                .where(PathwayEvent.youth_id == youth_id)
                .order_by(col(PathwayEvent.id).desc())
            ).first()
            event = f"event-{last_event}"
        # One run per trigger and day: a run that crashed is tried again tomorrow.
        due.append(
            DueYouth(youth_id, youth.code, youth.institution_id, youth.stage.value,
                     f"{event}-on-{today}")
        )  # fmt: skip
    return Batch({}, ids[-1] if ids else after_id, len(ids) == limit, due)


def referral_deadline_batch(ctx: SweepContext, *, after_id: int, limit: int) -> Batch:
    """Chase a batch of referrals whose clock ran out: escalate, expire, remind of delivery."""
    chased, last, more = referral_service.deadline_batch(
        ctx.session, coarse_today=ctx.coarse_today(), at=ctx.at, after_id=after_id, limit=limit,
        today_of=ctx.today,
    )  # fmt: skip
    counts = {
        "referrals_escalated": chased.escalated,
        "referrals_expired": chased.expired,
        "referral_delivery_reminders": chased.delivery_reminders,
        "referral_delivery_escalations": chased.delivery_escalations,
    }
    return Batch(counts, last, more)


def referral_move_batch(ctx: SweepContext, *, after_id: int, limit: int) -> Batch:
    """Do what follows the referral moves whose `referral` run did not start (or expired
    here); a youth whose work a completed referral met awaits reconciliation."""
    ids = referral_service.unsettled_batch(ctx.session, after_id=after_id, limit=limit)
    settled, youths = 0, []
    for referral_id in ids:
        result = referral_service.settle_referral(ctx.session, referral_id=referral_id, at=ctx.at)
        settled += result.transitions
        if result.completed_work_item_ids and result.youth_id is not None:
            youths.append(result.youth_id)
    reconciliation_service.flag_for_reconciliation(ctx.session, youth_ids=youths)
    return Batch({"referral_moves_settled": settled}, ids[-1] if ids else after_id,
                 len(ids) == limit)  # fmt: skip


def runaway_batch(ctx: SweepContext, *, after_id: int, limit: int) -> Batch:
    """Ask the coordinators to decide on runaways not back in time (services/incidents.py)."""
    created, last, more = incident_service.runaway_batch(
        ctx.session, at=ctx.at, today_of=ctx.today, after_id=after_id, limit=limit
    )
    return Batch({"runaway_decisions": created}, last, more)


def sms_reminder_batch(ctx: SweepContext, *, after_id: int, limit: int) -> Batch:
    """Text the youths who agreed a reminder of their follow-up appointments (services/sms.py)."""
    written, last, more = sms_service.follow_up_reminders(
        ctx.session, today_of=ctx.today, rules_of=ctx.rules_of, coarse_today=ctx.coarse_today(),
        after_id=after_id, limit=limit, at=ctx.at,
    )  # fmt: skip
    return Batch({"sms_reminders": written}, last, more)


def document_renewal_batch(ctx: SweepContext, *, after_id: int, limit: int) -> Batch:
    """Create the renewal items of a batch of documents about to expire (the first batch
    also clears upload parts a dead process left, older than an hour)."""
    if after_id == 0:
        document_storage.remove_parts()
    created, last, more = document_renewals.renewal_batch(
        ctx.session, coarse_today=ctx.coarse_today(), at=ctx.at, after_id=after_id,
        limit=limit, today_of=ctx.today,
    )  # fmt: skip
    return Batch({"document_renewals": created}, last, more)


# The phases of one sweep, in the order they run: both the in-process sweep and the
# Prefect flow iterate this list. Referral clocks before their moves are settled (an
# expiry is a move), both before the stage changes (a completed referral may meet work).
PHASES: dict[str, Phase] = {
    "missed_checkpoints": missed_batch,
    "referral_deadlines": referral_deadline_batch,
    "referral_moves": referral_move_batch,
    "stage_changes": due_batch,
    "reminders": reminder_batch,
    "escalations": escalation_batch,
    "runaways": runaway_batch,
    "sms_reminders": sms_reminder_batch,
    # Last: a renewal item created now is reminded by the next sweep, like any new item.
    "document_renewals": document_renewal_batch,
}


def run_batch(session: Session, phase: str, at: datetime, *, after_id: int, limit: int) -> Batch:
    """Run one batch of a phase at an instant (what a sweep task does)."""
    return PHASES[phase](SweepContext(session, at), after_id=after_id, limit=limit)


def pages(fetch: Callable[[int], Batch]) -> Iterator[Batch]:
    """Fetch a phase's batches from the first row on until one says there is no more."""
    after, more = 0, True
    while more:
        batch = fetch(after)
        yield batch
        after, more = batch.last, batch.more


def sweep(
    session: Session,
    as_of: datetime | None = None,
    *,
    batch_size: int | None = None,
    after_batch: Callable[[Session], None] | None = None,
    reconcile: Callable[[Session, int, datetime], bool] | None = None,
) -> SweepCounts:
    """Run one sweep at `as_of` in this process; the edge may commit in `after_batch`.

    `reconcile(session, youth_id, at) -> stage changed` brings a due youth up
    to date; by default in-process here (the Prefect sweep starts `pathway`
    runs instead).
    """
    at = as_of or now()
    size = batch_size or get_settings().sweep_batch_size
    counts = SweepCounts()

    def in_process(s: Session, youth_id: int, when: datetime) -> bool:
        return bool(reconciliation_service.reconcile_youth(s, youth_id, when).moves)

    reconcile = reconcile or in_process
    ctx = SweepContext(session, at)
    for phase in PHASES.values():
        for batch in pages(lambda after, p=phase: p(ctx, after_id=after, limit=size)):  # type: ignore[misc]
            counts.add(batch.counts)
            for due in batch.due:
                counts.youths_reconciled += 1
                if reconcile(session, due.youth_id, at):
                    counts.stage_changes += 1
                    counts.changed_youth_ids.append(due.youth_id)
            counts.batches += 1
            if after_batch is not None:
                after_batch(session)
    return counts
