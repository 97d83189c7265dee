"""`mowakaba bench sweep --national`: our sweep over the national set beside a SQL baseline.

For each size, the national data set is written once into a template database; each
contender then runs in a child process of its own on a copy of it (`CREATE DATABASE …
TEMPLATE …`), so both start from the same rows and the memory measured is theirs:
- *ours*: the real `services.sweep.run_batch` over every phase, one session and commit
  per batch, as the `sweep` flow's tasks call it (without Prefect's own cost);
- *baseline*: hand-written, set-based SQL that selects the same due rows and writes the
  same rows (notifications, escalations, the escalated items' level, timeline lines).
Their writes are compared (count and a checksum of every written row) and dropped with
the copies. Peak memory is tracemalloc's (Python allocations) and the child's peak RSS.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from mowakaba import migrate
from mowakaba.clock import local_date
from mowakaba.db import get_engine, session_scope
from mowakaba.embedded.processes import _die_with_parent
from mowakaba.models import Institution
from mowakaba.services import calendars as calendar_service
from mowakaba.services import sweep as sweep_service
from mowakaba.settings import get_settings
from mowakaba.sim.cohort import morning
from mowakaba.sim.national import AS_OF, seed_national

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RATIO_TARGET = 3.0
SECONDS_TARGET = 60.0
MEMORY_GROWTH_TARGET = 1.5


@dataclass
class Run:
    """What one contender did on its copy of the data set."""

    seconds: float
    peak_mib: float  # tracemalloc: Python's own allocations
    rss_mib: float  # the child process's peak resident set
    rows: dict[str, int]
    checksum: str


def sweep_instant() -> datetime:
    """The benchmark's instant: 07:00 local on AS_OF, when the daily sweep runs."""
    return morning(AS_OF, 7)


# -- the two contenders (each runs in a child process: `python -m mowakaba.sim.bench_national`)


def run_ours(at: datetime, *, batch_size: int | None = None) -> None:
    """Sweep every phase, batch by batch, each batch in its own committed session."""
    size = batch_size or get_settings().sweep_batch_size
    for phase in sweep_service.PHASES:

        def fetch(after: int, phase: str = phase) -> sweep_service.Batch:
            with session_scope() as session:
                return sweep_service.run_batch(session, phase, at, after_id=after, limit=size)

        for batch in sweep_service.pages(fetch):
            if batch.due:
                raise RuntimeError(f"stage changes due in the benchmark set: {batch.due[:3]}")


def run_baseline(at: datetime) -> None:
    """The same reminders and escalations, in set-based SQL (one transaction)."""
    settings = get_settings()
    timings = settings.timings
    engine = get_engine()
    with Session(engine) as session:
        institutions = list(session.exec(select(Institution)))
        # The calendar-dependent bits, computed once per institution: which escalation
        # level each recent due date has reached today (older ones: level 2).
        levels: list[dict[str, Any]] = []
        days: dict[int, date] = {}
        window = 60
        for institution in institutions:
            day = calendar_service.local_day(session, institution_id=institution.pk, at=at)
            rules = day.rules()
            days[institution.pk] = day.today
            for back in range(window + 1):
                due = day.today - timedelta(days=back)
                level = rules.escalation_level_due(due, day.today, pooled=False)
                if level:
                    levels.append({"i": institution.pk, "d": due, "l": level})
    today = local_date(at, settings.default_time_zone)
    if len(set(days.values())) != 1:
        raise RuntimeError("the baseline assumes one local day for every institution")
    reminders = [
        {"d": today + timedelta(days=ahead), "n": n, "r": today + timedelta(days=ahead - n)}
        for ahead in range(max(timings.reminder_days_before) + 1)
        for n in timings.reminder_days_before
        if ahead - n <= 0
    ]
    sql = _BaselineSql(engine.dialect.name)
    params = {
        "today": today, "now": sql.instant(datetime.now(tz=UTC)), "url": settings.public_url,
        "oldest": today - timedelta(days=window), "w1": timings.escalation_working_days[0],
        "w2": timings.escalation_working_days[1],
    }  # fmt: skip
    with engine.begin() as connection:
        sql.temporary(connection, "due_reminder", "d DATE, n INTEGER, r DATE", reminders)
        sql.temporary(connection, "level_due", "i INTEGER, d DATE, l INTEGER", levels)
        for statement in sql.statements():
            connection.execute(sa.text(statement), params)


