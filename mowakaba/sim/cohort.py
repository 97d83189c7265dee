"""Replaying a cohort over time: registrations, people's actions, sweeps — day by event day.

The clock jumps from one instant at which something is due to the next (a
registration, a birthday, a due date, a reminder, an escalation, a checkpoint,
a person acting), never idling through empty days. How the sweep and the
reconciliation run is the caller's: in-process services (the demo's history) or
the real Prefect flows (`mowakaba simulate`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from mowakaba import clock
from mowakaba.db import session_scope
from mowakaba.enums import ExitDestination, Stage, WorkItemKind, WorkItemStatus
from mowakaba.errors import MowakabaError
from mowakaba.models import User, WorkItem, Youth
from mowakaba.rules import Rules
from mowakaba.schemas import ExtensionRequest, RecordExitPayload, YouthRegistration
from mowakaba.services import calendars as calendar_service
from mowakaba.services import completions as completion_service
from mowakaba.services import youths as youth_service
from mowakaba.settings import get_settings
from mowakaba.sim.behaviour import Behaviour

Sweep = Callable[[datetime], object]
Reconcile = Callable[[list[int], datetime], object]


class Sideline(Protocol):
    """More people acting on the replayed days (e.g. referrals): what they plan to do and
    when the sweep must chase them, and a day's acting (the youths it touched)."""

    def days(self) -> list[date]: ...

    def sweep_days(self, session: Session) -> list[date]: ...

    def step(self, day: date, at: datetime) -> set[int]: ...


def morning(day: date, hour: int = 9) -> datetime:
    """An instant on a day, local to the programme's time zone, as UTC."""
    tz = ZoneInfo(get_settings().default_time_zone)
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


@dataclass
class Registration:
    """A registration waiting for its day."""

    day: date
    data: YouthRegistration


