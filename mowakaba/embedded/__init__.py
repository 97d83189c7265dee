"""`mowakaba up`: the whole system on one machine, as supervised child processes.

A real Prefect server on SQLite (with its UI, behind basic auth), one `serve()`
process for the deployments, and the web app. Logs go to the data directory;
the terminal gets a summary.

Whatever happens, nothing is left running:
- the ports and the data directory are checked before anything starts (a busy
  port or a second `up` on the same directory is refused in one line);
- Ctrl-C or SIGTERM at any moment (start, seeding, running) and any exception
  stop every child (`System.running()`);
- SIGKILL of `up` itself: each child gets SIGTERM from the kernel (Linux's
  parent-death signal), and a watchdog process stops their process groups
  (with everything they started) within seconds;
- a child that crashes is restarted with backoff while the others keep serving;
  after 5 crashes of one child in 10 minutes the system stops.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from mowakaba import crypto
from mowakaba import home as data_home
from mowakaba.embedded.ports import free_port, home_lock, refuse_busy_port
from mowakaba.embedded.processes import (
    Child,
    Echo,
    Refused,
    StartupFailed,
    Stopping,
    Supervisor,
    check_stop,
    signals_deferred,
    signals_stop,
)
from mowakaba.settings import Settings

__all__ = [
    "Child", "Refused", "StartupFailed", "Stopping", "Supervisor", "System", "free_port",
    "check_stop", "private_prefect_server", "signals_stop",
]  # fmt: skip


def web_command(settings: Settings, host: str, port: int) -> list[str]:
    """The web app's command line: uvicorn, trusting forwarded headers from the configured
    proxies only (MOWAKABA_TRUSTED_PROXIES; none by default)."""
    return [
        sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", host,
        "--port", str(port), "--log-level", "warning", *settings.web_server_options(),
    ]  # fmt: skip


def answers(url: str, auth: tuple[str, str] | None = None) -> bool:
    """Tell whether a URL answers 200."""
    try:
        return httpx.get(url, auth=auth, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(check: Callable[[], bool], *, seconds: float, children: list[Child]) -> None:
    """Poll until a check passes; fail if a child dies or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        check_stop()
        for child in children:
            code = child.exit_code()
            if code is not None:
                raise StartupFailed(f"{child.name} exited with code {code}:\n{child.tail()}")
        if check():
            return
        time.sleep(0.3)
    raise StartupFailed(f"not ready after {seconds:.0f} s")


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


# The server's background services that a private replay server does without (~25 % of
# its time measured): flow runs, states and logs are all still recorded.
QUIET_SERVICES = {
    f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false"
    for name in (
        "EVENT_PERSISTER", "TRIGGERS", "SCHEDULER", "LATE_RUNS", "FOREMAN",
        "CANCELLATION_CLEANUP", "PAUSE_EXPIRATIONS", "REPOSSESSOR", "EVENT_LOGGER",
    )
}  # fmt: skip


def prefect_server(port: int, log_path: Path) -> Child:
    """A `prefect server start` child on a loopback port."""
    return Child(
        "prefect-server",
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)],
        log_path,
    )  # fmt: skip


def prefect_accepts(url: str, auth: tuple[str, str] | None) -> bool:
    """Tell whether the Prefect API at `url` answers an authenticated request with `auth`.

    `/api/health` needs no login, so a stranger's server would pass it: this one does.
    """
    try:
        response = httpx.post(f"{url}/api/flows/filter", json={"limit": 1}, auth=auth, timeout=2)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


