"""`mowakaba bench api`: the web app at a fixed rate, a mediator's day beside a baseline.

A real uvicorn of the app on a free loopback port, over a seeded database (a throw-away
PostgreSQL database by default); Locust, in a process of its own
(`mowakaba/sim/locustfile.py`), sends a fixed rate of a mediator's and a coordinator's
requests and, in the same run, the same rate to a baseline: `GET /api/v1/me`, which
authenticates the bearer token (the token's row by its unique hash, then the user by
primary key) and does one indexed SELECT (the user's institutions by primary key). Every
request kind's p50/p95/p99 and errors are printed beside the baseline's.

The accounts' tokens and the work items each simulated person completes are handed to
Locust in a JSON file (`MOWAKABA_LOAD_PLAN`): no sign-in (an Argon2 hash each) falls in
the measured minute, and no two simulated people complete the same item.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from mowakaba.embedded.ports import free_port
from mowakaba.settings import REPO_ROOT

P95_TARGET_MS, BASELINE_RATIO = 50.0, 2.0
DEFAULT_POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BASELINE = "baseline GET /api/v1/me"
# Of the mix's rate, the share of the coordinators (their dashboard page); the rest is the
# mediators' day (docs/benchmarks.md).
COORDINATOR_SHARE = 0.2
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
COMPLETABLE = ("exit_checklist_item", "plan_review", "intake_assessment")


@dataclass
class Accounts:
    """The seeded accounts a load run signs in as: user names, one password."""

    mediators: list[str]
    coordinators: list[str]
    password: str


@dataclass
class Kind:
    """One request kind's latencies (ms) and errors, from Locust's statistics."""

    name: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float

    def line(self) -> str:
        return (
            f"{self.name:<34} {self.requests:>7} req  {self.failures:>5} errors  "
            f"p50 {self.p50:5.0f} ms  p95 {self.p95:5.0f} ms  p99 {self.p99:5.0f} ms"
        )


@dataclass
class LoadResult:
    """Every request kind, the mix overall, the baseline; the verdict against the targets."""

    kinds: list[Kind]
    overall: Kind
    baseline: Kind
    rate: float
    seconds: float
    misses: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return not self.misses

    def lines(self) -> list[str]:
        lines = [kind.line() for kind in self.kinds]
        lines += [f"  error: {error}" for error in self.errors]
        lines += [self.overall.line(), self.baseline.line()]
        achieved = (self.overall.requests + self.baseline.requests) / self.seconds
        lines.append(
            f"achieved {achieved:.0f} requests/s (asked {2 * self.rate:g}: mix + baseline)"
        )
        limit = min(P95_TARGET_MS, BASELINE_RATIO * self.baseline.p95)
        lines.append(
            f"target: every kind p95 ≤ {P95_TARGET_MS:g} ms and ≤ {BASELINE_RATIO:g}× the "
            f"baseline's p95 ({self.baseline.p95:.0f} ms) = ≤ {limit:.0f} ms, no error: "
            + ("met" if self.met else "MISSED (" + "; ".join(self.misses) + ")")
        )
        return lines


def judge(kinds: list[Kind], overall: Kind, baseline: Kind) -> list[str]:
    """What misses the targets: a p95 over 50 ms or over twice the baseline's, an error."""
    misses = []
    for kind in [*kinds, overall]:
        if kind.p95 > P95_TARGET_MS:
            misses.append(f"{kind.name} p95 {kind.p95:.0f} > {P95_TARGET_MS:g} ms")
        if kind.p95 > BASELINE_RATIO * baseline.p95:
            misses.append(f"{kind.name} p95 {kind.p95:.0f} > {BASELINE_RATIO:g}× baseline")
        if kind.failures:
            misses.append(f"{kind.name}: {kind.failures} errors")
    if baseline.failures:
        misses.append(f"baseline: {baseline.failures} errors")
    if overall.requests == 0:
        misses.append("no request was made")
    return misses


# ---------------------------------------------------------------- the data set


