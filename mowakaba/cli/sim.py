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
    national: Annotated[
        bool,
        typer.Option(
            "--national",
            help="On PostgreSQL: the national set at N and N/10 youths, beside a SQL baseline.",
        ),
    ] = False,
    database_url: Annotated[
        str | None,
        typer.Option(help="--national: the PostgreSQL server (databases made and dropped)."),
    ] = None,
) -> None:
    """Memory stays flat however many rows: one sweep over N and 4N youths, peak compared.

    `--national`: our sweep over the national data set beside a hand-written SQL
    baseline, on PostgreSQL (time, memory, the same rows written)."""
    if national:
        bench_sweep_national(youths or [100_000], database_url)
        return
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
    database: Annotated[
        str, typer.Option(help="sqlite (a fresh data directory) or postgresql (a fresh database).")
    ] = "sqlite",
    database_url: Annotated[
        str | None, typer.Option(help="postgresql: the server (the database is made and dropped).")
    ] = None,
    dashboard_requests: Annotated[
        int, typer.Option(min=0, max=1000, help="Dashboard requests through the app (0: none).")
    ] = 50,
) -> None:
    """Every indicator over N youths (bulk-written), each beside its 1 s target; the
    dashboard's p95 through the real app beside an authenticated baseline endpoint."""
    from rich.console import Console

    from mowakaba.sim import bench_national as bn
    from mowakaba.sim.bench_indicators import time_indicators

    if database not in ("sqlite", "postgresql"):
        raise fail("--database: sqlite or postgresql")
    with Console(stderr=True).status("") as status:
        if database == "sqlite":
            figures = time_indicators(
                youths, runs=runs, progress=status.update, dashboard_requests=dashboard_requests
            )
        else:
            server = database_url or os.environ.get("TEST_POSTGRES_URL") or bn.DEFAULT_SERVER
            with bn.databases(server, f"national_bench_{os.getpid()}") as create:
                url = bn.database_url_of(server, create("indicators", None))
                with bn.pointed_at(url):
                    figures = time_indicators(
                        youths, runs=runs, progress=status.update, fresh=False,
                        dashboard_requests=dashboard_requests,
                    )  # fmt: skip
    report(figures)


@bench_app.command("pathways")
def bench_pathways(
    youths: Annotated[int, typer.Option(min=10, max=100_000, help="Youths per drain.")] = 1000,
    batch: Annotated[int, typer.Option(min=1, max=500, help="Youths per batch run.")] = 50,
) -> None:
    """Pathway reconciliations queued in a work pool, drained by 1 and by 2 Prefect process
    workers (PostgreSQL, a Prefect server on it), beside an empty flow run's bare cost."""
    from mowakaba.cli import bench_pathways as bench

    figures = bench.bench_pathways(youths, batch, progress=lambda line: typer.echo(f"… {line}"))
    base, one, two = figures["base"], figures["one"], figures["two"]
    run_cost = base.seconds / base.runs
    per_youth = one.seconds / one.youths
    batch_run = one.seconds / one.runs
    typer.echo(f"baseline: {base.runs} empty flow runs, 1 worker: {base.seconds:.1f} s, "
               f"{run_cost:.2f} s a run ({1 / run_cost:.2f} runs/s)")  # fmt: skip
    typer.echo(f"1 worker:  {one.youths} youths in {one.runs} batch runs: {one.seconds:.1f} s, "
               f"{one.per_second:.1f} youths/s, {per_youth * 1000:.0f} ms a youth, "
               f"{batch_run:.2f} s a batch run")  # fmt: skip
    typer.echo(f"2 workers: {two.youths} youths in {two.runs} batch runs: {two.seconds:.1f} s, "
               f"{two.per_second:.1f} youths/s: speed-up x{two.per_second / one.per_second:.2f} "
               "(reported, not a target: 2 cores shared with the server and "
               "the database)")  # fmt: skip
    typer.echo(f"youths moved to intake: {figures['moved']} of {figures['total']}")
    ratio = per_youth / run_cost
    met = ratio <= 1 + bench.TARGET_OVERHEAD and figures["moved"] == figures["total"]
    verdict = "met" if met else "MISSED"
    typer.echo(f"a youth reconciled costs x{ratio:.2f} an empty flow run "
               f"(target ≤ x{1 + bench.TARGET_OVERHEAD:g}): {verdict}")  # fmt: skip
    typer.echo(f"a batch run of {batch} costs x{batch_run / run_cost:.2f} an empty run "
               f"(our work adds {100 * (batch_run / run_cost - 1):.0f} % to the run's bare cost, "
               f"for {batch} youths)")  # fmt: skip


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