@dataclass
class System:
    """The running system: its children, addresses and credentials."""

    settings: Settings
    host: str
    port: int
    prefect_port: int
    credentials: str = ""
    new_credentials: bool = False
    instance: str = field(default_factory=lambda: secrets.token_hex(8))
    supervisor: Supervisor | None = None

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def prefect_url(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}"

    @property
    def env(self) -> dict[str, str]:
        return self.supervisor.env if self.supervisor else {}

    @property
    def children(self) -> list[Child]:
        return self.supervisor.children if self.supervisor else []

    def check_free(self) -> None:
        """Refuse, before anything starts, ports that another process holds."""
        if self.port == self.prefect_port:
            raise Refused(
                f"the web app and the Prefect server need two ports, not {self.port} for both"
            )
        refuse_busy_port(self.host, self.port, "web app", self.settings.home)
        refuse_busy_port("127.0.0.1", self.prefect_port, "Prefect server", self.settings.home)

    def web_is_ours(self) -> bool:
        """Tell whether the web app answering is the one this system started."""
        try:
            response = httpx.get(f"{self.web_url}/api/v1/healthz", timeout=2.0)
            return bool(response.json().get("instance") == self.instance)
        except (httpx.HTTPError, ValueError, AttributeError):
            return False

    def start(self, echo: Echo, meanwhile: Callable[[], None] | None = None) -> None:
        """Migrate, then start the Prefect server, the deployments' serve(), and the web app.

        `meanwhile` runs while the Prefect server starts (~15 s): work that needs only the
        app database (the demo's seeding), in this thread, so a signal stops it too.
        """
        from mowakaba import migrate
        from mowakaba.db import get_engine

        settings = self.settings
        self.supervisor = supervisor = Supervisor(echo)
        logs = settings.home / "logs"
        settings.prefect_home.mkdir(parents=True, exist_ok=True)
        before = migrate.current(get_engine())
        migrate.upgrade(get_engine())
        if before != migrate.current(get_engine()):
            echo(f"database migrated to {migrate.current(get_engine())}")
        plaintext_notice(echo)
        self.credentials, self.new_credentials = ensure_credentials(settings)
        supervisor.env = {
            **os.environ,
            **settings.prefect_environment(),
            "PREFECT_API_URL": f"{self.prefect_url}/api",
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(self.prefect_port),
            "PREFECT_UI_API_URL": f"{self.prefect_url}/api",
            "PREFECT_API_AUTH_STRING": self.credentials,
            "PREFECT_SERVER_API_AUTH_STRING": self.credentials,
            "MOWAKABA_HOME": str(settings.home.resolve()),
            # The address people reach (a proxy's, when the operator set it), else ours.
            "MOWAKABA_PUBLIC_URL": os.environ.get("MOWAKABA_PUBLIC_URL") or self.web_url,
            "MOWAKABA_INSTANCE": self.instance,
            "PYTHONUNBUFFERED": "1",
        }
        python = sys.executable
        server = prefect_server(self.prefect_port, logs / "prefect-server.log")
        serve = Child("serve", [python, "-m", "flows.serve"], logs / "serve.log")
        web = Child("web", web_command(settings, self.host, self.port), logs / "web.log")
        user, password = self.credentials.split(":", 1)
        supervisor.start(server)
        echo(f"prefect server starting on {self.prefect_url} (log: {server.log_path})")
        # The web app needs no Prefect to serve: it starts meanwhile.
        supervisor.start(web)
        if meanwhile is not None:
            meanwhile()
            check_stop()
        wait_until(
            lambda: prefect_accepts(self.prefect_url, (user, password)),
            seconds=120,
            children=supervisor.children,
        )
        supervisor.start(serve)
        wait_until(self.web_is_ours, seconds=60, children=supervisor.children)
        echo(f"deployments served (log: {serve.log_path}); web app on {self.web_url}")

    def watch(self, echo: Echo, *, poll_seconds: float = 0.5) -> None:
        """Supervise until a signal (`Stopping`) or too many crashes (`StartupFailed`)."""
        assert self.supervisor is not None
        while True:
            check_stop()
            self.supervisor.check()
            time.sleep(poll_seconds)

    def stop(self, echo: Echo) -> None:
        """Stop every child; signals received meanwhile are noted, not acted on."""
        if self.supervisor is None:
            return
        with signals_deferred():
            self.supervisor.stop()
        echo("stopped")

    @contextlib.contextmanager
    def running(self, echo: Echo, meanwhile: Callable[[], None] | None = None) -> Iterator[System]:
        """Hold the data directory, check the ports, start; stop everything on the way out,
        whatever the way out is (return, exception, Ctrl-C, SIGTERM)."""
        if data_home.make_private(self.settings.home):
            echo(data_home.notice(self.settings.home))
        if created := crypto.ensure_key_file():
            echo(f"encryption key created in {created} (keep a copy apart from backups)")
        with home_lock(self.settings.home, (self.port, self.prefect_port)):
            self.check_free()
            try:
                self.start(echo, meanwhile)
                yield self
            finally:
                self.stop(echo)


def plaintext_notice(echo: Echo) -> None:
    """Warn in one line when notes or documents are still in the clear (`keys rotate`)."""
    from mowakaba.db import session_scope
    from mowakaba.services.encryption import plaintext_warning

    with session_scope(write=False) as session:
        warning = plaintext_warning(session)
    if warning:
        echo(warning)


@contextlib.contextmanager
def private_prefect_server(home: Path, *, quiet: bool = True) -> Iterator[str]:
    """A Prefect server of this process's own on a free loopback port (no auth), for a
    replay or a benchmark; yields its API URL and stops it, whatever happens."""
    port = free_port()
    supervisor = Supervisor(lambda _line: None)
    supervisor.env = {**os.environ, **(QUIET_SERVICES if quiet else {})}
    supervisor.env.pop("PREFECT_API_AUTH_STRING", None)
    supervisor.env.pop("PREFECT_SERVER_API_AUTH_STRING", None)
    server = prefect_server(port, home / "logs" / "prefect-server.log")
    try:
        supervisor.start(server)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: answers(f"{url}/api/health"), seconds=120, children=[server])
        yield f"{url}/api"
    finally:
        with signals_deferred():
            supervisor.stop()
