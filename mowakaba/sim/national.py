"""The national data set: a country's care institutions, their staff and years of history.

`seed_national(youths)` writes, into the database `get_engine()` points at (SQLite or
PostgreSQL, migrated and empty), what a ministry's Mowakaba holds: the 97 care
institutions of the country spread over its 12 regions, a supervisor per region, the
institutions' coordinators and mediators (a caseload of ~25 each), the partners'
directory, and the youths with their history: work items (~10 each, done, late, open),
escalations, plans, referrals with their steps, exits, extensions, follow-up checkpoints,
the timeline and the notifications sent. Rows go in bulk (executemany in chunks through
SQLAlchemy core), no pathway run: 100,000 youths load in minutes.

The distributions follow ../shared/CONTEXT.md: most leavers past 19 (exits late,
extensions common), ~48 % no further than primary school, 22 % secondary or university,
56 % with a basic vocational qualification, 6 % specialised technicians.

On the benchmark date `AS_OF` about 5 % of the open work items are due or overdue with
their reminder or escalation not yet sent (`DUE_SHARE`): what one sweep finds to do. No
referral clock runs out, no checkpoint is missed and no stage change is due on that day,
so the sweep's work is its reminders and escalations (the SQL baseline's too).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from mowakaba.db import get_engine, session_scope
from mowakaba.enums import (
    ActivityOutcome,
    ChecklistItem,
    CheckpointStatus,
    EducationLevel,
    EventKind,
    ExitDestination,
    ExitKind,
    HousingOutcome,
    NotificationKind,
    ReferralStatus,
    Role,
    Sex,
    Stage,
    VocationalLevel,
    WorkItemKind,
)
from mowakaba.models import (
    Escalation,
    ExitExtension,
    FollowUp,
    Notification,
    PartnerService,
    PathwayEvent,
    Plan,
    Referral,
    ReferralTransition,
    User,
    UserInstitution,
    WorkItem,
    Youth,
)
from mowakaba.services import institutions as institution_service
from mowakaba.services import users as user_service
from mowakaba.sim.partner_directory import seed_partners

# One password for every account of the set, hashed once (Argon2 costs ~0.15 s a hash).
NATIONAL_PASSWORD = "national-bench-2026"
AS_OF = date(2026, 11, 30)  # the benchmark date (a Monday)
DUE_SHARE = 0.05  # open items whose reminder or escalation the sweep must send on AS_OF
INSTITUTIONS = 97  # the country's care institutions (CONTEXT.md: 25 of 97)
CASELOAD = 25
CHUNK = 5000
REGIONS = (
    "Tanger-Tetouan-Al Hoceima", "Oriental", "Fes-Meknes", "Rabat-Sale-Kenitra",
    "Beni Mellal-Khenifra", "Casablanca-Settat", "Marrakech-Safi", "Draa-Tafilalet",
    "Souss-Massa", "Guelmim-Oued Noun", "Laayoune-Sakia El Hamra", "Dakhla-Oued Ed-Dahab",
)  # fmt: skip
REGION_WEIGHTS = (10, 7, 12, 13, 6, 20, 13, 4, 8, 2, 2, 1)
CITIES = (
    "Tanger", "Oujda", "Fes", "Rabat", "Beni Mellal", "Casablanca", "Marrakech",
    "Errachidia", "Agadir", "Guelmim", "Laayoune", "Dakhla",
)  # fmt: skip
# CONTEXT.md: ~48 % no further than primary, 22 % secondary or university.
EDUCATION = (
    (EducationLevel.none, 8), (EducationLevel.primary, 40),
    (EducationLevel.lower_secondary, 30), (EducationLevel.secondary, 18),
    (EducationLevel.university, 4),
)  # fmt: skip
# CONTEXT.md: vocational training, 56 % basic qualification, 6 % specialised technician.
VOCATIONAL = (
    (VocationalLevel.none, 22), (VocationalLevel.basic, 56), (VocationalLevel.qualified, 10),
    (VocationalLevel.technician, 6), (VocationalLevel.specialised_technician, 6),
)  # fmt: skip
# Most leave after 18: 68 % of those about to leave are past 19.
EXIT_EXTRA_YEARS = ((0.0, 28), (1.0, 30), (1.5, 20), (2.0, 14), (3.0, 8))
EXIT_KINDS = ((ExitKind.planned, 85), (ExitKind.return_to_family, 8), (ExitKind.runaway, 4),
              (ExitKind.other, 3))  # fmt: skip
DESTINATIONS = (
    (ExitDestination.independent_housing, 25), (ExitDestination.transitional_housing, 30),
    (ExitDestination.family, 25), (ExitDestination.foster_or_kafala, 5),
    (ExitDestination.other_institution, 5), (ExitDestination.unknown, 10),
)  # fmt: skip
TERMINAL_REFERRALS = (
    ReferralStatus.completed, ReferralStatus.completed, ReferralStatus.not_completed,
    ReferralStatus.declined, ReferralStatus.expired, ReferralStatus.cancelled,
)  # fmt: skip
# Referenced tables first: the order chunks are written in.
ORDER: tuple[Any, ...] = (
    User, UserInstitution, Youth, Plan, WorkItem, Escalation, FollowUp, ExitExtension,
    Referral, PathwayEvent, ReferralTransition, Notification,
)  # fmt: skip


@dataclass
class NationalSummary:
    """What `seed_national` wrote: counts per table, the accounts (one password), the time."""

    youths: int
    institutions: int
    rows: dict[str, int] = field(default_factory=dict)
    # (username, role, institution id or None); all share NATIONAL_PASSWORD.
    accounts: list[tuple[str, str, int | None]] = field(default_factory=list)
    seconds: float = 0.0
    open_items: int = 0
    due_items: int = 0  # open items with a reminder or an escalation to send on AS_OF

    def lines(self) -> list[str]:
        """The summary as printable lines."""
        out = [
            f"national data set: {self.youths:,} youths in {self.institutions} institutions, "
            f"{sum(self.rows.values()):,} rows in {self.seconds:.1f} s "
            f"({sum(self.rows.values()) / max(self.seconds, 0.001):,.0f} rows/s)",
            f"open work items {self.open_items:,}, due or overdue on {AS_OF}: "
            f"{self.due_items:,} ({self.due_items / max(self.open_items, 1):.1%})",
        ]
        out += [f"  {table:<22} {count:>10,}" for table, count in sorted(self.rows.items())]
        return out


def at_nine(day: date) -> datetime:
    """09:00 UTC on a day (the same local day in Morocco)."""
    return datetime.combine(day, dtime(9), tzinfo=UTC)


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class BulkWriter:
    """Rows of each table, flushed to the database in chunks, ids given here."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.ids: dict[Any, int] = {}
        self.counts: dict[str, int] = {}
        for table in ORDER:
            if "id" in table.__table__.c:
                start = connection.execute(sa.select(sa.func.max(table.__table__.c.id))).scalar()
                self.ids[table] = start or 0

    def add(self, table: Any, **row: Any) -> int:
        """Queue a row; return its id."""
        row_id = 0
        if table in self.ids:
            row_id = self.ids[table] + 1
            self.ids[table] = row_id
            row.setdefault("id", row_id)
        batch = self.rows.setdefault(table, [])
        batch.append(row)
        if len(batch) >= CHUNK:
            self.flush()
        return row_id

    def flush(self) -> None:
        """Write every table's waiting rows, referenced tables first."""
        for each in ORDER:
            rows = self.rows.get(each)
            if rows:
                if self.connection.dialect.name == "postgresql":
                    self._copy(each.__table__, rows)
                else:
                    self.connection.execute(sa.insert(each.__table__), rows)
                name = each.__table__.name
                self.counts[name] = self.counts.get(name, 0) + len(rows)
                self.rows[each] = []

    def _copy(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        # COPY is ~5x faster than a multi-row INSERT on PostgreSQL; values go through the
        # columns' own conversions (JSON as text, UTC datetimes, encrypted text).
        names = list(dict.fromkeys(name for row in rows for name in row))
        dialect = self.connection.dialect
        convert: list[Callable[[Any], Any]] = []
        for name in names:
            kind = table.c[name].type
            if isinstance(kind, sa.JSON):
                convert.append(lambda v: None if v is None else json.dumps(v))
            elif (
                isinstance(kind, sa.types.TypeDecorator)
                and type(kind).process_bind_param is not sa.types.TypeDecorator.process_bind_param
            ):
                convert.append(partial(_bind, kind, dialect))
            else:
                convert.append(lambda v: v)
        raw: Any = self.connection.connection.dbapi_connection  # psycopg's, for its COPY
        columns = ", ".join(f'"{name}"' for name in names)
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([f(row.get(n)) for f, n in zip(convert, names, strict=True)])

    def finish(self) -> None:
        """Write the rest; on PostgreSQL move each id sequence past the ids given here."""
        self.flush()
        if self.connection.dialect.name == "postgresql":
            for table, last in self.ids.items():
                name = table.__table__.name
                self.connection.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), :last, true)"),
                    {"last": max(last, 1)},
                )