def bench_sweep_national(youths: list[int], database_url: str | None) -> None:
    """`bench sweep --national`: print each figure beside its baseline and target."""
    from rich.console import Console

    from mowakaba.sim import bench_national as bn

    server = database_url or os.environ.get("TEST_POSTGRES_URL") or bn.DEFAULT_SERVER
    if not server.startswith("postgresql"):
        raise fail("--national runs on PostgreSQL: give --database-url postgresql+psycopg://…")
    sizes = sorted({max(1, youths[0] // 10), *youths}) if len(youths) == 1 else sorted(youths)
    results = []
    met = True
    with Console(stderr=True).status("") as status:
        for size in sizes:
            result = bn.bench_size(size, server_url=server, progress=status.update)
            results.append(result)
            ours, base = result.ours, result.baseline
            ratio = ours.seconds / max(base.seconds, 1e-6)
            same = ours.rows == base.rows and ours.checksum == base.checksum
            size_met = ratio <= bn.RATIO_TARGET and ours.seconds < bn.SECONDS_TARGET and same
            met &= size_met
            typer.echo(
                "\n".join(
                    [
                        f"national sweep at {size:,} youths ({result.rows:,} rows seeded in "
                        f"{result.seed_seconds:.0f} s), on {bn.sweep_instant():%Y-%m-%d %H:%M} UTC",
                        *(
                            f"  {name:<8} {run.seconds:8.2f} s   peak Python {run.peak_mib:7.1f} "
                            f"MiB   peak RSS {run.rss_mib:7.1f} MiB   wrote "
                            + ", ".join(f"{k} {v:,}" for k, v in run.rows.items())
                            + f"   checksum {run.checksum}"
                            for name, run in (("ours", ours), ("baseline", base))
                        ),
                        f"  ours {ours.seconds:.2f} s = x{ratio:.2f} the baseline's "
                        f"{base.seconds:.2f} s (target ≤ x{bn.RATIO_TARGET:g}, < "
                        f"{bn.SECONDS_TARGET:g} s); same rows: {'yes' if same else 'NO'}; "
                        f"{'met' if size_met else 'MISSED'}",
                    ]
                )
            )
    if len(results) > 1:
        small, large = results[0], results[-1]
        python = large.ours.peak_mib / max(small.ours.peak_mib, 1e-6)
        rss = large.ours.rss_mib / max(small.ours.rss_mib, 1e-6)
        grows = max(python, rss) > bn.MEMORY_GROWTH_TARGET
        met &= not grows
        typer.echo(
            f"ours' peak memory at {large.youths:,} vs {small.youths:,} youths: Python "
            f"x{python:.2f} ({small.ours.peak_mib:.1f} -> {large.ours.peak_mib:.1f} MiB), RSS "
            f"x{rss:.2f} ({small.ours.rss_mib:.0f} -> {large.ours.rss_mib:.0f} MiB); baseline "
            f"RSS {small.baseline.rss_mib:.0f} -> {large.baseline.rss_mib:.0f} MiB "
            f"(target ≤ x{bn.MEMORY_GROWTH_TARGET:g}): {'MISSED' if grows else 'met'}"
        )
    if not met:
        raise typer.Exit(code=1)
