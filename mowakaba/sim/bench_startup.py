"""`mowakaba bench up`: how long `mowakaba up` takes until the web app and the Prefect server
both answer, on a fresh data directory (cold) and again on the same one (warm).

On SQLite everything lives in the data directory. On PostgreSQL the app's database
(`DATABASE_URL`) and the Prefect server's (`MOWAKABA_PREFECT_DATABASE_URL`, Prefect's
async driver) are throw-away databases this benchmark creates and drops. Between runs
`up` is stopped the way a person does, with Ctrl-C, and waited for.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa

from mowakaba.embedded.ports import free_port
from mowakaba.settings import REPO_ROOT
from mowakaba.sim.bench_load import throwaway_postgres
from mowakaba.sim.timing import Figure, clean_env, interrupt, mowakaba_argv

UP_WARM_TARGET = 15.0  # issue 16; a cold start (migrations, Prefect's own) is reported


class Reported(Figure):
    """A figure without a target: printed, never a miss."""

    @property
    def met(self) -> bool:
        return True

    def line(self) -> str:
        runs = ", ".join(f"{s:.2f}" for s in self.seconds)
        return f"{self.what:<34} median {self.median:6.2f} s  (runs: {runs})  no target: reported"


def answers(url: str) -> bool:
    """Tell whether a URL answers 200."""
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def both_answer(web_port: int, prefect_port: int) -> bool:
    """The web app's health and the Prefect server's health and UI all answer."""
    prefect = f"http://127.0.0.1:{prefect_port}"
    return (
        answers(f"http://127.0.0.1:{web_port}/api/v1/healthz")
        and answers(f"{prefect}/api/health")
        and answers(f"{prefect}/")
    )


def up_until_ready(env: dict[str, str], *, timeout: float = 300) -> float:
    """Start `mowakaba up`, wait until both servers answer, stop it with Ctrl-C (and wait
    for it to stop everything); return the seconds to ready."""
    web_port, prefect_port = free_port(), free_port()
    argv = mowakaba_argv("up", "--port", str(web_port), "--prefect-port", str(prefect_port))
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = started + timeout
        while not both_answer(web_port, prefect_port):
            if process.poll() is not None or time.perf_counter() > deadline:
                log = Path(env["MOWAKABA_HOME"]) / "logs" / "mowakaba.log"
                tail = log.read_text()[-2000:] if log.exists() else ""
                raise RuntimeError(
                    f"mowakaba up did not become ready (exit {process.poll()})\n{tail}"
                )
            time.sleep(0.1)
        return time.perf_counter() - started
    finally:
        interrupt(process)


@contextmanager
def databases(database: str, server_url: str) -> Iterator[dict[str, str]]:
    """The environment naming the app's and Prefect's databases (none for SQLite)."""
    if database == "sqlite":
        yield {}
        return
    with throwaway_postgres(server_url) as app, throwaway_postgres(server_url) as prefect:
        yield {
            "DATABASE_URL": app,
            "MOWAKABA_PREFECT_DATABASE_URL": sa.make_url(prefect)
            .set(drivername="postgresql+asyncpg")
            .render_as_string(hide_password=False),
        }


def up_start(
    *,
    database: str,
    warm_runs: int,
    server_url: str,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Figure]:
    """`mowakaba up` on a fresh data directory, then `warm_runs` times again on it."""
    with ExitStack() as stack:
        home = Path(tempfile.mkdtemp(prefix="mowakaba-bench-up-"))
        stack.callback(shutil.rmtree, home, ignore_errors=True)
        env = {**clean_env(home), **stack.enter_context(databases(database, server_url))}
        progress(f"mowakaba up on {database}, cold start (fresh data directory)")
        cold = up_until_ready(env)
        warm = []
        for run in range(warm_runs):
            progress(f"mowakaba up on {database}, warm start {run + 1}/{warm_runs}")
            warm.append(up_until_ready(env))
        return [
            Reported(f"mowakaba up, cold ({database})", [cold], 0.0),
            Figure(f"mowakaba up, warm ({database})", warm, UP_WARM_TARGET),
        ]