def _bind(kind: sa.types.TypeDecorator[Any], dialect: sa.Dialect, value: Any) -> Any:
    return None if value is None else kind.process_bind_param(value, dialect)


@dataclass
class _Home:
    id: int
    region: str
    coordinators: list[int]
    mediators: list[int]
    supervisor: int
    taken: int = 0

    def next_mediator(self) -> int:
        """Caseloads dealt round the institution's mediators (each holds ~CASELOAD)."""
        self.taken += 1
        return self.mediators[self.taken % len(self.mediators)]


def seed_national(
    youths: int, *, seed: int = 1, progress: Callable[[str], None] | None = None
) -> NationalSummary:
    """Write the national data set for `youths` youths into a migrated, empty database."""
    say = progress or (lambda _: None)
    rng = random.Random(seed)
    started = time.perf_counter()
    count = max(2, min(INSTITUTIONS, youths // 100))
    summary = NationalSummary(youths=youths, institutions=count)
    password_hash = user_service.hash_password(NATIONAL_PASSWORD)
    say(f"{count} institutions, partners...")
    with session_scope() as session:
        create_user = partial(
            user_service.create_user, password=NATIONAL_PASSWORD, password_hash=password_hash
        )
        regions = [_weighted(rng, tuple(zip(REGIONS, REGION_WEIGHTS, strict=True)))
                   for _ in range(count)]  # fmt: skip
        # Every region with an institution is named by one (the first ones go round them all).
        regions[: min(count, len(REGIONS))] = REGIONS[: min(count, len(REGIONS))]
        institution_ids = []
        for n, region in enumerate(regions, start=1):
            city = CITIES[REGIONS.index(region)]
            institution = institution_service.create_institution(
                session, name=f"EPS {city} {n:02d}", region=region
            )
            institution_ids.append((institution.pk, region))
        for username, role, _ in seed_partners(session, create_user=create_user, nationwide=True):
            summary.accounts.append((username, role, None))
        services = list(session.exec(select(PartnerService.partner_id, col(PartnerService.id))))
    weights = [rng.lognormvariate(0, 0.5) for _ in institution_ids]
    assigned = rng.choices(range(len(institution_ids)), weights=weights, k=youths)
    sizes = [assigned.count(i) for i in range(len(institution_ids))]
    now = at_nine(AS_OF - timedelta(days=1))
    with get_engine().begin() as connection:
        w = BulkWriter(connection)

        def user(username: str, role: Role, institution: int | None, **kw: Any) -> int:
            user_id = w.add(
                User, username=username, password_hash=password_hash, role=role.value,
                display_name=kw.pop("display_name", username), language="fr", is_active=True,
                credentials_version=1, must_change_password=False, created_at=now,
                updated_at=now, **kw,
            )  # fmt: skip
            if institution is not None:
                w.add(UserInstitution, user_id=user_id, institution_id=institution)
            summary.accounts.append((username, role.value, institution))
            return user_id

        user("national.admin", Role.admin, None, display_name="National admin")
        supervisors = {
            region: user(f"sup.r{n:02d}", Role.supervisor, None, region=region)
            for n, region in enumerate(sorted({r for _, r in institution_ids}), start=1)
        }
        homes = []
        for (home_id, region), size in zip(institution_ids, sizes, strict=True):
            coordinators = [
                user(
                    f"coord.{home_id}.{c}",
                    Role.coordinator,
                    home_id,
                    email=f"coord.{home_id}.{c}@example.ma",
                )  # fmt: skip
                for c in range(1 if size < 1500 else 2)
            ]
            mediators = [
                user(f"med.{home_id}.{m}", Role.mediator, home_id)
                for m in range(max(2, -(-size // CASELOAD)))
            ]
            homes.append(_Home(home_id, region, coordinators, mediators, supervisors[region]))
        say(f"writing {youths:,} youths...")
        history = _History(w, rng, services, summary)
        for n, index in enumerate(assigned, start=1):
            history.youth(n, homes[index])
            if n % 10_000 == 0:
                say(f"{n:,} of {youths:,} youths written...")
        w.finish()
    summary.rows = dict(w.counts)
    summary.seconds = time.perf_counter() - started
    return summary


class _History:
    """One youth's case file and history, drawn and queued on the writer."""

    def __init__(
        self,
        w: BulkWriter,
        rng: random.Random,
        services: list[tuple[int, int | None]],
        summary: NationalSummary,
    ) -> None:
        self.w, self.rng, self.services, self.summary = w, rng, services, summary

    def youth(self, n: int, home: _Home) -> None:
        w, rng = self.w, self.rng
        mediator = home.next_mediator()
        # Ages 14 to 24 on AS_OF: youths in care from 14, leavers followed for two years.
        born = AS_OF - timedelta(days=rng.randint(14 * 365, 24 * 365))
        admitted = born + timedelta(days=rng.randint(5 * 365, 14 * 365))
        registered = max(born + timedelta(days=14 * 365), admitted, date(2019, 1, 1))
        registered += timedelta(days=rng.randint(0, 120))
        registered = min(registered, AS_OF - timedelta(days=rng.randint(1, 60)))
        planned_exit = born + timedelta(days=18 * 365)
        extra = _weighted(rng, EXIT_EXTRA_YEARS)
        leaves = planned_exit + timedelta(days=round(extra * 365) + rng.randint(0, 120))
        if leaves <= registered + timedelta(days=200):
            leaves = registered + timedelta(days=rng.randint(200, 400))
        exit_date = leaves if leaves <= AS_OF else None
        self.stage, self.stage_date = self._stage(registered, exit_date)
        closed = self.stage == Stage.closed
        self.youth_id = w.add(
            Youth, code=f"N{n:07d}", first_name=f"Y{n}", last_name="N", first_name_ar="",
            last_name_ar="", search_name=f"y{n} n", date_of_birth=born,
            date_of_birth_presumed=rng.random() < 0.05,
            sex=(Sex.male if rng.random() < 0.56 else Sex.female).value,
            institution_id=home.id, admission_date=admitted, registered_date=registered,
            education_level=_weighted(rng, EDUCATION).value,
            vocational_level=_weighted(rng, VOCATIONAL).value, mediator_id=mediator,
            stage=self.stage.value, stage_entered_date=self.stage_date,
            planned_exit_date=planned_exit if exit_date is None else None,
            exit_date=exit_date,
            exit_kind=_weighted(rng, EXIT_KINDS).value if exit_date else None,
            exit_destination=_weighted(rng, DESTINATIONS).value if exit_date else None,
            closed_date=(exit_date + timedelta(days=731)) if closed and exit_date else None,
            closure_reason="follow_up_completed" if closed else None,
            not_in_touch=False, needs_reconciliation=False, language="ar",
            created_at=at_nine(registered), updated_at=at_nine(self.stage_date),
        )  # fmt: skip
        self.home, self.mediator = home, mediator
        self.event(EventKind.registered, registered, Stage.enrolled)
        self._in_care(registered, exit_date)
        if exit_date is not None:
            self._after_exit(exit_date, planned_exit)

    def _stage(self, registered: date, exit_date: date | None) -> tuple[Stage, date]:
        if exit_date is not None:
            if exit_date + timedelta(days=731) < AS_OF:
                return Stage.closed, exit_date + timedelta(days=731)
            return Stage.follow_up, exit_date
        days = (AS_OF - registered).days
        if days < 20:
            return Stage.intake, registered
        if days < 70:
            return Stage.planning, registered + timedelta(days=30)
        if self.rng.random() < 0.2:
            return Stage.exit_preparation, AS_OF - timedelta(days=self.rng.randint(1, 90))
        return Stage.active, registered + timedelta(days=70)

    def event(self, kind: EventKind, on: date, stage: Stage, **kw: Any) -> None:
        self.w.add(
            PathwayEvent, youth_id=self.youth_id, kind=kind.value, stage=stage.value,
            event_date=on, occurred_at=at_nine(on), actor_id=kw.pop("actor_id", None),
            work_item_id=kw.pop("work_item_id", None), data=kw,
        )  # fmt: skip

    def item(self, kind: WorkItemKind, due: date, subject: str = "", **kw: Any) -> int:
        """A work item: done (on time or late) if its day is past, else open."""
        w, rng = self.w, self.rng
        done = kw.pop("done", due < AS_OF)
        created = min(due - timedelta(days=30), AS_OF - timedelta(days=1))
        level, escalated = 0, []
        completed = None
        if done:
            # 72 % on time (the simulation's base rate), the rest late by up to 20 days.
            late = rng.random() > 0.72
            lateness = rng.choice((1, 2, 3, 5, 8, 16)) if late else -rng.randint(0, 5)
            completed = due + timedelta(days=lateness)
            completed = min(completed, AS_OF - timedelta(days=1))
            lateness = (completed - due).days
            escalated = [lvl for lvl, days in ((1, 4), (2, 14)) if lateness >= days]
        else:
            self.summary.open_items += 1
            draw = rng.random()
            # Checkpoints are kept out (a missed one is another phase's work): the others
            # make up for them.
            if kind != WorkItemKind.follow_up_checkpoint and draw < DUE_SHARE * 1.2:
                # Due today or soon (a reminder), or overdue (an escalation): the sweep's work.
                due = AS_OF + timedelta(days=rng.choice((7, 1, 0, 3, 5, -4, -6, -10, -15, -25)))
                created = AS_OF - timedelta(days=rng.randint(10, 40))
                self.summary.due_items += 1
            elif kind != WorkItemKind.follow_up_checkpoint and draw < DUE_SHARE * 1.2 + 0.03:
                # Long overdue and escalated to the supervisors already: nothing new to do.
                due = AS_OF - timedelta(days=rng.randint(20, 200))
                created = due - timedelta(days=30)
                escalated, level = [1, 2], 2
            else:
                due = max(due, AS_OF + timedelta(days=rng.randint(9, 30)))
        item_id = w.add(
            WorkItem, youth_id=self.youth_id, institution_id=self.home.id, kind=kind.value,
            subject=subject, assignee_id=self.mediator, assignee_pool=None, due_date=due,
            status="done" if done else "open", cycle=0, escalation_level=level or len(escalated),
            created_at=at_nine(created),
            completed_at=at_nine(completed) if completed else None,
            completed_by_id=self.mediator if completed else None,
            payload=kw.pop("payload", None),
        )  # fmt: skip
        # The reminders sent (D-7), and the escalations raised, with their notifications.
        if created <= due - timedelta(days=7) < AS_OF and rng.random() < 0.3:
            self._notify(NotificationKind.reminder, f"reminder:{item_id}:0:D-7", [self.mediator],
                         item_id, due - timedelta(days=7))  # fmt: skip
        for lvl in escalated:
            raised = due + timedelta(days=4 if lvl == 1 else 14)
            recipients = self.home.coordinators if lvl == 1 else [self.home.supervisor]
            w.add(
                Escalation, work_item_id=item_id, cycle=0, level=lvl, reason="overdue",
                raised_at=at_nine(raised), recipient_ids=recipients,
                acknowledged_at=at_nine(raised + timedelta(days=2)) if rng.random() < 0.7 else None,
                acknowledged_by_id=None,
            )  # fmt: skip
            self._notify(NotificationKind.escalation, f"escalation:{item_id}:0:L{lvl}",
                         recipients, item_id, raised)  # fmt: skip
            self.event(EventKind.escalation_raised, raised, self.stage, work_item_id=item_id,
                       level=lvl, cycle=0)  # fmt: skip
        return item_id

    def _notify(
        self, kind: NotificationKind, key: str, recipients: list[int], item_id: int, on: date
    ) -> None:
        for recipient in recipients:
            self.w.add(
                Notification, idempotency_key=f"{key}:{recipient}", recipient_id=recipient,
                kind=kind.value, youth_id=self.youth_id, work_item_id=item_id, context={},
                created_at=at_nine(on), read_at=at_nine(on) if self.rng.random() < 0.8 else None,
                email_status=None, attempts=0,
            )  # fmt: skip

    def _in_care(self, registered: date, exit_date: date | None) -> None:
        rng = self.rng
        end = min(exit_date or AS_OF, AS_OF)
        intake_due = registered + timedelta(days=30)
        self.item(WorkItemKind.intake_assessment, intake_due)
        if self.stage in (Stage.intake, Stage.enrolled):
            return
        self.event(EventKind.stage_entered, registered + timedelta(days=30), Stage.planning)
        self.item(WorkItemKind.integration_plan, registered + timedelta(days=60))
        if self.stage == Stage.planning:
            return
        self.item(WorkItemKind.plan_approval, registered + timedelta(days=70))
        plan_day = registered + timedelta(days=70)
        self.w.add(
            Plan, youth_id=self.youth_id, version=1, status="approved",
            submitted_at=at_nine(plan_day - timedelta(days=5)),
            submitted_by_id=self.mediator, decided_at=at_nine(plan_day),
            decided_by_id=self.home.coordinators[0],
        )  # fmt: skip
        self.event(EventKind.stage_entered, plan_day, Stage.active)
        # A milestone check every quarter and a plan review every half-year, to the end.
        for kind, every in ((WorkItemKind.milestone_check, 365), (WorkItemKind.plan_review, 365)):
            # Staggered: a milestone check half-way between two plan reviews.
            offset = every // 2 if kind == WorkItemKind.milestone_check else every
            number, due = 1, plan_day + timedelta(days=offset)
            while due < end:
                self.item(kind, due, f"{kind.value[0]}{number}")
                number, due = number + 1, due + timedelta(days=every)
            if exit_date is None:
                self.item(kind, due, f"{kind.value[0]}{number}")
        if rng.random() < 0.55:
            self._referral(registered + timedelta(days=rng.randint(80, 500)))
        if exit_date is None and self.stage == Stage.exit_preparation:
            self.item(WorkItemKind.exit_readiness_assessment, AS_OF + timedelta(days=30))

    def _after_exit(self, exit_date: date, planned_exit: date) -> None:
        rng = self.rng
        prep = exit_date - timedelta(days=90)
        self.event(EventKind.stage_entered, prep, Stage.exit_preparation)
        self.item(WorkItemKind.exit_readiness_assessment, prep + timedelta(days=30))
        for each in ChecklistItem:
            outcome = "done" if rng.random() < 0.85 else "not_done"
            self.item(WorkItemKind.exit_checklist_item, exit_date - timedelta(days=30),
                      each.value, payload={"outcome": outcome})  # fmt: skip
        if exit_date > planned_exit + timedelta(days=30):
            self.item(WorkItemKind.exit_extension_decision, planned_exit - timedelta(days=20))
            self.w.add(
                ExitExtension, youth_id=self.youth_id, number=1, requested_until=exit_date,
                reason=rng.choice(["Training", "Housing", "Health", "Schooling"]),
                requested_at=at_nine(planned_exit - timedelta(days=30)), status="approved",
            )  # fmt: skip
        self.item(WorkItemKind.record_exit, exit_date)
        self.event(EventKind.exit_recorded, exit_date, Stage.exited)
        self.event(EventKind.stage_entered, exit_date, Stage.follow_up)
        for months in (6, 12, 24):
            due = exit_date + timedelta(days=round(months * 30.44))
            if due >= AS_OF:
                # The next checkpoint, open (its follow-up row is written when it is met).
                self.item(WorkItemKind.follow_up_checkpoint, due, f"m{months}")
                break
            contacted = rng.random() < 0.75
            status = CheckpointStatus.contacted if contacted else CheckpointStatus.no_contact
            housing = _weighted(rng, tuple((h, 1) for h in HousingOutcome))
            activity = _weighted(rng, tuple((a, 1) for a in ActivityOutcome))
            item_id = self.item(WorkItemKind.follow_up_checkpoint, due, f"m{months}", done=True)
            self.w.add(
                FollowUp, youth_id=self.youth_id, work_item_id=item_id, months=months,
                due_date=due,
                status=status.value,
                recorded_at=at_nine(due), recorded_by_id=self.mediator,
                housing=housing.value if contacted else None,
                activity=activity.value if contacted else None,
                health_coverage=contacted and rng.random() < 0.7,
                id_documents=rng.random() < 0.8,
            )  # fmt: skip
        if self.stage == Stage.closed:
            self.event(EventKind.closed, exit_date + timedelta(days=731), Stage.closed)

    def _referral(self, sent: date) -> None:
        rng = self.rng
        if sent >= AS_OF - timedelta(days=1):
            return
        partner_id, service_id = rng.choice(self.services)
        if sent > AS_OF - timedelta(days=20):
            # Recent: sent, or accepted and in progress, no clock run out on AS_OF.
            status = rng.choice((ReferralStatus.sent, ReferralStatus.in_progress))
        else:
            status = rng.choice(TERMINAL_REFERRALS)
        answered = sent + timedelta(days=rng.randint(1, 6))
        steps = {
            ReferralStatus.sent: [ReferralStatus.sent],
            ReferralStatus.in_progress: [ReferralStatus.sent, ReferralStatus.accepted,
                                         ReferralStatus.in_progress],
            ReferralStatus.completed: [ReferralStatus.sent, ReferralStatus.accepted,
                                       ReferralStatus.in_progress, ReferralStatus.completed],
            ReferralStatus.not_completed: [ReferralStatus.sent, ReferralStatus.accepted,
                                           ReferralStatus.not_completed],
            ReferralStatus.declined: [ReferralStatus.sent, ReferralStatus.declined],
            ReferralStatus.expired: [ReferralStatus.sent, ReferralStatus.expired],
            ReferralStatus.cancelled: [ReferralStatus.sent, ReferralStatus.cancelled],
        }[status]  # fmt: skip
        answered_at = at_nine(answered) if len(steps) > 1 else None
        accepted = answered if ReferralStatus.accepted in steps else None
        referral_id = self.w.add(
            Referral, youth_id=self.youth_id, institution_id=self.home.id, partner_id=partner_id,
            service_id=service_id, status=status.value, need="Bench referral",
            shared_fields=[], shared={}, created_by_id=self.mediator,
            created_at=at_nine(sent), sent_at=at_nine(sent), sent_date=sent,
            response_due_date=(AS_OF + timedelta(days=10)) if status == ReferralStatus.sent
            else sent + timedelta(days=7),
            expiry_date=sent + timedelta(days=14), answered_at=answered_at,
            accepted_date=accepted,
            delivery_due_date=(AS_OF + timedelta(days=rng.randint(20, 90)))
            if status == ReferralStatus.in_progress else None,
            closed_at=at_nine(answered + timedelta(days=30))
            if status in TERMINAL_REFERRALS else None,
            updated_at=at_nine(answered),
        )  # fmt: skip
        source: ReferralStatus | None = ReferralStatus.draft
        for n, target in enumerate(steps):
            on = sent if n == 0 else min(answered + timedelta(days=10 * (n - 1)), AS_OF)
            self.w.add(
                ReferralTransition, referral_id=referral_id,
                source=source.value if source else None,
                target=target.value, at=at_nine(on), actor_id=self.mediator, on_behalf=False,
                settled_at=at_nine(on),
            )  # fmt: skip
            self.event(EventKind(f"referral_{target.value}"), on, self.stage,
                       referral_id=referral_id)  # fmt: skip
            source = target
