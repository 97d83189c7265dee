"""Benchmarks of what a person waits for: a command's start, the demo's start.

Each figure is the wall time of a real process, as a person would see it: the
`mowakaba` command run again and again in a fresh interpreter, and `mowakaba demo`
started on a fresh data directory (cold) and again on the same one (warm).
Each measured command runs in a process of its own: what this module imports is not
measured.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mowakaba.embedded.ports import free_port
from mowakaba.settings import REPO_ROOT

# Targets (issue "speed a person feels"), as wall time of the whole process.
HELP_TARGET, WORK_LIST_TARGET = 0.5, 1.5
DEMO_COLD_TARGET, DEMO_WARM_TARGET = 45.0, 15.0


@dataclass
class Figure:
    """A benchmark's runs, in seconds, beside its target."""

    what: str
    seconds: list[float]
    target: float

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def met(self) -> bool:
        return self.median <= self.target

    def line(self) -> str:
        runs = ", ".join(f"{s:.2f}" for s in self.seconds)
        verdict = "met" if self.met else "MISSED"
        return (
            f"{self.what:<34} median {self.median:6.2f} s  (runs: {runs})  "
            f"target ≤ {self.target:g} s: {verdict}"
        )


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a fresh `mowakaba` process on a data directory of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MOWAKABA_"))}
    env.pop("DATABASE_URL", None)
    env.update({"MOWAKABA_HOME": str(home), "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1"})
    return env


def mowakaba_argv(*args: str) -> list[str]:
    """The `mowakaba` console script beside this interpreter, with arguments."""
    script = Path(sys.executable).with_name("mowakaba")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "mowakaba.cli"]


def time_command(argv: list[str], env: dict[str, str]) -> float:
    """Run a command to its end; return its wall time (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=REPO_ROOT, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - started


def command_start(runs: int, progress: Callable[[str], None] = lambda _: None) -> list[Figure]:
    """`mowakaba --help` and `mowakaba work list` (on a migrated empty database), N runs each."""
    home = Path(tempfile.mkdtemp(prefix="mowakaba-bench-"))
    try:
        env = clean_env(home)
        time_command(mowakaba_argv("db", "upgrade"), env)
        figures = []
        for what, args, target in (
            ("mowakaba --help", ("--help",), HELP_TARGET),
            ("mowakaba work list", ("work", "list"), WORK_LIST_TARGET),
        ):
            seconds = []
            for run in range(runs):
                progress(f"{what}: run {run + 1}/{runs}")
                seconds.append(time_command(mowakaba_argv(*args), env))
            figures.append(Figure(what, seconds, target))
        return figures
    finally:
        shutil.rmtree(home, ignore_errors=True)


def demo_until_ready(home: Path, *, youths: int, timeout: float = 600) -> float:
    """Start `mowakaba demo`, wait for "Ready", stop it with Ctrl-C; return the seconds to ready.

    Ports are free ones; the process is stopped (and waited for) whatever happens.
    """
    argv = mowakaba_argv(
        "demo", "--youths", str(youths), "--port", str(free_port()),
        "--prefect-port", str(free_port()),
    )  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=clean_env(home), cwd=REPO_ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    ready = threading.Event()
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Ready in" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.perf_counter() + timeout
        while not ready.is_set():
            if process.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError("demo did not become ready:\n" + "".join(lines[-20:]))
            time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        interrupt(process)
        reader.join(timeout=5)


def interrupt(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """Stop a `mowakaba up`/`demo` as a person does (Ctrl-C), then kill it after a minute."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def demo_start(
    *, youths: int, warm_runs: int, progress: Callable[[str], None] = lambda _: None
) -> list[Figure]:
    """The demo's first start on a fresh data directory, then `warm_runs` starts on it again."""
    home = Path(tempfile.mkdtemp(prefix="mowakaba-bench-demo-"))
    try:
        progress("demo, cold start (fresh data directory)")
        cold = demo_until_ready(home, youths=youths)
        warm = []
        for run in range(warm_runs):
            progress(f"demo, warm start {run + 1}/{warm_runs}")
            warm.append(demo_until_ready(home, youths=youths))
        return [
            Figure(f"mowakaba demo, cold ({youths} youths)", [cold], DEMO_COLD_TARGET),
            Figure("mowakaba demo, warm", warm, DEMO_WARM_TARGET),
        ]
    finally:
        shutil.rmtree(home, ignore_errors=True)
