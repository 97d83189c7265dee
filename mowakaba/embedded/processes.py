"""Child processes that die with their parent, a watchdog, and a supervisor that restarts
crashed children with backoff and always stops them all."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from mowakaba.home import DIR_MODE, FILE_MODE, PRIVATE_UMASK
from mowakaba.settings import REPO_ROOT

STOP_GRACE_SECONDS = 15
MAX_CRASHES, CRASH_WINDOW_SECONDS = 5, 600
BACKOFF_SECONDS = (1, 2, 4, 8, 16, 30)
PR_SET_PDEATHSIG = 1

Echo = Callable[[str], None]


class StartupFailed(RuntimeError):
    """A part of the system did not come up, or could not be started here."""


class Refused(StartupFailed):
    """Starting was refused before anything started (busy port, data directory in use)."""


_requested: list[int] = []  # signals received by signals_stop(), in order


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
        self.log_path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        with os.fdopen(fd, "ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped with all it starts
                preexec_fn=_die_with_parent(os.getpid()),
                umask=PRIVATE_UMASK,  # its files (databases, logs) are its owner's only
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
    """A process that stops the listed process groups if this one dies (watchdog.py)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self._pipe: IO[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mowakaba.embedded.watchdog"],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            umask=PRIVATE_UMASK,
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
    """Turn SIGINT and SIGTERM into `Stopping`, raised wherever the main thread is.

    The signal is also noted: an exception raised while Python runs a finaliser or a
    weakref callback is printed and dropped, so the long steps call `check_stop()`.
    """

    def on_signal(signum: int, _frame: object) -> None:
        _requested.append(signum)
        raise Stopping(signum)

    _requested.clear()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def check_stop() -> None:
    """Raise `Stopping` if a stop was asked for (a signal whose exception may have been lost)."""
    if _requested:
        raise Stopping(_requested[0])


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
