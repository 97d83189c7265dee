"""`mowakaba up` in a subprocess, on free ports with a temporary data directory."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except httpx.HTTPError:
            pass
        time.sleep(1)
    return False


def descendants(pid: int) -> set[int]:
    children = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True
    ).stdout.split()
    found = {int(c) for c in children}
    for child in list(found):
        found |= descendants(child)
    return found


def test_up_serves_everything_and_sigterm_leaves_nothing_behind(tmp_path):
    port, prefect_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DATABASE_URL"))}
    env.update({"MOWAKABA_HOME": str(tmp_path / "home"), "DO_NOT_TRACK": "1"})
    process = subprocess.Popen(
        [sys.executable, "-c", "from mowakaba.cli import main; main()", "up",
         "--port", str(port), "--prefect-port", str(prefect_port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        web = f"http://127.0.0.1:{port}"
        assert wait_for(
            lambda: httpx.get(f"{web}/api/v1/healthz", timeout=3).status_code == 200, 150
        )
        health = httpx.get(f"{web}/api/v1/healthz").json()
        assert health["database"]["ok"] and health["prefect"]["ok"]
        credentials = (tmp_path / "home" / "prefect-auth").read_text().strip()
        auth = tuple(credentials.split(":", 1))
        api = f"http://127.0.0.1:{prefect_port}/api"
        assert httpx.get(f"{api}/health", auth=auth).json() is True
        assert httpx.post(f"{api}/flow_runs/filter", json={}).status_code == 401  # basic auth

        def sweep_scheduled() -> bool:
            runs = httpx.post(
                f"{api}/flow_runs/filter",
                json={"flows": {"name": {"any_": ["sweep"]}}, "limit": 5},
                auth=auth,
            ).json()
            return bool(runs)

        assert wait_for(sweep_scheduled, 60)
        assert "Web app:" in "".join(_read_available(process))
        family = descendants(process.pid)
        assert len(family) >= 3  # the Prefect server, serve(), the web app
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    time.sleep(1)
    alive = [pid for pid in family if _alive(pid)]
    assert alive == []
    assert process.returncode == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is already dead; only its parent has not read its status.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def _read_available(process) -> list[str]:
    os.set_blocking(process.stdout.fileno(), False)
    lines = []
    while True:
        line = process.stdout.readline()
        if not line:
            return lines
        lines.append(line)
