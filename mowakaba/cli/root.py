"""The `mowakaba` command: the root of the command tree, and the console script's entry point.

Every command module is imported here (they are cheap: each imports the core,
Prefect or the web stack only when one of its commands runs).
"""

from __future__ import annotations

import os
import sys

import typer

from mowakaba.cli import (
    backups,
    bench,
    db,
    institutions,
    keys,
    privacy,
    retention,
    runs,
    scale,
    schedule,
    sim,
    system,
    users,
    web,
    work,
    youths,
)
from mowakaba.cli.common import expected_failure
from mowakaba.errors import InvalidInput

app = typer.Typer(
    help="Mowakaba: the pathway of young people leaving residential care.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command()(schedule.schedule)
app.add_typer(db.db_app, name="db")
app.add_typer(users.users_app, name="users")
app.add_typer(youths.youths_app, name="youths")
app.add_typer(work.work_app, name="work")
app.add_typer(work.escalations_app, name="escalations")
app.add_typer(institutions.institutions_app, name="institutions")
app.add_typer(institutions.holidays_app, name="holidays")
app.add_typer(retention.retention_app, name="retention")
app.command()(runs.reconcile)
app.command("sweep")(runs.sweep)
app.command()(runs.deliver)
app.command()(work.inbox)
app.command()(system.up)
app.command()(system.demo)
app.command()(scale.deploy)
app.command()(scale.worker)
app.command()(sim.simulate)
app.add_typer(bench.bench_app, name="bench")
app.add_typer(keys.keys_app, name="keys")
app.command()(backups.backup)
app.command()(backups.restore)
app.add_typer(privacy.privacy_app, name="privacy")
app.command()(web.web)


# Set by main(): the console script points Prefect at our server. Tests invoke `app`
# in their own process, with their own Prefect environment, and are left alone.
_console_script = False


@app.callback()
def _before_any_command() -> None:
    # Runs before a subcommand, never for `mowakaba --help`: reading the settings costs
    # ~0.4 s (pydantic-settings), nearly all that help may take.
    if _console_script:
        use_our_prefect()


def use_our_prefect() -> None:
    """Before Prefect is imported: our server, our state directory, telemetry off."""
    from mowakaba.settings import get_settings

    for name, value in get_settings().prefect_environment().items():
        os.environ.setdefault(name, value)


def main() -> None:
    """Entry point of the `mowakaba` console script."""
    from mowakaba.home import PRIVATE_UMASK

    global _console_script
    _console_script = True
    # Every file the command (and what `up` starts) writes is its owner's only: minors' data.
    os.umask(PRIVATE_UMASK)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    try:
        app()
    except InvalidInput as exc:  # pragma: no cover - commands catch their own
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing more was done", err=True)
        sys.exit(130)
    except Exception as exc:
        message = expected_failure(exc)
        if message is None:
            raise  # a bug: its traceback is what a developer needs
        typer.echo(f"error: {message}", err=True)
        sys.exit(1)
