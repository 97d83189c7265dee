"""`mowakaba backup` and `mowakaba restore`: one archive of the database and documents."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mowakaba.cli.common import errors_as_exit, fail, require_migrated


def backup(
    to: Annotated[
        Path | None,
        typer.Option("--to", help="Archive file or folder (default: backups/ in the data dir)."),
    ] = None,
) -> None:
    """Write a consistent archive of the database and documents (the app may be running;
    the encryption key is not in it)."""
    from mowakaba import backup as backups

    require_migrated()
    with errors_as_exit():
        done = backups.create_backup(to)
    files = sum(1 for name in done.manifest["members"] if name.startswith("documents/"))
    rows, revision = sum(done.manifest["counts"].values()), done.manifest["alembic_revision"]
    typer.echo(f"backup written to {done.path}: {done.manifest['database_kind']} database "
               f"at {revision}, {rows} rows, {files} document files")  # fmt: skip
    typer.echo("restoring it needs the same encryption key(s): "
               + (", ".join(done.manifest["key_ids"]) or "none used"))  # fmt: skip
    if backups.under_data_directory(done.path):
        typer.echo("warning: the archive is under the data directory, beside the encryption "
                   "key: copy it off this machine (docs/privacy.md, Backups)")  # fmt: skip


def restore(
    archive: Annotated[Path, typer.Argument(help="A backup archive (`mowakaba backup`).")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask: replace the current data (scripts).")
    ] = False,
) -> None:
    """Replace the database and documents with an archive's state (refused while
    `mowakaba up` runs on this data directory; needs the key(s) it was made with)."""
    from mowakaba import backup as backups
    from mowakaba import migrate
    from mowakaba.db import get_engine
    from mowakaba.embedded import Refused
    from mowakaba.embedded.ports import home_lock
    from mowakaba.settings import get_settings

    settings = get_settings()
    if running := settings.running_ports():
        raise fail(f"`mowakaba up` is running on {settings.home} (web port {running[0]}): "
                   "stop it first")  # fmt: skip
    with errors_as_exit():
        manifest = backups.read_manifest(archive)  # a bad archive: refused before the lock
        if not yes:
            where = get_engine().url.render_as_string(hide_password=True)
            question = (f"replace every record and document of {where} with the state of "
                        f"{manifest['created_at']}? Changes made since are lost")  # fmt: skip
            if not sys.stdin.isatty():
                raise fail(f"{question}: answer with --yes (no terminal to ask on)")
            if not typer.confirm(question, default=False):
                raise fail("nothing restored")
        try:
            with home_lock(settings.home):
                manifest = backups.restore_backup(archive)
        except Refused as exc:
            raise fail(str(exc)) from None
    rows = sum(manifest["counts"].values())
    typer.echo(f"restored the state of {manifest['created_at']} "
               f"({rows} rows, revision {manifest['alembic_revision']})")  # fmt: skip
    if not migrate.is_current(get_engine()):
        typer.echo("the schema is older than this version's: run `mowakaba db upgrade`")
    typer.echo("data purged since that archive is back: run `mowakaba retention run` now")
