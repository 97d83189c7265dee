"""`mowakaba bench`: speed and memory targets, each figure beside its baseline and target
(docs/benchmarks.md). The machinery is `mowakaba.sim` (no Prefect) and, for the work
pool, `mowakaba.cli.stack` and `mowakaba.cli.bench_pathways`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from mowakaba.cli.common import fail
from mowakaba.cli.sim import private_prefect_server

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
    from mowakaba.sim.bench import pointed_at

    with pointed_at(database_url=url):
        yield


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
