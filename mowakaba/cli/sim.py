"""`mowakaba simulate` and `mowakaba bench`: cohorts replayed through the real flows, benchmarks.

The machinery (simulated people, the replay, the tables) is `mowakaba.sim`; this
module gives it the Prefect flows and a private Prefect server.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mowakaba.cli.common import fail, parse_date

if TYPE_CHECKING:
    from mowakaba.sim.simulation import Results


def simulate(
    youths: Annotated[int, typer.Option(min=1, max=5000, help="How many young people.")] = 200,
    years: Annotated[float, typer.Option(min=0.1, max=12, help="How long to replay.")] = 6,
    start: Annotated[
        str | None, typer.Option(help="First day (default: 1 Jan of this year).")
    ] = None,
    seed: Annotated[int, typer.Option(help="The same seed gives the same table.")] = 7,
    institutions: Annotated[int, typer.Option(min=1, max=200)] = 4,
    mediators: Annotated[int, typer.Option(min=1, max=2000)] = 8,
    home: Annotated[
        Path | None, typer.Option(help="Keep the data here (default: a temporary directory).")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the table as JSON.")
    ] = None,
) -> None:
    """Replay a cohort for years through the real sweep and pathway flows, and tabulate it."""
    import shutil
    import tempfile

    from mowakaba import clock
    from mowakaba import migrate as migrations
    from mowakaba.db import get_engine, reset_engine
    from mowakaba.settings import get_settings

    first_day = parse_date(start, "--start") or date(clock.now().year, 1, 1)
    last_day = first_day + timedelta(days=round(years * 365.25))
    data_dir = home or Path(tempfile.mkdtemp(prefix="mowakaba-simulate-"))
    if home is not None and (home / "mowakaba.db").exists():
        raise fail(f"--home {home}: a simulation needs a fresh data directory")
    os.environ["MOWAKABA_HOME"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    get_settings.cache_clear()
    reset_engine()
    migrations.upgrade(get_engine())
    try:
        with private_prefect_server(data_dir):
            results = run_simulation(
                youths=youths, first_day=first_day, last_day=last_day, seed=seed,
                institutions=institutions, mediators=mediators,
            )  # fmt: skip
    finally:
        if home is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    from mowakaba.sim.simulation import format_results

    typer.echo(format_results(results))
    if json_path is not None:
        json_path.write_text(json.dumps(results.as_dict(), indent=2, default=str))
        typer.echo(f"written to {json_path}")


@contextmanager
def private_prefect_server(data_dir: Path) -> Iterator[None]:
    """A Prefect server of this process's own, on a free loopback port, for the block's length.

    This process's Prefect settings point at it; it is stopped however the block ends.
    """
    from mowakaba.embedded import StartupFailed
    from mowakaba.embedded import private_prefect_server as private_server
    from mowakaba.settings import get_settings

    os.environ.update(get_settings().prefect_environment())
    # A private server on a loopback port for the run's length: no basic auth.
    os.environ.pop("PREFECT_API_AUTH_STRING", None)
    os.environ.pop("PREFECT_SERVER_API_AUTH_STRING", None)
    try:
        with private_server(data_dir) as api_url:
            os.environ["PREFECT_API_URL"] = api_url
            yield
    except StartupFailed as exc:
        raise fail(f"the Prefect server did not start: {exc}") from None


def run_simulation(
    *, youths: int, first_day: date, last_day: date, seed: int, institutions: int, mediators: int
) -> Results:
    """Register the cohort, replay it through the flows, return the results."""
    import random

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from sqlmodel import func, select

    from flows.launch import inline_runs, labels_of, run_pathway_inline
    from flows.sweep import sweep as sweep_flow
    from mowakaba.db import session_scope
    from mowakaba.enums import Stage
    from mowakaba.models import Youth
    from mowakaba.services import reconciliation as reconciliation_service
    from mowakaba.sim.behaviour import Behaviour
    from mowakaba.sim.cohort import CohortReplay
    from mowakaba.sim.partner_directory import seed_partners
    from mowakaba.sim.referring import Referrer
    from mowakaba.sim.simulation import collect_results, create_programme, draw_cohort

    rng = random.Random(seed)
    with session_scope() as session:
        mediator_ids = create_programme(
            session, institutions=institutions, mediators=mediators, password="simulated-only"
        )
        seed_partners(session, create_user=None, nationwide=True)
    referrer = Referrer(seed=seed)
    registrations = draw_cohort(rng, youths=youths, start=first_day, mediator_ids=mediator_ids)
    counts = {"sweep runs": 0, "pathway runs": 0}

    def sweep(at: datetime) -> None:
        result = sweep_flow(as_of=at.isoformat(), inline=True)
        counts["sweep runs"] += 1
        counts["pathway runs"] += result.get("pathway_runs", 0)

    def reconcile(youth_ids: list[int], at: datetime) -> None:
        for youth_id in youth_ids:
            with session_scope(write=False) as session:
                if not reconciliation_service.stage_change_due(session, youth_id, at):
                    continue  # every flow run must count: only stage changes get one
            labels = labels_of(youth_id)
            assert labels is not None
            run_pathway_inline(labels, as_of=at.isoformat())
            counts["pathway runs"] += 1

    replay = CohortReplay(
        Behaviour(seed=seed),
        sweep=sweep,
        reconcile=reconcile,
        pending=registrations,
        sideline=referrer,
    )
    started = time.monotonic()
    total_days = (last_day - first_day).days

    # One API client for the whole replay instead of one per flow run (~30 ms each).
    with (
        inline_runs(),
        Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=False
        ) as progress,
    ):
        task = progress.add_task("", total=total_days)

        def show(day: date) -> None:
            with session_scope() as session:
                stages = dict(
                    session.exec(select(Youth.stage, func.count()).group_by(Youth.stage)).all()
                )
            runs = counts["sweep runs"] + counts["pathway runs"]
            rate = runs / max(time.monotonic() - started, 0.001)
            progress.update(
                task,
                completed=(day - first_day).days,
                description=f"{day}  "
                + " ".join(f"{Stage(k).value[:4]}:{v}" for k, v in sorted(stages.items()))
                + f"  {rate:.1f} runs/s",
            )

        replay.run(first_day, last_day, progress=show)
    with session_scope() as session:
        results = collect_results(session, first_day=first_day, as_of=last_day)
    results.referrals["consent_refused"] = referrer.counts["consent_refused"]
    wall = time.monotonic() - started
    runs = counts["sweep runs"] + counts["pathway runs"]
    results.run = {
        "wall_seconds": round(wall, 1),
        "event_days": replay.steps,
        "sweep_runs": counts["sweep runs"],
        "pathway_runs": counts["pathway runs"],
        "flow_runs_per_second": round(runs / wall, 2) if wall else 0,
        "refused_actions": len(replay.errors),
    }
    return results


bench_app = typer.Typer(help="Benchmarks of speed and memory targets.", no_args_is_help=True)


@bench_app.command("sweep")
def bench_sweep(
    youths: Annotated[
        list[int] | None, typer.Option("--youths", help="Cohort sizes to compare.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1)] = 200,
    max_growth: Annotated[
        float, typer.Option(help="Allowed peak-memory growth, as a ratio.")
    ] = 1.5,
) -> None:
    """Memory stays flat however many rows: one sweep over N and 4N youths, peak compared."""
    from mowakaba.sim.bench import sweep_once

    sizes = sorted(youths or [250, 1000])
    figures = []
    for size in sizes:
        figure = sweep_once(size, batch_size=batch_size)
        figures.append(figure)
        typer.echo(
            f"sweep over {figure.youths:>6} youths: {figure.rows_written:>6} notifications in "
            f"{figure.seconds:6.2f} s ({figure.rows_written / figure.seconds:,.0f}/s), "
            f"peak Python memory {figure.peak_mib:6.2f} MiB"
        )
    growth = figures[-1].peak_mib / figures[0].peak_mib
    verdict = "flat" if growth <= max_growth else "GROWS"
    typer.echo(f"peak memory x{growth:.2f} for x{sizes[-1] / sizes[0]:.0f} rows: {verdict}")
    if growth > max_growth:
        raise typer.Exit(code=1)


def report(figures: list) -> None:  # type: ignore[type-arg]
    """Print benchmark figures beside their targets; exit 1 if one is missed."""
    for figure in figures:
        typer.echo(figure.line())
    if not all(figure.met for figure in figures):
        raise typer.Exit(code=1)


@bench_app.command("startup")
def bench_startup(
    runs: Annotated[int, typer.Option(min=1, max=50, help="Runs of each command.")] = 7,
) -> None:
    """How long a person waits for a command: `--help` and `work list`, whole process."""
    from rich.console import Console

    from mowakaba.sim.timing import command_start

    with Console(stderr=True).status("") as status:
        figures = command_start(runs, progress=status.update)
    report(figures)


@bench_app.command("demo")
def bench_demo(
    youths: Annotated[int, typer.Option(min=1, max=2000)] = 60,
    warm_runs: Annotated[int, typer.Option(min=1, max=10)] = 2,
) -> None:
    """How long `mowakaba demo` takes to be ready: on a fresh data directory, then again."""
    from rich.console import Console

    from mowakaba.sim.timing import demo_start

    with Console(stderr=True).status("") as status:
        figures = demo_start(youths=youths, warm_runs=warm_runs, progress=status.update)
    report(figures)


@bench_app.command("indicators")
def bench_indicators(
    youths: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many youths.")] = 100_000,
    runs: Annotated[int, typer.Option(min=1, max=10, help="Runs of each indicator.")] = 3,
) -> None:
    """Every indicator over N youths (bulk-written), each beside its 1 s target."""
    from rich.console import Console

    from mowakaba.sim.bench_indicators import time_indicators

    with Console(stderr=True).status("") as status:
        figures = time_indicators(youths, runs=runs, progress=status.update)
    report(figures)


@contextmanager
def database_at(url: str | None) -> Iterator[None]:
    """Point this process at `url` (None: leave DATABASE_URL as it is) for the block."""
    from mowakaba.db import reset_engine
    from mowakaba.settings import get_settings

    saved = os.environ.get("DATABASE_URL")
    if url is not None:
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        reset_engine()
    try:
        yield
    finally:
        if url is not None:
            if saved is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = saved
            get_settings.cache_clear()
            reset_engine()


@bench_app.command("seed")
def bench_seed(
    youths: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many youths.")] = 100_000,
    seed: Annotated[int, typer.Option(help="The same seed gives the same data set.")] = 1,
    database_url: Annotated[
        str | None, typer.Option(help="Where to write (default: DATABASE_URL, or the data dir).")
    ] = None,
) -> None:
    """Write the national data set (bulk, no pathway runs) into an empty database."""
    from rich.console import Console
    from sqlmodel import func, select

    from mowakaba import migrate as migrations
    from mowakaba.db import get_engine, session_scope
    from mowakaba.models import Youth
    from mowakaba.sim.national import seed_national

    with database_at(database_url):
        migrations.upgrade(get_engine())
        with session_scope(write=False) as session:
            if session.exec(select(func.count()).select_from(Youth)).one():
                raise fail("the database holds youths already: seed an empty one")
        with Console(stderr=True).status("") as status:
            summary = seed_national(youths, seed=seed, progress=status.update)
    for line in summary.lines():
        typer.echo(line)


@bench_app.command("api")
def bench_api(
    rate: Annotated[
        float, typer.Option(min=1, max=1000, help="Requests/s of the mix (the baseline's too).")
    ] = 100,
    seconds: Annotated[int, typer.Option(min=5, max=3600, help="How long to load.")] = 60,
    youths: Annotated[int, typer.Option(min=10, max=1_000_000, help="How many youths.")] = 10_000,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="An empty database to seed and use (kept); default: a throw-away PostgreSQL "
            "database on 127.0.0.1:5432, created and dropped."
        ),
    ] = None,
    sqlite: Annotated[bool, typer.Option(help="A throw-away SQLite file instead.")] = False,
    with_prefect: Annotated[
        bool,
        typer.Option(
            "--prefect/--no-prefect",
            help="A Prefect server the completions start runs on and the youth file reads "
            "runs from (as in production); --no-prefect: none answers (the fallback path).",
        ),
    ] = True,
) -> None:
    """The web app at a fixed rate (Locust): a mediator's day and a coordinator's dashboard,
    beside a baseline that authenticates and does one indexed SELECT (`GET /api/v1/me`)."""
    from rich.console import Console

    from mowakaba.settings import get_settings
    from mowakaba.sim.bench_load import bench_api as run

    @contextmanager
    def prefect() -> Iterator[str]:
        """A private Prefect server with the deployments registered (nothing serves them:
        a completion's pathway run is created, as in production, and waits)."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from flows.serve import build_deployments

        with private_prefect_server(get_settings().home):
            api_url = os.environ["PREFECT_API_URL"]
            # Prefect read its settings when first imported (before this server existed).
            with temporary_settings(updates={PREFECT_API_URL: api_url}):
                for deployment in build_deployments():
                    deployment.apply()
            yield api_url

    with Console(stderr=True).status("") as status:
        result = run(
            rate=rate, seconds=seconds, youths=youths, database_url=database_url,
            sqlite=sqlite, prefect=prefect if with_prefect else None, progress=status.update,
        )  # fmt: skip
    for line in result.lines():
        typer.echo(line)
    if not result.met:
        raise typer.Exit(code=1)


@bench_app.command("up")
def bench_up(
    database: Annotated[
        str, typer.Option(help="sqlite, or postgresql (the app's and Prefect's, throw-away).")
    ] = "sqlite",
    warm_runs: Annotated[int, typer.Option(min=1, max=10)] = 2,
    server_url: Annotated[
        str, typer.Option(help="The PostgreSQL server the throw-away databases are made on.")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
) -> None:
    """How long `mowakaba up` takes until the web app and the Prefect UI answer: on a fresh
    data directory (cold), then again on it (warm)."""
    from rich.console import Console

    from mowakaba.sim.bench_startup import up_start

    if database not in ("sqlite", "postgresql"):
        raise fail("--database: sqlite or postgresql")
    with Console(stderr=True).status("") as status:
        figures = up_start(
            database=database, warm_runs=warm_runs, server_url=server_url,
            progress=status.update,
        )  # fmt: skip
    report(figures)
