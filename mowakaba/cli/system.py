"""`mowakaba up` and `mowakaba demo`: the embedded system (Prefect server, serve, web app)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from mowakaba.cli.common import expected_failure, fail, progress_bar

UpHost = Annotated[str | None, typer.Option("--host", help="Web app address (default 127.0.0.1).")]
UpPort = Annotated[int | None, typer.Option("--port", help="Web app port (default 8000).")]
UpPrefectPort = Annotated[
    int | None, typer.Option("--prefect-port", help="Prefect server port (default 4200).")
]


def embedded_system(host: str | None, port: int | None, prefect_port: int | None):  # type: ignore[no-untyped-def]
    """The embedded system on the chosen ports; the Prefect settings of this process follow it."""
    from mowakaba.embedded import System
    from mowakaba.settings import get_settings

    if prefect_port:
        os.environ["MOWAKABA_PREFECT_PORT"] = str(prefect_port)
    if port:
        os.environ["MOWAKABA_PORT"] = str(port)
    get_settings.cache_clear()
    settings = get_settings()
    system = System(
        settings,
        host=host or settings.host,
        port=port or settings.port,
        prefect_port=prefect_port or settings.prefect_port,
    )
    return system


def print_addresses(system, accounts: list[tuple[str, str, str]] | None = None) -> None:  # type: ignore[no-untyped-def]
    """Tell the person where everything is."""
    user, password = system.credentials.split(":", 1)
    typer.echo("")
    typer.echo(f"  Web app:    {system.web_url}   (health: {system.web_url}/api/v1/healthz)")
    typer.echo(f"  Prefect UI: {system.prefect_url}")
    if system.new_credentials:
        typer.echo(f"              log in with {user}:{password}  (shown once; kept in "
                   f"{system.settings.prefect_auth_file})")  # fmt: skip
    else:
        typer.echo(f"              credentials in {system.settings.prefect_auth_file}")
    if accounts:
        from mowakaba.sim.demo import DEMO_PASSWORD

        typer.echo(f"  Demo accounts (password {DEMO_PASSWORD!r}):")
        for username, role, where in accounts:
            typer.echo(f"    {username:<14} {role:<12} {where}")
    typer.echo(f"  Logs:       {system.settings.home / 'logs'}")
    typer.echo("  Ctrl-C stops everything.")


def run_system(system, on_ready=None, meanwhile=None) -> None:  # type: ignore[no-untyped-def]
    """Start the system, call `on_ready`, then supervise it until Ctrl-C, SIGTERM or too many
    crashes. Whatever the moment and whatever goes wrong, every child is stopped."""
    from mowakaba.embedded import Refused, StartupFailed, Stopping, signals_stop
    from mowakaba.errors import MowakabaError
    from mowakaba.settings import get_settings

    started = time.monotonic()
    try:
        with signals_stop(), system.running(typer.echo, meanwhile):
            # This process talks to the server it started, and links to its web app.
            for name, value in system.env.items():
                if name.startswith(("PREFECT_", "MOWAKABA_")):
                    os.environ[name] = value
            get_settings.cache_clear()
            accounts = on_ready(system) if on_ready else None
            print_addresses(system, accounts)
            typer.echo(f"  Ready in {time.monotonic() - started:.0f} s.")
            system.watch(typer.echo)
    except Stopping:
        return  # asked to stop: everything was stopped on the way out
    except Refused as exc:
        raise fail(str(exc)) from None
    except MowakabaError as exc:  # e.g. an unusable DATABASE_URL
        raise fail(exc.message) from None
    except StartupFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:  # a bug while seeding or starting: one line here, details in the log
        if (message := expected_failure(exc)) is not None:
            raise fail(message) from None
        log_path = log_error(system.settings.home, exc)
        typer.echo(f"error: {type(exc).__name__}: {exc} (everything was stopped; details in "
                   f"{log_path})", err=True)  # fmt: skip
        raise typer.Exit(code=1) from None


def log_error(home: Path, exc: BaseException) -> Path:
    """Write an unexpected error's traceback to the data directory's log; return its path."""
    import logging

    path = home / "logs" / "mowakaba.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    logger = logging.getLogger("mowakaba.cli")
    logger.addHandler(handler)
    try:
        logger.error("mowakaba stopped on an error", exc_info=exc)
    finally:
        logger.removeHandler(handler)
        handler.close()
    return path


def up(host: UpHost = None, port: UpPort = None, prefect_port: UpPrefectPort = None) -> None:
    """Start everything on this machine: Prefect server and UI, the deployments, the web app."""
    run_system(embedded_system(host, port, prefect_port))


def demo(
    host: UpHost = None,
    port: UpPort = None,
    prefect_port: UpPrefectPort = None,
    youths: Annotated[int, typer.Option(min=1, max=2000)] = 60,
) -> None:
    """Seed a demo programme (first time), then start everything with its flow runs."""
    system = embedded_system(host, port, prefect_port)
    seeded: dict[str, Any] = {}

    def seed() -> None:
        """While the Prefect server starts: the demo needs only the app database to seed."""
        from mowakaba import clock
        from mowakaba.settings import get_settings
        from mowakaba.sim.demo import is_seeded, reset_partial_demo, seed_demo, was_interrupted

        if was_interrupted():
            typer.echo("the last demo seeding was interrupted: seeding it again from the start")
            reset_partial_demo()
        elif is_seeded():
            typer.echo("demo data present: not seeding again")
            return
        today = clock.local_date(clock.now(), get_settings().default_time_zone)
        typer.echo(f"seeding the demo: {youths} young people, histories replayed to {today}")
        from mowakaba.embedded import check_stop

        started = time.monotonic()
        with progress_bar("replaying histories", unit="days") as advance:

            def step(done: int, total: int) -> None:
                check_stop()  # a Ctrl-C is never lost between two days of history
                advance(done, total)

            summary = seeded["summary"] = seed_demo(today, youths=youths, progress=step)
        runs_pending().touch()
        typer.echo(
            f"seeded in {time.monotonic() - started:.0f} s: "
            + ", ".join(f"{k} {v}" for k, v in sorted(summary.youths_by_stage.items()))
            + f"; {summary.open_escalations} open escalations; "
            f"{summary.not_in_touch} not in touch; "
            f"{sum(summary.referrals_by_status.values())} referrals to "
            f"{summary.partners} partners; case files: "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.casework.items())
        )

    def run_pathways(system):  # type: ignore[no-untyped-def]
        """Once Prefect is up: one pathway flow run per young person just seeded."""
        from mowakaba.sim.demo import demo_accounts

        accounts = seeded["summary"].accounts if "summary" in seeded else demo_accounts()
        if not runs_pending().exists():  # done at an earlier start
            return accounts
        started = time.monotonic()
        with progress_bar("pathway flow runs", unit="runs") as advance:
            count = run_demo_pathways(progress=advance)
        runs_pending().unlink()
        typer.echo(
            f"{count} pathway flow runs, one per young person, "
            f"in {time.monotonic() - started:.0f} s"
        )
        return accounts

    run_system(system, run_pathways, meanwhile=seed)


def runs_pending() -> Path:
    """A file that exists from the end of the seeding until its pathway runs are all done:
    a start stopped between the two runs them at the next start."""
    from mowakaba.settings import get_settings

    return get_settings().home / "demo-runs-pending"


def run_demo_pathways(progress: Callable[[int, int], None] | None = None) -> int:
    """One real `pathway` flow run per youth, tagged, recorded on the embedded server."""
    from flows.launch import RunLabels, inline_runs, run_pathway_inline
    from mowakaba.db import session_scope
    from mowakaba.services import youths as youth_service

    with session_scope(write=False) as session:
        youths = [RunLabels.of(y) for y in youth_service.search_youths(session, limit=100_000)[0]]
    with inline_runs():
        for done, labels in enumerate(youths, start=1):
            run_pathway_inline(labels)
            if progress is not None:
                progress(done, len(youths))
    return len(youths)