class _BaselineSql:
    """The baseline's statements, in the dialect's words for JSON and dates."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def temporary(
        self, connection: sa.Connection, name: str, columns: str, rows: list[dict[str, Any]]
    ) -> None:
        connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({columns})")
        if rows:
            names = [c.split()[0] for c in columns.split(", ")]
            values = ", ".join(f":{n}" for n in names)
            connection.execute(sa.text(f"INSERT INTO {name} VALUES ({values})"), rows)

    def obj(self, *pairs: str) -> str:
        return ("json_build_object(" if self.pg else "json_object(") + ", ".join(pairs) + ")"

    def day(self, column: str) -> str:
        # The local day a UTC instant falls on (the national set's zone is the default's).
        if self.pg:
            return f"CAST(({column} AT TIME ZONE '{get_settings().default_time_zone}') AS DATE)"
        return f"date({column})"

    def days_between(self, later: str, earlier: str) -> str:
        if self.pg:
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def text(self, value: str) -> str:
        return f"CAST({value} AS TEXT)"

    def instant(self, value: datetime) -> datetime | str:
        # SQLite keeps UTC instants as naive text, the way UTCDateTime writes them.
        return value if self.pg else value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def statements(self) -> list[str]:
        recipients = """
            SELECT ui.institution_id AS institution_id, 1 AS level, u.id AS user_id
              FROM user_institution ui JOIN user_account u ON u.id = ui.user_id
             WHERE u.role = 'coordinator' AND u.is_active
            UNION ALL
            SELECT i.id, 2, u.id FROM institution i
              JOIN user_account u ON u.role = 'supervisor' AND u.region = i.region AND u.is_active
            UNION ALL
            SELECT i.id, 2, u.id FROM institution i JOIN user_account u
                ON u.role = 'admin' AND u.is_active
             WHERE NOT EXISTS (SELECT 1 FROM user_account s WHERE s.role = 'supervisor'
                               AND s.region = i.region AND s.is_active)"""
        json_ids = (
            "(SELECT json_agg(r.user_id ORDER BY r.user_id) FROM recipient r "
            "WHERE r.institution_id = wi.institution_id AND r.level = e.level)"
            if self.pg
            else "(SELECT json_group_array(user_id) FROM (SELECT r.user_id FROM recipient r "
            "WHERE r.institution_id = wi.institution_id AND r.level = e.level "
            "ORDER BY r.user_id))"
        )
        reminder_context = self.obj(
            "'work_item_kind'", "wi.kind", "'youth_code'", "y.code",
            "'due_date'", self.text("wi.due_date"),
            "'days_before'", self.days_between("wi.due_date", ":today"),
            "'link'", f":url || '/work/' || {self.text('wi.id')}",
        )  # fmt: skip
        escalation_context = self.obj(
            "'level'", "e.level", "'work_item_kind'", "wi.kind", "'youth_code'", "y.code",
            "'due_date'", self.text("wi.due_date"), "'assignee'", "a.display_name",
            "'institution'", "i.name", "'region'", "i.region",
            "'working_days'", "CASE e.level WHEN 1 THEN :w1 ELSE :w2 END",
            "'link'", f":url || '/work/' || {self.text('wi.id')}",
        )  # fmt: skip
        new = "ON CONFLICT (idempotency_key) DO NOTHING"
        return [
            f"CREATE TEMPORARY TABLE recipient AS {recipients}",
            # Reminders: the most recent reminder day come (and the item existed then).
            f"""CREATE TEMPORARY TABLE reminder AS
                SELECT wi.id AS work_item_id, MIN(dr.n) AS n
                  FROM work_item wi JOIN due_reminder dr ON dr.d = wi.due_date
                 WHERE wi.status = 'open' AND dr.r >= {self.day("wi.created_at")}
                 GROUP BY wi.id""",
            f"""INSERT INTO notification (idempotency_key, recipient_id, kind, youth_id,
                    work_item_id, context, created_at, email_status, next_attempt_at, attempts)
                SELECT 'reminder:' || {self.text("wi.id")} || ':' || {self.text("wi.cycle")}
                       || '\\:D-' || {self.text("rm.n")} || ':' || {self.text("u.id")},
                       u.id, 'reminder', wi.youth_id, wi.id, {reminder_context}, :now,
                       CASE WHEN u.email IS NOT NULL THEN 'pending' END,
                       CASE WHEN u.email IS NOT NULL THEN :now END, 0
                  FROM reminder rm JOIN work_item wi ON wi.id = rm.work_item_id
                  JOIN youth y ON y.id = wi.youth_id
                  JOIN user_account u ON u.is_active AND (u.id = wi.assignee_id OR (
                       wi.assignee_id IS NULL AND u.id IN (SELECT r.user_id FROM recipient r
                       WHERE r.level = 1 AND r.institution_id = wi.institution_id)))
                 WHERE true {new}""",
            # Escalations: every level due and not raised yet (the pool's items start at 2).
            """CREATE TEMPORARY TABLE escalate AS
                SELECT wi.id AS work_item_id, lv.level AS level
                  FROM work_item wi
                  JOIN (SELECT 1 AS level UNION ALL SELECT 2) lv ON lv.level > wi.escalation_level
                  LEFT JOIN level_due ld ON ld.i = wi.institution_id AND ld.d = wi.due_date
                 WHERE wi.status = 'open' AND wi.escalation_level < 2
                   AND wi.due_date <= :today
                   AND lv.level <= CASE WHEN wi.due_date < :oldest THEN 2
                                        ELSE COALESCE(ld.l, 0) END
                   AND (wi.assignee_pool IS NULL OR lv.level = 2)
                   AND NOT EXISTS (SELECT 1 FROM escalation x WHERE x.work_item_id = wi.id
                       AND x.cycle = wi.cycle AND x.level = lv.level AND x.reason = 'overdue')""",
            f"""INSERT INTO escalation (work_item_id, cycle, level, reason, raised_at,
                    recipient_ids)
                SELECT wi.id, wi.cycle, e.level, 'overdue', :now, {json_ids}
                  FROM escalate e JOIN work_item wi ON wi.id = e.work_item_id""",
            f"""INSERT INTO notification (idempotency_key, recipient_id, kind, youth_id,
                    work_item_id, context, created_at, email_status, next_attempt_at, attempts)
                SELECT 'escalation:' || {self.text("wi.id")} || ':' || {self.text("wi.cycle")}
                       || '\\:L' || {self.text("e.level")} || ':' || {self.text("u.id")},
                       u.id, 'escalation', wi.youth_id, wi.id, {escalation_context}, :now,
                       CASE WHEN u.email IS NOT NULL THEN 'pending' END,
                       CASE WHEN u.email IS NOT NULL THEN :now END, 0
                  FROM escalate e JOIN work_item wi ON wi.id = e.work_item_id
                  JOIN youth y ON y.id = wi.youth_id
                  JOIN institution i ON i.id = wi.institution_id
                  LEFT JOIN user_account a ON a.id = wi.assignee_id
                  JOIN recipient r ON r.institution_id = wi.institution_id AND r.level = e.level
                  JOIN user_account u ON u.id = r.user_id
                 WHERE true {new}""",
            f"""INSERT INTO pathway_event (youth_id, kind, stage, event_date, occurred_at,
                    work_item_id, data)
                SELECT wi.youth_id, 'escalation_raised', y.stage, :today, :now, wi.id,
                       {self.obj("'level'", "e.level", "'cycle'", "wi.cycle")}
                  FROM escalate e JOIN work_item wi ON wi.id = e.work_item_id
                  JOIN youth y ON y.id = wi.youth_id""",
            """UPDATE work_item SET escalation_level = (
                    SELECT MAX(e.level) FROM escalate e WHERE e.work_item_id = work_item.id)
                WHERE id IN (SELECT work_item_id FROM escalate)""",
        ]


# -- what each wrote


def marks(connection: sa.Connection) -> dict[str, int]:
    """The highest id of each table a sweep writes to: rows above it are new."""
    return {
        table: connection.execute(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar()
        or 0
        for table in ("notification", "escalation", "pathway_event")
    }


def written(connection: sa.Connection, since: dict[str, int]) -> tuple[dict[str, int], str]:
    """Count and checksum the rows written after `since` (and the items' escalation levels)."""
    queries = {
        "notification": "SELECT idempotency_key, recipient_id, kind, youth_id, work_item_id, "
        "context, email_status FROM notification WHERE id > :m",
        "escalation": "SELECT work_item_id, cycle, level, reason, recipient_ids "
        "FROM escalation WHERE id > :m",
        "pathway_event": "SELECT youth_id, kind, stage, event_date, work_item_id, data "
        "FROM pathway_event WHERE id > :m",
        "escalated_item": "SELECT id, escalation_level FROM work_item "
        "WHERE status = 'open' AND escalation_level > 0",
    }
    digest = hashlib.sha256()
    counts = {}
    for name, query in queries.items():
        rows = connection.execute(sa.text(query), {"m": since.get(name, 0)}).all()
        counts[name] = len(rows)
        # Sorted here: the rows' order must not depend on the database (or on their ids).
        for line in sorted(json.dumps([_plain(v) for v in row], default=str) for row in rows):
            digest.update(line.encode())
    return counts, digest.hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)  # JSON read back as text (SQLite, a raw query)
        except ValueError:
            return value
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value


