"""`mowakaba keys`: the encryption keys of notes and documents (new, rotate, status)."""

from __future__ import annotations

from typing import Annotated

import typer

from mowakaba.cli.common import errors_as_exit, fail, in_session

keys_app = typer.Typer(
    help="Encryption at rest of case notes and documents: keys and rotation.",
    no_args_is_help=True,
)


@keys_app.command("new")
def keys_new() -> None:
    """Add a key that encrypts from now on (the older keys still decrypt)."""
    from mowakaba import crypto

    with errors_as_exit():
        key, path = crypto.add_key()
    if path is None:
        typer.echo(f"{crypto.ENV_NAME} is set: put this key first in it, keep the others,")
        typer.echo("restart every process, then run `mowakaba keys rotate`:")
        typer.echo(key)
        return
    typer.echo(f"key {key} added first to {path}: it encrypts from now on.")
    typer.echo("Restart `mowakaba up` (or the web app and workers), then `mowakaba keys rotate`.")


@keys_app.command("rotate")
def keys_rotate(
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, help="Rows or files per transaction.")
    ] = None,
) -> None:
    """Re-encrypt every note version and document under the newest key, in batches (one
    transaction each: safe to stop and run again); legacy plaintext gets encrypted too."""
    from mowakaba import crypto
    from mowakaba.services import encryption
    from mowakaba.settings import get_settings

    size = batch_size or get_settings().key_rotation_batch_size
    with errors_as_exit():
        current = crypto.require_key().id
    last, notes = 0, 0
    while True:
        batch = in_session(
            lambda s, after=last: encryption.rotate_note_batch(s, after_id=after, limit=size)
        )
        if batch.last is None:
            break
        last, notes = int(batch.last), notes + batch.changed
    after, files = "", 0
    while True:
        with errors_as_exit():
            done = encryption.rotate_document_batch(after=after, limit=size)
        if done.last is None:
            break
        after, files = str(done.last), files + done.changed
    typer.echo(f"under key {current}: {notes} note versions and {files} document files "
               "re-encrypted; every value is under it now")  # fmt: skip


@keys_app.command("status")
def keys_status() -> None:
    """Count the note versions and document files under each key (and in the clear)."""
    from mowakaba import crypto
    from mowakaba.services import encryption

    with errors_as_exit():
        ring = crypto.keyring()
    counts = in_session(encryption.key_status)
    typer.echo(f"keys (from {ring.source}): " + ", ".join(
        f"{k.id}{' (encrypts)' if i == 0 else ''}" for i, k in enumerate(ring.keys)
    ))  # fmt: skip
    known = {k.id for k in ring.keys}
    missing = False
    for what, counter in counts.items():
        parts = [f"{kid}: {n}" for kid, n in sorted(counter.items())] or ["none"]
        typer.echo(f"{what}: " + ", ".join(parts))
        missing |= any(kid not in known and kid != encryption.PLAINTEXT for kid in counter)
    if missing:
        raise fail("some values are under a key that is not listed: add it back")
