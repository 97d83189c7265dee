"""A throw-away scale-out system on this machine, for `make test-scale` and `mowakaba bench
pathways`: the app's and Prefect's databases on PostgreSQL, a Prefect server on them, the
deployments in a work pool (`mowakaba deploy`), and Prefect process workers
(`mowakaba worker`) started and stopped on demand. Every process is started in its own
session and dies with this one (even by SIGKILL); leaving the block, however it is left,
stops them all, their flow runs included, and drops the databases.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class StackFailed(RuntimeError):
    """A part of the stack did not come up, or a process of it died."""


@dataclass
class Stack:
    """What is running: the environment every process shares, and the processes."""

    env: dict[str, str]
    api: str
    pool: str
    logs: Path
    auth: str
    database_url: str
    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        """Start a process of the stack, its output in `<logs>/<name>.log`."""
        from mowakaba.embedded.processes import _die_with_parent

        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent(os.getpid()),
            )  # fmt: skip
        self.started.append((name, process))
        return process

    def mowakaba(self, *argv: str, stdin: str | None = None) -> str:
        """Run a `mowakaba` command against the stack; its output, or StackFailed."""
        done = subprocess.run(
            [str(BIN / "mowakaba"), *argv], env=self.env, input=stdin, capture_output=True,
            text=True, timeout=600,
        )  # fmt: skip
        if done.returncode != 0:
            raise StackFailed(f"mowakaba {' '.join(argv)}: {done.stdout}{done.stderr}")
        return done.stdout

    def start_workers(self, count: int, *, limit: int = 4, prefix: str = "worker") -> list[Any]:
        """Start `count` process workers of the pool."""
        return [
            self.start(f"{prefix}-{n}", [str(BIN / "mowakaba"), "worker", "--pool", self.pool,
                                         "--limit", str(limit), "--name", f"{prefix}-{n}"])
            for n in range(1, count + 1)
        ]  # fmt: skip

    def stop(self, processes: list[subprocess.Popen[bytes]] | None = None) -> None:
        """Stop these processes (default: all): SIGTERM to each one's group, then SIGKILL to
        what is left of it and of every process it started — a worker's flow runs run in
        sessions of their own, out of its group's reach."""
        chosen = processes if processes is not None else [p for _, p in self.started]
        descendants = {pid for process in chosen for pid in _descendants(process.pid)}
        for process in reversed(chosen):
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in reversed(chosen):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            descendants |= _descendants(process.pid)
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
        for pid in descendants:  # flow runs still going (or started meanwhile)
            _signal_group(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.started = [(n, p) for n, p in self.started if p not in chosen]

    def wait_for(self, what: str, check: Callable[[], Any], seconds: float) -> Any:
        """Poll `check` until it returns something true; fail if a process died."""
        import httpx

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name, process in self.started:
                if process.poll() is not None:
                    raise StackFailed(f"{name} exited ({process.returncode})\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError, OSError):
                if result := check():
                    return result
            time.sleep(0.5)
        raise StackFailed(f"timed out waiting for {what}\n{self.tail()}")

    def tail(self, chars: int = 3000) -> str:
        """The end of every process's log (for a failure's message)."""
        return "\n".join(
            f"--- {name}.log\n" + (self.logs / f"{name}.log").read_text(errors="replace")[-chars:]
            for name, _ in self.started
        )

    @contextmanager
    def client(self) -> Iterator[Any]:
        """A Prefect client of the stack's server."""
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

        updates = {PREFECT_API_URL: self.api, PREFECT_API_AUTH_STRING: self.auth}
        with temporary_settings(updates=updates), get_client(sync_client=True) as client:
            yield client


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def _descendants(pid: int) -> set[int]:
    """Every living process below `pid` (children, theirs...), read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def drop_stale_databases(admin: Any) -> None:
    """Drop the databases of stacks whose process is gone (one killed by SIGKILL could not)."""
    import sqlalchemy as sa

    with admin.connect() as connection:
        names = (
            connection.execute(
                sa.text("SELECT datname FROM pg_database WHERE datname LIKE :names"),
                {"names": "mowakaba_stack_%"},
            )
            .scalars()
            .all()
        )
        for name in names:
            pid = name.split("_")[3]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scale_stack(
    *, server_url: str | None = None, env: dict[str, str] | None = None, web: bool = False
) -> Iterator[Stack]:
    """Databases, a Prefect server on PostgreSQL, the pool deployed (and the web app if
    `web`); yields the stack. Workers are the caller's to start (`start_workers`)."""
    import httpx
    import sqlalchemy as sa

    from mowakaba.embedded.ports import free_port

    server = sa.make_url(server_url or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_SERVER)
    if server.drivername in ("postgresql", "postgres"):
        server = server.set(drivername="postgresql+psycopg")
    suffix = f"{os.getpid()}_{secrets.token_hex(3)}"
    names = [f"mowakaba_stack_app_{suffix}", f"mowakaba_stack_prefect_{suffix}"]
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    home = Path(tempfile.mkdtemp(prefix="mowakaba-stack-"))
    made: list[str] = []
    stack: Stack | None = None
    try:
        drop_stale_databases(admin)
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
                made.append(name)
        app_url = server.set(database=names[0]).render_as_string(hide_password=False)
        prefect_url = server.set(drivername="postgresql+asyncpg", database=names[1])
        port = free_port()
        api = f"http://127.0.0.1:{port}/api"
        auth = f"stack:{secrets.token_urlsafe(12)}"
        kept = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MOWAKABA_"))}
        stack = Stack(
            env={
                **kept,
                "MOWAKABA_HOME": str(home / "home"),
                "DATABASE_URL": app_url,
                "MOWAKABA_PREFECT_API_URL": api,
                "PREFECT_API_URL": api,
                "PREFECT_HOME": str(home / "prefect"),
                "PREFECT_API_AUTH_STRING": auth,
                "PREFECT_SERVER_API_AUTH_STRING": auth,
                "PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_url.render_as_string(
                    hide_password=False
                ),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
                "DO_NOT_TRACK": "1",
                **(env or {}),
            },
            api=api, pool=f"stack-{suffix}", logs=home, auth=auth, database_url=app_url,
        )  # fmt: skip
        stack.mowakaba("db", "upgrade")
        stack.start("prefect-server", [str(BIN / "prefect"), "server", "start", "--host",
                                       "127.0.0.1", "--port", str(port)])  # fmt: skip
        if web:
            stack.env["MOWAKABA_WEB_URL"] = f"http://127.0.0.1:{(web_port := free_port())}"
            stack.start("web", [sys.executable, "-m", "uvicorn", "api.main:create_app",
                                "--factory", "--host", "127.0.0.1", "--port", str(web_port),
                                "--log-level", "warning"])  # fmt: skip
            stack.wait_for("the web app", lambda: httpx.get(
                f"{stack.env['MOWAKABA_WEB_URL']}/api/v1/healthz", timeout=2).is_success, 120)  # type: ignore[union-attr]  # fmt: skip
        user, _, password = auth.partition(":")
        basic = (user, password)
        stack.wait_for("the Prefect server", lambda: httpx.get(
            f"{api}/health", auth=basic, timeout=2).is_success, 180)  # fmt: skip
        stack.mowakaba("deploy", "--pool", stack.pool)
        yield stack
    finally:
        if stack is not None:
            stack.stop()
        with admin.connect() as connection:
            for name in made:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
        shutil.rmtree(home, ignore_errors=True)