def measure(contender: str, at: datetime) -> Run:
    """Run one contender here, on the configured database; count what it wrote."""
    with get_engine().connect() as connection:
        since = marks(connection)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    if contender == "ours":
        run_ours(at)
    else:
        run_baseline(at)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    del rss_before
    with get_engine().connect() as connection:
        rows, checksum = written(connection, since)
    return Run(seconds, peak / 2**20, rss / 1024, rows, checksum)


# -- the databases and the children


def _server(url: str) -> sa.Engine:
    return sa.create_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def database_url_of(url: str, name: str) -> str:
    return sa.make_url(url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def databases(server_url: str, prefix: str) -> Iterator[Callable[[str, str | None], str]]:
    """Create databases (empty, or copies of a template) for the block; drop them after."""
    server = _server(server_url)
    made: list[str] = []

    def create(name: str, template: str | None = None) -> str:
        full = f"{prefix}_{name}"
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{full}"')
            copy = f' TEMPLATE "{template}"' if template else ""
            made.append(full)
            connection.exec_driver_sql(f'CREATE DATABASE "{full}"{copy}')
        return full

    try:
        yield create
    finally:
        with server.connect() as connection:
            for name in reversed(made):
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@contextmanager
def pointed_at(url: str) -> Iterator[None]:
    """This process's database is `url` for the block."""
    from mowakaba.sim.bench import pointed_at as point

    with point(database_url=url):
        yield


def in_child(contender: str, url: str, at: datetime) -> Run:
    """Run a contender in a child process on `url` (its memory is its own)."""
    with tempfile.TemporaryDirectory(prefix="mowakaba-bench-") as home:
        env = {**os.environ, "DATABASE_URL": url, "MOWAKABA_HOME": home}
        done = subprocess.run(
            [sys.executable, "-m", "mowakaba.sim.bench_national", contender, at.isoformat()],
            env=env, capture_output=True, text=True, timeout=1800, check=False,
            preexec_fn=_die_with_parent(os.getpid()),  # no orphan if this process is killed
        )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{contender} failed:\n{done.stderr[-3000:]}")
    return Run(**json.loads(done.stdout.strip().splitlines()[-1]))


@dataclass
class SizeResult:
    youths: int
    seed_seconds: float
    rows: int
    ours: Run
    baseline: Run


def bench_size(
    youths: int, *, server_url: str, progress: Callable[[str], None] = lambda _: None
) -> SizeResult:
    """Seed a template at a size, then run ours and the baseline each on a copy of it."""
    at = sweep_instant()
    prefix = f"national_bench_{os.getpid()}_{youths}"
    with databases(server_url, prefix) as create:
        template = create("template", None)
        url = database_url_of(server_url, template)
        with pointed_at(url):
            migrate.upgrade(get_engine())
            progress(f"writing the national set, {youths:,} youths...")
            summary = seed_national(youths, progress=progress)
            with get_engine().connect() as connection:
                connection.execute(sa.text("ANALYZE"))
                connection.commit()
        runs = {}
        for contender in ("ours", "baseline"):
            progress(f"{youths:,} youths: {contender}...")
            copy = create(contender, template)
            runs[contender] = in_child(contender, database_url_of(server_url, copy), at)
    return SizeResult(
        youths, summary.seconds, sum(summary.rows.values()), runs["ours"], runs["baseline"]
    )


def main(argv: list[str]) -> None:
    """The child's entry point: `python -m mowakaba.sim.bench_national ours|baseline AT`."""
    contender, at = argv[0], datetime.fromisoformat(argv[1])
    run = measure(contender, at)
    print(json.dumps(asdict(run)))


if __name__ == "__main__":
    main(sys.argv[1:])
