"""`mowakaba up`: the whole system on one machine, as child processes of one command.

A real Prefect server on SQLite (with its UI, behind basic auth), one `serve()`
process for the deployments, and the web app. Logs go to the data directory;
the terminal gets a summary. Ctrl-C or SIGTERM stops every child; a child that
dies is reported and stops the rest, so the system is never half running.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from mowakaba import migrate
from mowakaba.db import get_engine
from mowakaba.settings import REPO_ROOT, Settings

STOP_GRACE_SECONDS = 15


class StartupFailed(RuntimeError):
    """A part of the system did not come up."""


@dataclass
class Child:
    """One process of the system, with its log file."""

    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped with everything it started
        )
        log.close()

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return

    def kill(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def ensure_credentials(settings: Settings) -> tuple[str, bool]:
    """Return the Prefect UI's `user:password`, made (and marked new) at first start."""
    path = settings.prefect_auth_file
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    credentials = f"admin:{secrets.token_urlsafe(18)}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(credentials + "\n")
    return credentials, True


def wait_until(check: Callable[[], bool], *, seconds: float, children: list[Child]) -> None:
    """Poll until a check passes; fail if a child dies or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for child in children:
            code = child.exit_code()
            if code is not None:
                raise StartupFailed(f"{child.name} exited with code {code}:\n{child.tail()}")
        if check():
            return
        time.sleep(0.5)
    raise StartupFailed(f"not ready after {seconds:.0f} s")


def answers(url: str, auth: tuple[str, str] | None = None) -> bool:
    """Tell whether a URL answers 200."""
    try:
        return httpx.get(url, auth=auth, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def prefect_server(port: int, log_path: Path) -> Child:
    """A `prefect server start` child on a loopback port."""
    return Child(
        "prefect-server",
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)],
        log_path,
    )  # fmt: skip


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class System:
    """The running system: its children, addresses and credentials."""

    settings: Settings
    host: str
    port: int
    prefect_port: int
    children: list[Child] = field(default_factory=list)
    credentials: str = ""
    new_credentials: bool = False
    env: dict[str, str] = field(default_factory=dict)

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def prefect_url(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}"

    def start(self, echo: Callable[[str], None]) -> None:
        """Migrate, then start the Prefect server, the deployments' serve(), and the web app."""
        settings = self.settings
        logs = settings.home / "logs"
        settings.prefect_home.mkdir(parents=True, exist_ok=True)
        before = migrate.current(get_engine())
        migrate.upgrade(get_engine())
        if before != migrate.current(get_engine()):
            echo(f"database migrated to {migrate.current(get_engine())}")
        self.credentials, self.new_credentials = ensure_credentials(settings)
        self.env = {
            **os.environ,
            **settings.prefect_environment(),
            "PREFECT_API_URL": f"{self.prefect_url}/api",
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(self.prefect_port),
            "PREFECT_UI_API_URL": f"{self.prefect_url}/api",
            "PREFECT_API_AUTH_STRING": self.credentials,
            "PREFECT_SERVER_API_AUTH_STRING": self.credentials,
            "MOWAKABA_HOME": str(settings.home.resolve()),
            "MOWAKABA_PUBLIC_URL": self.web_url,
            "PYTHONUNBUFFERED": "1",
        }
        python = sys.executable
        server = prefect_server(self.prefect_port, logs / "prefect-server.log")
        serve = Child("serve", [python, "-m", "flows.deployments"], logs / "serve.log")
        web = Child(
            "web",
            [python, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", self.host,
             "--port", str(self.port), "--log-level", "warning"],
            logs / "web.log",
        )  # fmt: skip
        user, password = self.credentials.split(":", 1)
        self.children = [server]
        server.start(self.env)
        echo(f"prefect server starting on {self.prefect_url} (log: {server.log_path})")
        wait_until(
            lambda: answers(f"{self.prefect_url}/api/health", (user, password)),
            seconds=120,
            children=self.children,
        )
        for child in (serve, web):
            self.children.append(child)
            child.start(self.env)
        wait_until(
            lambda: answers(f"{self.web_url}/api/v1/healthz"), seconds=60, children=self.children
        )
        echo(f"deployments served (log: {serve.log_path}); web app on {self.web_url}")

    def watch(self, echo: Callable[[str], None]) -> int:
        """Wait for a signal or a child's death; stop everything; return the exit status."""
        stopping: list[int] = []

        def on_signal(signum: int, _frame: object) -> None:
            stopping.append(signum)

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        status = 0
        try:
            while not stopping:
                for child in self.children:
                    code = child.exit_code()
                    if code is not None:
                        echo(
                            f"{child.name} exited with code {code}; stopping the rest.\n"
                            f"{child.tail()}"
                        )
                        status = 1
                        stopping.append(0)
                        break
                time.sleep(0.5)
        finally:
            self.stop(echo)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return status

    def stop(self, echo: Callable[[str], None]) -> None:
        """Stop every child (SIGTERM to its process group, SIGKILL after a grace period)."""
        for child in reversed(self.children):
            child.stop()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children:
            while child.exit_code() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            if child.exit_code() is None:
                child.kill()
            if child.process is not None:
                child.process.wait()
        # A child's own children (serve's flow-run processes) share its process group.
        for child in self.children:
            child.kill()
        echo("stopped")
