"""`mowakaba db`: migrations and checks."""

from __future__ import annotations

from typing import Annotated

import typer

db_app = typer.Typer(help="The database: migrations and checks.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations (creates the SQLite file under MOWAKABA_HOME if needed, and the
    encryption key file when no key is set)."""
    from mowakaba import crypto
    from mowakaba import migrate as migrations
    from mowakaba.db import get_engine

    if created := crypto.ensure_key_file():
        typer.echo(f"encryption key created in {created} (keep a copy apart from backups)")

    engine = get_engine()
    before = migrations.current(engine)
    migrations.upgrade(engine, revision)
    after = migrations.current(engine)
    typer.echo(f"database at {after} (was {before or 'empty'})")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to a revision ('base' empties the database)."""
    from mowakaba import migrate as migrations
    from mowakaba.db import get_engine

    migrations.downgrade(get_engine(), revision)
    typer.echo(f"database at {migrations.current(get_engine()) or 'base'}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and where it lives."""
    from mowakaba import migrate as migrations
    from mowakaba.db import get_engine

    engine = get_engine()
    typer.echo(f"{engine.url.render_as_string(hide_password=True)}: {migrations.current(engine)}")


@db_app.command("check")
def db_check() -> None:
    """Exit 1 if the models and the migrations disagree."""
    from mowakaba import migrate as migrations
    from mowakaba.db import get_engine

    diffs = migrations.differences(get_engine())
    if diffs:
        for diff in diffs:
            typer.echo(str(diff))
        raise typer.Exit(code=1)
    typer.echo("models and migrations agree")


@db_app.command("revision")
def db_revision(message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """Autogenerate a migration from the models (the database must be at head)."""
    from mowakaba import migrate as migrations
    from mowakaba.db import get_engine

    migrations.revision(get_engine(), message)
