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
from datetime import timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from mowakaba.db import get_engine, session_scope
from mowakaba.enums import Role
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
from mowakaba.services import calendars as calendar_service
from mowakaba.services import institutions as institution_service
from mowakaba.services import users as user_service
from mowakaba.sim.national_history import AS_OF as AS_OF
from mowakaba.sim.national_history import History, Home, NationalSummary, at_nine, weighted
from mowakaba.sim.partner_directory import seed_partners

# One password for every account of the set, hashed once (Argon2 costs ~0.15 s a hash).
NATIONAL_PASSWORD = "national-bench-2026"
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
ORDER: tuple[Any, ...] = (
    User, UserInstitution, Youth, Plan, WorkItem, Escalation, FollowUp, ExitExtension,
    Referral, PathwayEvent, ReferralTransition, Notification,
)  # fmt: skip


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
        regions = [weighted(rng, tuple(zip(REGIONS, REGION_WEIGHTS, strict=True)))
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
        # Their calendars around AS_OF, as a running system holds them (a sweep reads them).
        for institution_id, _ in institution_ids:
            calendar_service.local_day(
                session, institution_id=institution_id, at=at_nine(AS_OF)
            ).rules()
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
        # The ministry's national supervisor: every institution (a supervisor of no region).
        user("sup.national", Role.supervisor, None, display_name="National supervisor")
        supervisors = {
            region: user(f"sup.r{n:02d}", Role.supervisor, None, region=region)
            for n, region in enumerate(sorted({r for _, r in institution_ids}), start=1)
        }
        homes: list[Home] = []
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
            homes.append(Home(home_id, region, coordinators, mediators, supervisors[region]))
        say(f"writing {youths:,} youths...")
        history = History(w, rng, services, summary)
        for n, index in enumerate(assigned, start=1):
            history.youth(n, homes[index])
            if n % 10_000 == 0:
                say(f"{n:,} of {youths:,} youths written...")
        w.finish()
    summary.rows = dict(w.counts)
    summary.seconds = time.perf_counter() - started
    return summary