@dataclass
class CohortReplay:
    """Drive a cohort from one event day to the next."""

    behaviour: Behaviour
    sweep: Sweep
    reconcile: Reconcile
    pending: list[Registration] = field(default_factory=list)
    sideline: Sideline | None = None
    steps: int = 0
    sweeps: int = 0
    actions: int = 0
    errors: list[str] = field(default_factory=list)
    # Days on which the sweep has something to do (reminders, escalations, misses,
    # stage triggers); on the other event days only people act.
    sweep_days: set[date] = field(default_factory=set)
    _cache: dict[int, _OpenItem] = field(default_factory=dict)
    # Whether `_cache` holds every open item read after the last people's actions.
    _read_since_act: bool = False

    def run(self, start: date, end: date, progress: Callable[[date], None] | None = None) -> None:
        """Step through every event day from start to end (inclusive)."""
        day: date | None = start
        while day is not None and day <= end:
            self.step(day)
            if progress is not None:
                progress(day)
            day = self.next_day(day)

    def step(self, day: date) -> None:
        """Register who arrives, sweep, let people act, reconcile whom they touched."""
        at = morning(day)
        with clock.frozen_at(at):
            touched = self._register(day, at)
            if day in self.sweep_days or not self.sweep_days:
                self.sweep(at)
                self.sweeps += 1
            touched |= self._act(day, morning(day, 11))
            if self.sideline is not None:
                touched |= self.sideline.step(day, morning(day, 14))
            if touched:
                self.reconcile(sorted(touched), morning(day, 11))
        self.steps += 1

    def _register(self, day: date, at: datetime) -> set[int]:
        arriving = [r for r in self.pending if r.day <= day]
        self.pending = [r for r in self.pending if r.day > day]
        touched = set()
        for registration in arriving:
            with session_scope() as session:
                youth, _ = youth_service.register_youth(session, data=registration.data, as_of=at)
                assert youth.id is not None
                self.behaviour.fate(
                    youth.id, date_of_birth=youth.date_of_birth, registered=youth.registered_date
                )
                touched.add(youth.id)
        return touched

    def _act(self, day: date, at: datetime) -> set[int]:
        touched: set[int] = set()
        with clock.frozen_at(at):
            touched |= self._life_events(day, at)
            to_do = self._items_to_do(day)
            self._read_since_act = False  # completions may move due dates
            # One transaction for the day's work, a savepoint per completion: a refused
            # completion is rolled back alone.
            with session_scope() as session:
                for item_id in to_do:
                    item = session.get(WorkItem, item_id)
                    if item is None or item.status != WorkItemStatus.open:
                        continue
                    actor = self._actor(session, item)
                    youth = session.get(Youth, item.youth_id)
                    assert youth is not None and youth.id is not None
                    fate = self.behaviour.fates.get(youth.id)
                    payload = self.behaviour.payload(
                        item, day, lost=bool(fate and fate.lost_after_exit)
                    )
                    try:
                        with session.begin_nested():
                            completion_service.complete_work_item(
                                session, work_item_id=item_id, actor=actor, payload=payload,
                                as_of=at,
                            )  # fmt: skip
                        self.actions += 1
                        touched.add(youth.id)
                    except MowakabaError as exc:
                        # A person's mistake is refused and tried again later (e.g. a plan
                        # before its assessment): like a real mediator, nothing breaks.
                        self.behaviour.planned[item_id] = day + timedelta(days=3)
                        self.errors.append(f"{exc.code}")
        return touched

    def _actor(self, session: Session, item: WorkItem) -> User:
        if item.assignee_id is not None:
            user = session.get(User, item.assignee_id)
            assert user is not None
            return user
        from mowakaba.services import users as user_service

        return user_service.coordinators_of(session, item.institution_id)[0]

    def _items_to_do(self, day: date) -> list[int]:
        """Open items whose person acts today (or should have), soonest due first."""
        # Since `next_day` read every open item, only registrations and the sweep ran: they
        # add items and close some (skipped in `_act`), but move no due date (completions
        # do). So the new items are enough, and a second full read per day is saved.
        rows = [
            row
            for row in self._open_rows(new_only=self._read_since_act)
            if row.planned is not None and row.planned <= day
        ]
        rows.sort(key=lambda row: (row.due_date, row.id))
        return [row.id for row in rows if not self._waits_for_exit(row, day)]

    def _waits_for_exit(self, item: Any, day: date) -> bool:
        """ "Record exit" waits for the planned day (an extension may move it)."""
        return item.kind == WorkItemKind.record_exit and day < item.due_date

    def _load(self, session: Session) -> dict[int, int]:
        rows = session.exec(
            select(WorkItem.assignee_id, func.count())
            .where(WorkItem.status == WorkItemStatus.open)
            .group_by(col(WorkItem.assignee_id))
        ).all()
        return {assignee or 0: count for assignee, count in rows}

    def _life_events(self, day: date, at: datetime) -> set[int]:
        """Early exits and extension requests, as their fates say."""
        touched: set[int] = set()
        waiting = {
            youth_id: fate
            for youth_id, fate in self.behaviour.fates.items()
            if (fate.leaves_early and fate.leaves_early_on and fate.leaves_early_on <= day)
            or fate.extends_to_age
        }
        if not waiting:
            return touched
        # Who may act today, read in one query (a session per waiting youth and day was
        # ~12 % of a replay: an extension waits months for its window).
        with session_scope() as session:
            rows: list[Any] = session.exec(  # type: ignore[assignment]
                select(  # type: ignore[call-overload]
                    Youth.id, Youth.stage, Youth.planned_exit_date, Youth.exit_date,
                    Youth.mediator_id,
                ).where(col(Youth.id).in_(waiting))
            ).all()  # fmt: skip
        acting = {
            row.id
            for row in rows
            if row.exit_date is None
            and row.stage != Stage.closed
            and row.mediator_id is not None
            and (
                (waiting[row.id].leaves_early_on or date.max) <= day
                or (
                    row.stage == Stage.exit_preparation
                    and row.planned_exit_date is not None
                    and row.planned_exit_date - timedelta(days=45) <= day
                )
            )
        }
        for youth_id, fate in waiting.items():
            if youth_id not in acting:
                continue
            with session_scope() as session:
                youth = session.get(Youth, youth_id)
                if youth is None or youth.exit_date is not None or youth.stage == Stage.closed:
                    continue
                mediator = session.get(User, youth.mediator_id) if youth.mediator_id else None
                if mediator is None:
                    continue
                try:
                    if fate.leaves_early and fate.leaves_early_on and fate.leaves_early_on <= day:
                        youth_service.record_unplanned_exit(
                            session, youth_id=youth_id, actor=mediator, as_of=at,
                            payload=RecordExitPayload(
                                exit_date=day, kind=fate.leaves_early,
                                destination=ExitDestination.family
                                if fate.leaves_early.value == "return_to_family"
                                else ExitDestination.unknown,
                                reason="Left the institution.",
                            ),
                        )  # fmt: skip
                        fate.leaves_early = None
                        touched.add(youth_id)
                    elif (
                        fate.extends_to_age
                        and youth.stage == Stage.exit_preparation
                        and youth.planned_exit_date
                        and youth.planned_exit_date - timedelta(days=45) <= day
                    ):
                        born = youth.date_of_birth
                        until = date(born.year + fate.extends_to_age, born.month, min(born.day, 28))
                        youth_service.request_extension(
                            session, youth_id=youth_id, actor=mediator, as_of=at,
                            request=ExtensionRequest(until=until, reason="Finishing training."),
                        )  # fmt: skip
                        fate.extends_to_age = None
                        touched.add(youth_id)
                except MowakabaError as exc:
                    session.rollback()
                    fate.extends_to_age = None
                    self.errors.append(exc.code)
        return touched

    def _open_rows(
        self, session: Session | None = None, *, new_only: bool = False
    ) -> list[_OpenItem]:
        """The open items, with each one's sweep days and the day its person will act.

        Both are computed once per item and due date (a cohort has thousands of open
        items, and working-day sums are not free); an unchanged item is read as its id
        and signature only, the rest of its row once. `new_only`: read only the items
        created since the last read, and keep the others as they were.
        """
        query = select(  # type: ignore[call-overload]
            WorkItem.id, WorkItem.due_date, WorkItem.cycle, WorkItem.escalation_level
        ).where(WorkItem.status == WorkItemStatus.open)
        if new_only and self._cache:
            query = query.where(col(WorkItem.id) > max(self._cache))
        with session_scope() if session is None else nullcontext(session) as session:
            # (id, due date, cycle, escalation level) of each item, unpacked once.
            signatures = {
                item_id: (due_date, cycle, level)
                for item_id, due_date, cycle, level in session.exec(
                    query.order_by(col(WorkItem.id))
                )
            }
            cache, planned = self._cache, self.behaviour.planned
            changed = [
                item_id
                for item_id, signature in signatures.items()
                if (cached := cache.get(item_id)) is None or cached.signature != signature
            ]
            details: dict[int, Any] = {}
            if changed:
                full: list[Any] = session.exec(  # type: ignore[assignment]
                    select(  # type: ignore[call-overload]
                        WorkItem.id, WorkItem.kind, WorkItem.due_date, WorkItem.cycle,
                        WorkItem.escalation_level, WorkItem.institution_id, WorkItem.assignee_id,
                        WorkItem.assignee_pool, WorkItem.created_at,
                    ).where(col(WorkItem.id).in_(changed))
                ).all()  # fmt: skip
                details = {row.id: row for row in full}
            unplanned = any(item_id not in planned for item_id in changed)
            load = self._load(session) if unplanned else {}
            fresh: dict[int, _OpenItem] = {}
            for item_id, signature in signatures.items():
                cached = cache.get(item_id)
                if cached is None or cached.signature != signature:
                    row = details[item_id]
                    rules = self._rules(session, row.institution_id, row.due_date)
                    days = [d for _, d in rules.reminder_dates(row.due_date)]
                    if row.escalation_level < 2:
                        days += list(rules.escalation_dates(row.due_date))
                    if row.kind == WorkItemKind.follow_up_checkpoint:
                        days.append(row.due_date + timedelta(days=31))
                    cached = _OpenItem(
                        id=row.id, kind=row.kind, due_date=row.due_date, signature=signature,
                        sweep_days=days, planned=None,
                    )  # fmt: skip
                # Draw when a person will do it, so that day is never jumped over (an item
                # seen before was drawn then: only a new one needs its row and the load).
                if item_id in planned:
                    cached.planned = planned[item_id]
                else:
                    row = details[item_id]
                    cached.planned = self.behaviour.completion_day(
                        row, load=load.get(row.assignee_id or 0, 0)
                    )
                fresh[item_id] = cached
            if new_only:
                for cached in self._cache.values():
                    cached.planned = self.behaviour.planned.get(cached.id, cached.planned)
                self._cache.update(fresh)
            else:
                self._cache = fresh
                self._read_since_act = True
            return list(self._cache.values())

    def _rules(self, session: Session, institution_id: int, around: date) -> Rules:
        return calendar_service.rules_for(session, institution_id=institution_id, today=around)

    def next_day(self, after: date) -> date | None:
        """The next day on which anything can happen."""
        candidates: list[date] = [r.day for r in self.pending]
        sweeps: list[date] = []
        with session_scope() as session:
            trigger = session.exec(
                select(func.min(Youth.next_trigger_date)).where(Youth.stage != Stage.closed)
            ).one()
            rows = self._open_rows(session)
            if self.sideline is not None:
                sweeps += self.sideline.sweep_days(session)
                candidates += self.sideline.days()
        if trigger is not None:
            sweeps.append(trigger)
        for row in rows:
            sweeps += row.sweep_days
            if row.planned is not None:
                candidates.append(row.planned)
        for fate in self.behaviour.fates.values():
            if fate.leaves_early_on:
                candidates.append(fate.leaves_early_on)
        self.sweep_days = {d for d in sweeps if d > after}
        future = [d for d in candidates + sweeps if d > after]
        return min(future) if future else None


@dataclass
class _OpenItem:
    id: int
    kind: WorkItemKind
    due_date: date
    signature: tuple[date, int, int]
    sweep_days: list[date]
    planned: date | None
