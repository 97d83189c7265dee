"""`mowakaba deploy` and `mowakaba worker`: the flows on a work pool, run by Prefect's own
process workers on as many machines as needed (docs/operations.md, "Scale-out").
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Annotated

import typer

from mowakaba.cli.common import fail, prefect_reachable, require_migrated

Pool = Annotated[
    str,
    typer.Option("--pool", help="The Prefect work pool (made by `mowakaba deploy`)."),
]


def deploy(pool: Pool = "mowakaba") -> None:
    """Register every deployment in a Prefect process work pool (made if missing), with the
    concurrency limits: one slot per youth slot, a cap on delivery. Run it after each
    upgrade (`mowakaba db upgrade` first); running it again changes nothing else."""
    from prefect.settings import PREFECT_API_URL

    from flows.pool import deploy as deploy_to_pool

    require_migrated()
    if not prefect_reachable():
        raise fail(f"the Prefect server at {PREFECT_API_URL.value()} does not answer: start "
                   "it (`prefect server start`) or set PREFECT_API_URL or "
                   "MOWAKABA_PREFECT_API_URL")  # fmt: skip
    try:
        report = deploy_to_pool(pool)
    except ValueError as exc:
        raise fail(str(exc)) from None
    except Exception as exc:  # Prefect gone or refusing half-way: what is made stays
        reason = f"{type(exc).__name__}: {exc}"[:400]
        raise fail(f"deploying stopped half-way ({reason}); run `mowakaba deploy` again: "
                   "it completes what is missing") from None  # fmt: skip
    made = "made" if report.pool_created else "found"
    typer.echo(f"work pool {pool!r}: {made} (type process)")
    typer.echo(f"youth concurrency slots: {report.slots_total} "
               f"({report.slots_created} created, limit 1 each)")  # fmt: skip
    typer.echo(f"deployments: {', '.join(report.deployments)}")
    typer.echo(f"now start workers on any machine: mowakaba worker --pool {pool}")


def worker(
    pool: Pool = "mowakaba",
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", min=1, max=1000, help="At most this many flow runs at once on this worker."
        ),
    ] = None,  # fmt: skip
    name: Annotated[
        str | None, typer.Option("--name", help="The worker's name (default: Prefect's).")
    ] = None,
) -> None:
    """Run a Prefect process worker of the pool on this machine: it takes the pool's flow
    runs, each in a new process with this environment (DATABASE_URL, keys, Prefect API).
    Ctrl-C stops it; its runs in progress are Prefect's to finish or mark crashed."""
    from prefect.settings import PREFECT_API_URL

    require_migrated()
    if not prefect_reachable():
        raise fail(f"the Prefect server at {PREFECT_API_URL.value()} does not answer: start it "
                   "or set PREFECT_API_URL / MOWAKABA_PREFECT_API_URL")  # fmt: skip
    prefect = shutil.which("prefect", path=os.path.dirname(sys.executable)) or shutil.which(
        "prefect"
    )
    if prefect is None:  # pragma: no cover - installed with Mowakaba
        raise fail("the `prefect` command is not installed beside mowakaba")
    argv = [prefect, "worker", "start", "--pool", pool, "--type", "process"]
    if limit:
        argv += ["--limit", str(limit)]
    if name:
        argv += ["--name", name]
    # Prefect's worker itself, not one of ours: this process becomes it (signals and all).
    os.environ.setdefault("PREFECT_WORKER_QUERY_SECONDS", "2")
    os.environ["PREFECT_LOGGING_LEVEL"] = os.environ.get("MOWAKABA_WORKER_LOG_LEVEL", "INFO")
    sys.stdout.flush()
    os.execv(prefect, argv)
