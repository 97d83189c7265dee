"""`mowakaba web` in a subprocess: serves, stops on a signal, refuses a database behind its
migrations, no encryption key, a busy port. Each run has its own database (a SQLite file,
or a throw-away PostgreSQL database) and data directory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mowakaba import crypto
from mowakaba.cli.web import web_argv
from tests import dbsetup

MOWAKABA = str(Path(sys.executable).parent / "mowakaba")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def web_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of a production web host: its own migrated database and home."""
    home = tmp_path_factory.mktemp("web-home")
    if dbsetup.backend() == "postgresql":
        url = dbsetup.create_postgres_database()
    else:
        url = f"sqlite:///{home / 'mowakaba.db'}"
    env = {
        **os.environ,
        "MOWAKABA_HOME": str(home),
        "DATABASE_URL": url,
        "MOWAKABA_ENCRYPTION_KEYS": crypto.new_key(),  # production: from the secret store
        # A Prefect that does not answer: the web app serves without it (degraded).
        "MOWAKABA_PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api",
    }
    env.pop("PREFECT_API_URL", None)
    try:
        mowakaba("db", "upgrade", env=env, check=True)
        yield env
    finally:
        if dbsetup.backend() == "postgresql":
            dbsetup.drop_postgres_database(url)


def mowakaba(
    *args: str, env: dict[str, str], check: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MOWAKABA, *args], env=env, capture_output=True, text=True, timeout=60, check=check
    )


def processes_of(home: str) -> list[int]:
    """The live processes whose environment names this data directory."""
    marker = f"MOWAKABA_HOME={home}".encode()
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker in environ and int(entry) != os.getpid():
            found.append(int(entry))
    return found


def wait_healthy(url: str, process: subprocess.Popen[str], seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return dict(response.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {seconds} s")


@pytest.mark.parametrize(
    ("workers", "signum"), [(1, signal.SIGINT), (2, signal.SIGTERM)], ids=["ctrl-c", "sigterm"]
)
def test_web_serves_healthz_and_a_signal_stops_it_with_its_workers(web_env, workers, signum):
    port = free_port()
    process = subprocess.Popen(
        [MOWAKABA, "web", "--port", str(port), "--workers", str(workers)],
        env=web_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        health = wait_healthy(f"http://127.0.0.1:{port}/api/v1/healthz", process)
        assert health["database"] == {"ok": True}
        assert health["status"] == "degraded"  # no Prefect: people keep working
        if workers > 1:  # uvicorn's manager and its worker processes
            assert len(processes_of(web_env["MOWAKABA_HOME"])) >= workers + 1
        process.send_signal(signum)  # the command's own pid: it became uvicorn
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0, output
    assert f"web app on http://127.0.0.1:{port} ({workers} worker" in output
    deadline = time.monotonic() + 5
    while processes_of(web_env["MOWAKABA_HOME"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_of(web_env["MOWAKABA_HOME"]) == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/v1/healthz", timeout=2)


def test_web_refuses_a_database_behind_its_migrations(web_env):
    assert mowakaba("db", "downgrade", "--", "-1", env=web_env).returncode == 0
    try:
        port = free_port()
        refused = mowakaba("web", "--port", str(port), env=web_env)
        assert refused.returncode == 2
        assert "is not migrated: run `mowakaba db upgrade`" in refused.stderr
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/api/v1/healthz", timeout=2)
    finally:
        mowakaba("db", "upgrade", env=web_env, check=True)


def test_web_refuses_to_serve_without_an_encryption_key(web_env, tmp_path):
    keyless = {k: v for k, v in web_env.items() if k != "MOWAKABA_ENCRYPTION_KEYS"}
    keyless["MOWAKABA_HOME"] = str(tmp_path)  # no key file there either
    refused = mowakaba("web", "--port", str(free_port()), env=keyless)
    assert refused.returncode == 2
    assert "error: no encryption key: set MOWAKABA_ENCRYPTION_KEYS" in refused.stderr


def test_web_refuses_a_busy_port_in_one_line(web_env):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        refused = mowakaba("web", "--port", str(port), env=web_env)
    assert refused.returncode == 2
    assert f"error: port {port} (web app) is in use" in refused.stderr


def test_web_trusts_forwarded_headers_only_from_the_listed_proxies(monkeypatch):
    from mowakaba.settings import get_settings

    monkeypatch.setenv("MOWAKABA_TRUSTED_PROXIES", "10.0.0.5,10.0.1.0/24")
    get_settings.cache_clear()
    try:
        argv = web_argv("0.0.0.0", 8000, 3)
    finally:
        monkeypatch.delenv("MOWAKABA_TRUSTED_PROXIES")
        get_settings.cache_clear()
    assert argv[argv.index("--forwarded-allow-ips") + 1] == "10.0.0.5,10.0.1.0/24"
    assert argv[argv.index("--workers") + 1] == "3"
    assert "api.main:create_app" in argv and "--factory" in argv
    assert "--workers" not in web_argv("0.0.0.0", 8000, 1)
