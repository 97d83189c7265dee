"""`mowakaba up` and `demo` in subprocesses, on free ports with temporary data directories.

Whatever the moment (starting, seeding, running) and however it is stopped (Ctrl-C,
SIGTERM, SIGKILL, an exception), no process of the system is left: each test counts
the processes whose environment names its data directory, and wants 0.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests import dbsetup

pytestmark = pytest.mark.skipif(
    dbsetup.backend() != "sqlite",
    reason="`mowakaba up` runs on its own SQLite data directory; once per suite is enough",
)

# Seeding replaced in the child process (no test hook in the product): slow, or failing.
SLOW_SEED = """
import time
import mowakaba.sim.demo as demo
def seed(*args, **kwargs):
    print("SEEDING", flush=True)
    time.sleep(600)
demo.seed_demo, demo.is_seeded = seed, lambda: False
"""
FAILING_SEED = """
import mowakaba.sim.demo as demo
def seed(*args, **kwargs):
    raise RuntimeError("the seed broke")
demo.seed_demo, demo.is_seeded = seed, lambda: False
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_of(home: Path) -> list[int]:
    """The live processes whose environment names this data directory."""
    marker = f"MOWAKABA_HOME={home}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in environ and state != "Z":
            found.append(int(entry))
    return found


def wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    return False


class Mowakaba:
    """A `mowakaba` command in a subprocess, its output collected line by line."""

    def __init__(self, home: Path, *args: str, before: str = "") -> None:
        self.home = home
        self.port, self.prefect_port = free_port(), free_port()
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DATABASE_URL"))
        }
        env.update({"MOWAKABA_HOME": str(home), "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1"})
        code = f"{before}\nfrom mowakaba.cli import main\nmain()"
        ports = ["--port", str(self.port), "--prefect-port", str(self.prefect_port)]
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, *args, *ports],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def said(self, text: str, seconds: float = 150) -> bool:
        return wait_for(
            lambda: text in self.output or self.process.poll() is not None, seconds
        ) and (text in self.output)

    def health(self) -> dict:
        return httpx.get(f"http://127.0.0.1:{self.port}/api/v1/healthz", timeout=3).json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=60)
        for pid in processes_of(self.home):  # never leave a failed test's processes behind
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Callable[..., Mowakaba]]:
    started: list[Mowakaba] = []

    def start(*args: str, before: str = "", home: Path | None = None) -> Mowakaba:
        command = Mowakaba(home or tmp_path / f"home{len(started)}", *args, before=before)
        started.append(command)
        return command

    yield start
    for command in started:
        command.stop()


