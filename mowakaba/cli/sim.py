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
