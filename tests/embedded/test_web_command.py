"""The web app's uvicorn command line: forwarded headers are believed from listed proxies only.

Issue 10, defect 5: uvicorn trusts X-Forwarded-For from 127.0.0.1 by default, so a client
behind no proxy could reset the login throttle with a new random address each try.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import httpx
import pytest
from pydantic import ValidationError

from mowakaba.embedded import web_command
from mowakaba.embedded.ports import free_port
from mowakaba.services import auth as auth_service
from mowakaba.settings import REPO_ROOT, Settings


def test_forwarded_headers_are_off_unless_proxies_are_listed():
    default = web_command(Settings(), "127.0.0.1", 8000)
    assert "--no-proxy-headers" in default and "--proxy-headers" not in default
    listed = web_command(Settings(trusted_proxies=" 10.0.0.5, 10.0.1.0/24 "), "127.0.0.1", 8000)
    assert listed[-3:] == ["--proxy-headers", "--forwarded-allow-ips", "10.0.0.5,10.0.1.0/24"]
    for bad in ("*", "proxy.example.org"):
        with pytest.raises(ValidationError):
            Settings(trusted_proxies=bad)


def forged_logins(port: int, count: int) -> list[int]:
    """Failed logins with random user names, each with a new random X-Forwarded-For."""
    statuses = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        for i in range(count):
            forged = ".".join(str(random.randint(1, 254)) for _ in range(4))
            response = client.post(
                "/api/v1/auth/token",
                data={"username": f"guess{i}", "password": "wrong password"},
                headers={"X-Forwarded-For": forged},
            )
            statuses.append(response.status_code)
    return statuses


def serve(settings: Settings) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        web_command(settings, "127.0.0.1", port),
        cwd=REPO_ROOT,
        env={**os.environ, "FORWARDED_ALLOW_IPS": "*"},  # even this is not believed by default
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/healthz", timeout=1).status_code:
                return process, port
        except httpx.HTTPError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    stop(process)
    raise AssertionError("the web app did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.parametrize(
    ("trusted", "throttled"), [("", True), ("127.0.0.1", False)], ids=["default", "behind-proxy"]
)
def test_a_forged_forwarded_for_does_not_escape_the_client_throttle(committed, trusted, throttled):
    process, port = serve(Settings(trusted_proxies=trusted))
    try:
        statuses = forged_logins(port, auth_service.MAX_PER_CLIENT + 1)
    finally:
        stop(process)
    assert statuses[:-1] == [401] * auth_service.MAX_PER_CLIENT
    # By default the peer (127.0.0.1) is the client: its 21st failure waits. Behind a
    # trusted proxy each forwarded address is a client of its own.
    assert statuses[-1] == (429 if throttled else 401)