def command(*args: str, home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """A short `mowakaba` command on a data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DATABASE_URL"))}
    env.update({"MOWAKABA_HOME": str(home), **extra})
    return subprocess.run(
        [sys.executable, "-m", "mowakaba.cli", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def child_pid(home: Path, name: str) -> int:
    for pid in processes_of(home):
        if name in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode():
            return pid
    raise AssertionError(f"no {name} process")


def test_up_serves_restarts_a_crashed_prefect_and_sigterm_leaves_nothing(run):
    up = run("up")
    assert up.said("Ready in"), up.output
    health = up.health()
    assert health["status"] == "ok" and health["database"]["ok"] and health["prefect"]["ok"]
    credentials = (up.home / "prefect-auth").read_text().strip()
    auth = tuple(credentials.split(":", 1))
    api = f"http://127.0.0.1:{up.prefect_port}/api"
    assert httpx.post(f"{api}/flow_runs/filter", json={}).status_code == 401  # basic auth
    assert len(processes_of(up.home)) >= 5  # up, the watchdog, the server, serve(), the web app

    # A command on the same data directory finds this server, whatever its port; one on
    # another directory pointed at it is refused in one line (another system's server).
    same = command("sweep", home=up.home)
    assert same.returncode == 0 and "does not answer" not in same.stderr, same.stderr
    other = up.home.parent / "other"
    assert command("db", "upgrade", home=other).returncode == 0
    refused = command("sweep", home=other, MOWAKABA_PREFECT_PORT=str(up.prefect_port))
    assert refused.returncode == 2
    (line,) = refused.stderr.strip().splitlines()
    assert "refuses this data directory's credentials" in line

    os.kill(child_pid(up.home, "prefect server start"), signal.SIGKILL)
    # The web app keeps serving, and says Prefect is down, until the server is back.
    assert wait_for(lambda: up.health()["prefect"]["ok"] is False, 10)
    assert up.health()["status"] == "degraded"
    assert wait_for(lambda: up.health()["prefect"]["ok"] is True, 120), up.output
    assert "restarting prefect-server" in up.output
    assert wait_for(
        lambda: httpx.post(f"{api}/flows/filter", json={}, auth=auth).status_code == 200, 30
    )

    up.process.send_signal(signal.SIGTERM)
    assert up.process.wait(timeout=60) == 0
    assert processes_of(up.home) == []
    assert "Traceback" not in up.output


@pytest.mark.parametrize(
    ("args", "before", "moment"),
    [(("up",), "", "prefect server starting"), (("demo",), SLOW_SEED, "SEEDING")],
    ids=["while-prefect-starts", "while-the-demo-seeds"],
)
def test_ctrl_c_at_a_bad_moment_leaves_nothing(run, args, before, moment):
    command = run(*args, before=before)
    assert command.said(moment), command.output
    command.process.send_signal(signal.SIGINT)
    assert command.process.wait(timeout=60) == 0
    assert processes_of(command.home) == []
    assert "Traceback" not in without_fork_child_noise(command.output)


# A Ctrl-C that lands while a child is being forked: CPython runs its at-fork hooks in the
# child (a `preexec_fn` is set: die with the parent) while the child still shares our
# stderr, and the pending signal is reported there as an *ignored* exception; the child
# goes on to exec and is stopped with the rest. Noise, not a crash: any other traceback fails.
FORK_CHILD_NOISE = re.compile(
    r"Exception ignored in: <function _after_at_fork_child_reinit_locks[^\n]*\n"
    r"Traceback \(most recent call last\):\n(?:[ \t].*\n)*\S[^\n]*\n?"
)


def without_fork_child_noise(output: str) -> str:
    return FORK_CHILD_NOISE.sub("", output)


def test_kill_9_of_up_while_seeding_stops_every_child_within_seconds(run):
    demo = run("demo", before=SLOW_SEED)
    assert demo.said("SEEDING"), demo.output
    assert len(processes_of(demo.home)) >= 4  # up, the watchdog, the server, the web app
    demo.process.kill()
    demo.process.wait()
    assert wait_for(lambda: processes_of(demo.home) == [], 20), processes_of(demo.home)


def test_an_exception_while_seeding_stops_everything_in_one_line(run):
    demo = run("demo", before=FAILING_SEED)
    assert demo.process.wait(timeout=180) == 1
    assert "error: RuntimeError: the seed broke" in demo.output
    assert "Traceback" not in demo.output
    assert "the seed broke" in (demo.home / "logs" / "mowakaba.log").read_text()
    assert processes_of(demo.home) == []


def test_a_busy_port_is_refused_in_one_line_before_anything_starts(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        home = tmp_path / "busy"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.pop("DATABASE_URL", None)
        env["MOWAKABA_HOME"] = str(home)
        refused = subprocess.run(
            [sys.executable, "-m", "mowakaba.cli", "up", "--prefect-port", str(busy),
             "--port", str(free_port())],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert refused.returncode == 2
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(f"error: port {busy} (Prefect server) is in use")
    assert f"pid {os.getpid()}" in line and line.endswith("or choose --prefect-port")
    assert not (home / "mowakaba.db").exists()  # nothing migrated, nothing seeded
    assert processes_of(home) == []


def test_a_second_up_on_the_same_data_directory_is_refused(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with (home / "up.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write("4242\n")
        lock.flush()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.pop("DATABASE_URL", None)
        env["MOWAKABA_HOME"] = str(home)
        refused = subprocess.run(
            [sys.executable, "-m", "mowakaba.cli", "up", "--port", str(free_port()),
             "--prefect-port", str(free_port())],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"error: another `mowakaba up` is running on {home} (pid 4242): stop it first"
    )
    assert not (home / "mowakaba.db").exists()


def test_one_port_for_both_servers_is_refused_before_anything_starts(tmp_path):
    port = str(free_port())
    done = command("up", "--port", port, "--prefect-port", port, home=tmp_path / "home")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: the web app and the Prefect server need two ports, not {port} for both"
    )
    assert not (tmp_path / "home" / "mowakaba.db").exists()