def prepare_dataset(youths: int, progress: Callable[[str], None] = lambda _: None) -> Accounts:
    """Seed the database the settings name with the national data set; return its accounts."""
    from mowakaba.sim.national import NATIONAL_PASSWORD, seed_national

    summary = seed_national(youths, progress=progress)
    return Accounts(
        mediators=[name for name, role, _ in summary.accounts if role == "mediator"],
        coordinators=[name for name, role, _ in summary.accounts if role == "coordinator"],
        password=NATIONAL_PASSWORD,
    )


def payload_for(kind: str) -> dict[str, Any]:
    """What completes an item of this kind (mowakaba.schemas.PAYLOADS), as a client sends it."""
    from mowakaba.enums import Axis

    if kind == "exit_checklist_item":
        return {"outcome": "done", "note": "load test"}
    return {"axes": {axis.value: {"score": 3, "needs": ""} for axis in Axis}}


def make_plan(accounts: Accounts, *, mediator_users: int, coordinator_users: int) -> dict:  # type: ignore[type-arg]
    """Tokens for every simulated person, and each mediator-user's own items to complete."""
    from sqlmodel import col, select

    from mowakaba.db import session_scope
    from mowakaba.enums import WorkItemStatus
    from mowakaba.models import User, WorkItem
    from mowakaba.services import auth as auth_service

    def token(session, username: str) -> str:  # type: ignore[no-untyped-def]
        return auth_service.issue_token(
            session, username=username, password=accounts.password, client="bench"
        )[0]

    # Only the accounts the run signs in as (each sign-in checks an Argon2 hash), spread
    # over the institutions.
    mediator_names = accounts.mediators[:: max(1, len(accounts.mediators) // mediator_users)]
    mediator_names = mediator_names[:mediator_users]
    coordinator_names = accounts.coordinators[
        :: max(1, len(accounts.coordinators) // coordinator_users)
    ][:coordinator_users]
    with session_scope() as session:
        mediator_tokens = {name: token(session, name) for name in mediator_names}
        coordinator_tokens = [token(session, name) for name in coordinator_names]
        ids = {u.username: u.pk for u in session.exec(select(User))}
        items: dict[str, list[list[object]]] = {}
        for name in mediator_names:
            rows = session.exec(
                select(WorkItem.id, WorkItem.kind, WorkItem.youth_id)
                .where(WorkItem.assignee_id == ids[name])
                .where(WorkItem.status == WorkItemStatus.open)
                .where(col(WorkItem.kind).in_(COMPLETABLE))
                .order_by(col(WorkItem.due_date))
                .limit(400)
            ).all()
            items[name] = [[i, payload_for(str(getattr(k, "value", k))), y] for i, k, y in rows]
    mediators = []
    for n in range(mediator_users):
        name = mediator_names[n % len(mediator_names)]
        # Users sharing an account share its items out: every item is someone's alone.
        sharing = -(-mediator_users // len(mediator_names))
        mine = items[name][n // len(mediator_names) :: sharing]
        mediators.append({"token": mediator_tokens[name], "items": mine})
    coordinators = [
        {"token": coordinator_tokens[n % len(coordinator_tokens)]} for n in range(coordinator_users)
    ]
    return {"mediators": mediators, "coordinators": coordinators}


# ---------------------------------------------------------------- databases and processes


@contextmanager
def throwaway_postgres(server_url: str = DEFAULT_POSTGRES_SERVER) -> Iterator[str]:
    """A PostgreSQL database of the block's own on a server; dropped however the block ends."""
    server = sa.make_url(server_url)
    name = f"mowakaba_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@contextmanager
def using_database(database_url: str | None, home: Path) -> Iterator[None]:
    """This process's settings on a data directory and database (migrated) for the block."""
    from mowakaba import migrate
    from mowakaba.db import get_engine
    from mowakaba.sim.bench import pointed_at

    with pointed_at(str(home), database_url):
        migrate.upgrade(get_engine())
        yield


def stop(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """Stop a child started in a process group of its own, and wait for it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass


def child_env(home: Path, database_url: str | None) -> dict[str, str]:
    """A child's environment: this data directory and database; Prefect nowhere to be found
    (a completion then takes the documented path: saved, the youth left to the sweep)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MOWAKABA_"))}
    env.pop("DATABASE_URL", None)
    env.update({"MOWAKABA_HOME": str(home), "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1"})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextmanager
def web_app(env: dict[str, str], log: Path, timeout: float = 60) -> Iterator[str]:
    """uvicorn with the app on a free loopback port until the block ends; yields its URL."""
    port = free_port()
    argv = [
        sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        "--no-access-log",
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(
            argv, env=env, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not answers(f"{url}/api/v1/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the web app did not start:\n" + log.read_text()[-2000:])
            time.sleep(0.2)
        yield url
    finally:
        stop(process)


def answers(url: str) -> bool:
    """Tell whether a URL answers (any status but a server error)."""
    try:
        return httpx.get(url, timeout=2.0).status_code < 500
    except httpx.HTTPError:
        return False


def run_locust(
    url: str,
    *,
    plan: dict,
    rate: float,
    seconds: int,
    workdir: Path,
    env: dict[str, str],  # type: ignore[type-arg]
) -> Path:
    """Locust, headless, in a process of its own: `rate` requests/s of the mix and `rate`
    of the baseline for `seconds`; returns its statistics CSV."""
    plan_file = workdir / "plan.json"
    plan_file.write_text(json.dumps(plan))
    users = len(plan["mediators"]) + len(plan["coordinators"]) + int(plan["baseline_users"])
    argv = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", url,
        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--csv", str(workdir / "load"),
        "--json-file", str(workdir / "stats"),
        "--only-summary", "--reset-stats", "--stop-timeout", "5", "--loglevel", "WARNING",
    ]  # fmt: skip
    env = {**env, "MOWAKABA_LOAD_PLAN": str(plan_file)}
    with (workdir / "locust.log").open("w") as output:
        process = subprocess.Popen(
            argv, env=env, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        process.wait(timeout=seconds + 120)
    finally:
        stop(process)
    stats = workdir / "stats.json"
    if not stats.exists():
        raise RuntimeError(
            "Locust wrote no statistics:\n" + (workdir / "locust.log").read_text()[-2000:]
        )
    return stats


def percentile(times: dict[int, int], count: int, share: float) -> float:
    """The response time `share` of the requests finished within, from Locust's histogram
    (its own rule: locust.stats.calculate_response_time_percentile)."""
    within = int(count * share)
    done = 0
    for time_ms in sorted(times, reverse=True):
        done += times[time_ms]
        if count - done <= within:
            return float(time_ms)
    return 0.0


def kind_of(name: str, entries: list[dict[str, Any]]) -> Kind:
    """One kind's figures from Locust's entries (one, or the mix's several summed)."""
    times: dict[int, int] = {}
    for entry in entries:
        for time_ms, n in entry["response_times"].items():
            times[int(time_ms)] = times.get(int(time_ms), 0) + n
    count = sum(times.values())
    return Kind(
        name, sum(e["num_requests"] for e in entries), sum(e["num_failures"] for e in entries),
        *(percentile(times, count, q) for q in (0.5, 0.95, 0.99)),
    )  # fmt: skip


def read_stats(stats: Path) -> tuple[list[Kind], Kind, Kind]:
    """Each request kind of the mix, the mix overall, and the baseline, from the statistics
    Locust wrote when it stopped (`--json-file`: each kind's response-time histogram)."""
    entries = json.loads(stats.read_text())
    mix = sorted((e for e in entries if e["name"] != BASELINE), key=lambda e: e["name"])
    baseline = [e for e in entries if e["name"] == BASELINE]
    if not baseline:
        raise RuntimeError(f"no baseline request in {stats}")
    kinds = [kind_of(e["name"], [e]) for e in mix]
    return kinds, kind_of("overall (the mix)", mix), kind_of(BASELINE, baseline)


def server_errors(log: Path, most: int = 5) -> list[str]:
    """The web app's own account of its errors (the last lines naming one, each once)."""
    if not log.exists():
        return []
    lines = [ln.strip() for ln in log.read_text().splitlines() if "Error" in ln or "error" in ln]
    return [f"web app: {ln[:200]}" for ln in dict.fromkeys(reversed(lines))][:most]


def errors_of(workdir: Path, most: int = 8) -> list[str]:
    """The commonest errors Locust saw: kind, error, how often."""
    failures = workdir / "load_failures.csv"
    if not failures.exists():
        return []
    with failures.open() as rows:
        found = sorted(csv.DictReader(rows), key=lambda r: -int(r["Occurrences"]))
    return [f"{r['Name']}: {r['Error'][:160]} ×{r['Occurrences']}" for r in found[:most]]


def warm_up(url: str, plan: dict, rounds: int = 3) -> None:  # type: ignore[type-arg]
    """Ask every page and route of the mix once or more before the clock runs: a fresh app
    builds its routes and templates on first use, which a server that has run a while
    never pays again."""
    mediator = {"Authorization": f"Bearer {plan['mediators'][0]['token']}"}
    coordinator = {"Authorization": f"Bearer {plan['coordinators'][0]['token']}"}
    youth = next((y for m in plan["mediators"] for _, _, y in m["items"]), 1)
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(rounds):
            for path, headers in (
                ("/work", mediator), ("/api/v1/work-items?assignee=me&page_size=20", mediator),
                (f"/youths/{youth}", mediator), ("/dashboard", coordinator),
                ("/api/v1/me", mediator),
            ):  # fmt: skip
                token = headers["Authorization"].split()[1]
                client.get(path, headers=headers, cookies={"mowakaba_session": token})


def bench_api(
    *,
    rate: float,
    seconds: int,
    youths: int,
    database_url: str | None,
    sqlite: bool = False,
    server_url: str = DEFAULT_POSTGRES_SERVER,
    prefect: Callable[[], AbstractContextManager[str]] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> LoadResult:
    """Seed, serve, load at a fixed rate, read the figures; stop everything whatever happens.

    `prefect`, given, starts a Prefect server with the deployments registered (the command
    gives one: the core imports no flows) and yields its API URL: a completion then starts
    its youth's pathway run there, as in production. Without it, no Prefect answers: the
    completion is saved and the youth left to the sweep (the documented fallback).
    """
    from mowakaba.settings import get_settings

    workdir = Path(tempfile.mkdtemp(prefix="mowakaba-bench-api-"))
    try:
        with (
            _database(database_url, sqlite, server_url) as url,
            using_database(url, workdir / "home"),
            ExitStack() as stack,
        ):
            progress(f"seeding {youths:,} youths...")
            accounts = prepare_dataset(youths, progress)
            coordinator_users = max(1, round(rate * COORDINATOR_SHARE))
            mediator_users = max(1, round(rate) - coordinator_users)
            plan = make_plan(
                accounts, mediator_users=mediator_users, coordinator_users=coordinator_users
            )
            plan["baseline_users"] = max(1, round(rate))
            env = child_env(workdir / "home", url)
            env.update(get_settings().prefect_environment())
            if prefect is not None:
                progress("starting a Prefect server...")
                prefect_url = stack.enter_context(prefect())
            else:  # a closed loopback port: refused at once
                prefect_url = f"http://127.0.0.1:{free_port()}/api"
            env["PREFECT_API_URL"] = env["MOWAKABA_PREFECT_API_URL"] = prefect_url
            progress("starting the web app...")
            app_url = stack.enter_context(web_app(env, workdir / "web.log"))
            warm_up(app_url, plan)
            progress(f"{2 * rate:g} requests/s for {seconds} s (Locust)...")
            stats = run_locust(
                app_url, plan=plan, rate=rate, seconds=seconds, workdir=workdir, env=env
            )
        kinds, overall, baseline = read_stats(stats)
        misses = judge(kinds, overall, baseline)
        errors = errors_of(workdir)
        if errors:  # what the web app logged, to tell why
            errors += server_errors(workdir / "web.log")
        return LoadResult(kinds, overall, baseline, rate, seconds, misses, errors)
    finally:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def _database(database_url: str | None, sqlite: bool, server_url: str) -> Iterator[str | None]:
    if sqlite:
        yield None
    elif database_url:
        yield database_url
    else:
        with throwaway_postgres(server_url) as url:
            yield url
