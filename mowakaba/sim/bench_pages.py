"""The dashboard through the real app: p95 over ~50 requests, beside a baseline endpoint.

The app runs in a uvicorn process of its own (a free loopback port, stopped however the
benchmark ends: it also dies with this process); an httpx client signs in through the
form as a browser does and asks for `/dashboard` again and again, then for the API's
`/api/v1/me` (authenticates, one indexed SELECT) as the baseline, with a token of the
same account.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from mowakaba.embedded.ports import free_port
from mowakaba.embedded.processes import _die_with_parent
from mowakaba.settings import REPO_ROOT

DASHBOARD_TARGET = 0.300  # seconds, p95
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Latency:
    """Requests' wall times, their p95 beside a baseline's and a target."""

    what: str
    seconds: list[float]
    target: float
    baseline: list[float]

    @staticmethod
    def p95_of(seconds: list[float]) -> float:
        ordered = sorted(seconds)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def p95(self) -> float:
        return self.p95_of(self.seconds)

    @property
    def met(self) -> bool:
        return self.p95 <= self.target

    def line(self) -> str:
        verdict = "met" if self.met else "MISSED"
        return (
            f"{self.what:<34} p95 {self.p95 * 1000:7.1f} ms (median "
            f"{statistics.median(self.seconds) * 1000:.1f} ms, {len(self.seconds)} requests); "
            f"baseline /api/v1/me p95 {self.p95_of(self.baseline) * 1000:.1f} ms; "
            f"target ≤ {self.target * 1000:g} ms: {verdict}"
        )


@contextmanager
def running_app(timeout: float = 90.0) -> Iterator[str]:
    """The app in a uvicorn process on this process's database; its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log"],
        cwd=REPO_ROOT, env=dict(os.environ), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=_die_with_parent(os.getpid()),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise RuntimeError(f"the app did not start:\n{error[-2000:]}")
            try:
                if httpx.get(f"{base}/api/v1/healthz", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not answer within {timeout:g} s")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _timed(client: httpx.Client, path: str, requests: int, **kw: object) -> list[float]:
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, **kw)  # type: ignore[arg-type]
        seconds.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")
    return seconds


def time_dashboard(
    accounts: list[tuple[str, str]],
    password: str,
    *,
    requests: int = 50,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Latency]:
    """Each account's dashboard `requests` times (after 3 to warm up), beside /api/v1/me."""
    figures = []
    progress("starting the app...")
    with running_app() as base:
        for username, label in accounts:
            progress(f"dashboard of {username}...")
            with httpx.Client(base_url=base, timeout=60) as client:
                token = CSRF.search(client.get("/sign-in").text)
                if token is None:
                    raise RuntimeError("no CSRF token on the sign-in page")
                signed = client.post(
                    "/sign-in",
                    data={"username": username, "password": password,
                          "csrf_token": token.group(1)},
                )  # fmt: skip
                if signed.status_code >= 400:
                    raise RuntimeError(f"sign-in as {username}: {signed.status_code}")
                _timed(client, "/dashboard", 3)
                pages = _timed(client, "/dashboard", requests)
            with httpx.Client(base_url=base, timeout=60) as client:
                answer = client.post(
                    "/api/v1/auth/token", data={"username": username, "password": password}
                )
                answer.raise_for_status()
                bearer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
                _timed(client, "/api/v1/me", 3, headers=bearer)
                baseline = _timed(client, "/api/v1/me", requests, headers=bearer)
            figures.append(Latency(f"/dashboard, {label}", pages, DASHBOARD_TARGET, baseline))
    return figures
