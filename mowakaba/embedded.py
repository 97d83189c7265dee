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
import ctypes
import errno
import fcntl
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from mowakaba.settings import REPO_ROOT, Settings

STOP_GRACE_SECONDS = 15
MAX_CRASHES, CRASH_WINDOW_SECONDS = 5, 600
BACKOFF_SECONDS = (1, 2, 4, 8, 16, 30)
PR_SET_PDEATHSIG = 1

Echo = Callable[[str], None]


class StartupFailed(RuntimeError):
    """A part of the system did not come up, or could not be started here."""


class Refused(StartupFailed):
    """Starting was refused before anything started (busy port, data directory in use)."""


class Stopping(BaseException):
    """A signal asked the system to stop (raised wherever the main thread is)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A preexec_fn: the child gets SIGTERM when its parent dies (Linux), even by SIGKILL."""

    def preexec() -> None:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl: go at once
            os._exit(1)

    return preexec


@dataclass
class Child:
    """One process of the system, with its log file and its crash history."""

    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    crashes: deque[float] = field(default_factory=deque)
    restart_at: float | None = None

    def start(self, env: dict[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped with all it starts
                preexec_fn=_die_with_parent(os.getpid()),
            )

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal_group(self, signum: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Watchdog:
    """A process that stops the listed process groups if this one dies (see watchdog.py)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self._pipe: IO[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mowakaba.watchdog"],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._pipe = self.process.stdin

    def _say(self, line: str) -> None:
        if self._pipe is not None:
            with contextlib.suppress(OSError, ValueError):
                self._pipe.write(f"{line}\n".encode())
                self._pipe.flush()

    def watch(self, pgid: int) -> None:
        self._say(f"+{pgid}")

    def forget(self, pgid: int) -> None:
        self._say(f"-{pgid}")

    def stop(self) -> None:
        """Close the pipe: the watchdog stops what is still listed (nothing, normally), exits."""
        if self._pipe is not None:
            with contextlib.suppress(OSError):
                self._pipe.close()
            self._pipe = None
        if self.process is not None:
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS + 5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---------------------------------------------------------------- ports and the data directory


def port_free(host: str, port: int) -> bool:
    """Tell whether a TCP port can be listened on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            next(rows, None)
            for row in rows:
                fields = row.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    inodes.add(inode)
    return inodes


def port_owner(port: int) -> tuple[int, str | None] | None:
    """Find the process listening on a port and its MOWAKABA_HOME (Linux /proc; else None)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(pid), _home_of(int(pid))
    return None


def _home_of(pid: int) -> str | None:
    with contextlib.suppress(OSError):
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        for entry in environ:
            if entry.startswith(b"MOWAKABA_HOME="):
                return entry.split(b"=", 1)[1].decode(errors="replace")
    return None


def refuse_busy_port(host: str, port: int, what: str, home: Path) -> None:
    """Raise Refused, in one line naming the port (and the other Mowakaba home, if one)."""
    if port_free(host, port):
        return
    owner = port_owner(port)
    holder = ""
    if owner is not None:
        pid, other_home = owner
        if other_home is not None and Path(other_home).resolve() != home.resolve():
            holder = f" by another Mowakaba (data directory {other_home}, pid {pid})"
        elif other_home is not None:
            holder = f" by a Mowakaba process of this data directory (pid {pid})"
        else:
            holder = f" (pid {pid})"
    option = "--port" if what == "web app" else "--prefect-port"
    raise Refused(f"port {port} ({what}) is in use{holder}: stop it, or choose {option}")


@contextlib.contextmanager
def home_lock(home: Path) -> Iterator[None]:
    """Hold the data directory for one `mowakaba up` at a time (refused while another holds it)."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "up.lock"
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.seek(0)
        pid = handle.read().strip() or "?"
        handle.close()
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            raise Refused(
                f"another `mowakaba up` is running on {home} (pid {pid}): stop it first"
            ) from None
        raise
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock (the kernel does too if we are killed)


# ---------------------------------------------------------------- readiness


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


# ---------------------------------------------------------------- supervision


class Supervisor:
    """Children started, watched, restarted with backoff, and always stopped."""

    def __init__(self, echo: Echo) -> None:
        self.echo = echo
        self.children: list[Child] = []
        self.env: dict[str, str] = {}
        self.watchdog = Watchdog()

    def start(self, child: Child) -> None:
        if self.watchdog.process is None:
            self.watchdog.start()
        if child not in self.children:
            self.children.append(child)
        child.start(self.env)
        assert child.pid is not None
        self.watchdog.watch(child.pid)

    def check(self, now: float | None = None) -> None:
        """Restart the children that died (after their backoff); give up after repeated crashes."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restart_at = None
                    self.echo(f"restarting {child.name}")
                    self.start(child)
                continue
            code = child.exit_code()
            if code is None:
                continue
            assert child.pid is not None
            child.signal_group(signal.SIGKILL)  # whatever it left behind in its group
            self.watchdog.forget(child.pid)
            child.crashes.append(now)
            while child.crashes and now - child.crashes[0] > CRASH_WINDOW_SECONDS:
                child.crashes.popleft()
            if len(child.crashes) >= MAX_CRASHES:
                raise StartupFailed(
                    f"{child.name} crashed {len(child.crashes)} times in "
                    f"{CRASH_WINDOW_SECONDS // 60} minutes (last exit code {code}); giving up:\n"
                    f"{child.tail()}"
                )
            delay = BACKOFF_SECONDS[min(len(child.crashes), len(BACKOFF_SECONDS)) - 1]
            self.echo(f"{child.name} exited with code {code}; restarting in {delay} s "
                      f"(log: {child.log_path})")  # fmt: skip
            child.restart_at = now + delay

    def stop(self) -> None:
        """Stop every child (SIGTERM to its group, SIGKILL after a grace period), newest first."""
        for child in reversed(self.children):
            if child.running():
                child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children:
            while child.running() and time.monotonic() < deadline:
                time.sleep(0.1)
            # A child's own children (serve's flow-run processes) share its process group.
            child.signal_group(signal.SIGKILL)
            if child.process is not None:
                child.process.wait()
                self.watchdog.forget(child.process.pid)
        self.watchdog.stop()


@contextlib.contextmanager
def signals_stop() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into `Stopping`, raised wherever the main thread is."""

    def on_signal(signum: int, _frame: object) -> None:
        raise Stopping(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def signals_deferred() -> Iterator[list[int]]:
    """While stopping: note signals instead of acting on them (a second Ctrl-C waits)."""
    received: list[int] = []
    previous = {
        s: signal.signal(s, lambda signum, _f: received.append(signum))
        for s in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# ---------------------------------------------------------------- the system


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
        refuse_busy_port(self.host, self.port, "web app", self.settings.home)
        refuse_busy_port("127.0.0.1", self.prefect_port, "Prefect server", self.settings.home)

    def web_is_ours(self) -> bool:
        """Tell whether the web app answering is the one this system started."""
        try:
            response = httpx.get(f"{self.web_url}/api/v1/healthz", timeout=2.0)
            return bool(response.json().get("instance") == self.instance)
        except (httpx.HTTPError, ValueError, AttributeError):
            return False

    def start(self, echo: Echo) -> None:
        """Migrate, then start the Prefect server, the deployments' serve(), and the web app."""
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
            "MOWAKABA_PUBLIC_URL": self.web_url,
            "MOWAKABA_INSTANCE": self.instance,
            "PYTHONUNBUFFERED": "1",
        }
        python = sys.executable
        server = prefect_server(self.prefect_port, logs / "prefect-server.log")
        serve = Child("serve", [python, "-m", "flows.serve"], logs / "serve.log")
        web = Child(
            "web",
            [python, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", self.host,
             "--port", str(self.port), "--log-level", "warning"],
            logs / "web.log",
        )  # fmt: skip
        user, password = self.credentials.split(":", 1)
        supervisor.start(server)
        echo(f"prefect server starting on {self.prefect_url} (log: {server.log_path})")
        # The web app needs no Prefect to serve: it starts meanwhile.
        supervisor.start(web)
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
    def running(self, echo: Echo) -> Iterator[System]:
        """Hold the data directory, check the ports, start; stop everything on the way out,
        whatever the way out is (return, exception, Ctrl-C, SIGTERM)."""
        with home_lock(self.settings.home):
            self.check_free()
            try:
                self.start(echo)
                yield self
            finally:
                self.stop(echo)


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
