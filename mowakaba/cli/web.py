"""`mowakaba web`: the web app alone, for production (docs/operations.md, "Scale-out").

Behind a reverse proxy, on as many machines as needed; the Prefect server and the
workers run elsewhere. The command checks what it can before serving (the schema, the
port), then becomes uvicorn (exec): there is no parent left to outlive, and uvicorn's own
handling of SIGINT/SIGTERM (finish the requests in flight, stop its worker processes) is
the stop.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from mowakaba.cli.common import fail, require_migrated


def web_argv(host: str, port: int, workers: int) -> list[str]:
    """The uvicorn command line `mowakaba web` runs: the embedded system's, plus workers."""
    from mowakaba.embedded import web_command
    from mowakaba.settings import get_settings

    argv = web_command(get_settings(), host, port)
    if workers > 1:
        argv += ["--workers", str(workers)]
    return argv


def web(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default MOWAKABA_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port to listen on (default MOWAKABA_PORT).")
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="uvicorn worker processes.")
    ] = 1,
) -> None:
    """Serve the web app alone (production, behind a reverse proxy): refuses a database
    whose migrations are behind, or no encryption key; Ctrl-C or SIGTERM stops it."""
    from mowakaba import crypto
    from mowakaba.embedded.ports import refuse_busy_port
    from mowakaba.embedded.processes import Refused
    from mowakaba.settings import REPO_ROOT, get_settings

    settings = get_settings()
    require_migrated()
    try:  # else notes and documents would fail one request at a time, hours later
        crypto.keyring()
    except crypto.EncryptionKeyError as exc:
        raise fail(f"{exc} (the same key on every host)") from None
    host = host or settings.host
    port = port or settings.port
    try:
        refuse_busy_port(host, port, "web app", settings.home)
    except Refused as exc:
        raise fail(str(exc)) from None
    argv = web_argv(host, port, workers)
    proxies = settings.trusted_proxies or "none, see MOWAKABA_TRUSTED_PROXIES"
    typer.echo(
        f"web app on http://{host}:{port} ({workers} worker{'s' * (workers > 1)}; "
        f"trusted proxies: {proxies})"
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(REPO_ROOT)
    os.execv(argv[0], argv)
