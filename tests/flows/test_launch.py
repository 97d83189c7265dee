"""flows/launch.py: calls to Prefect from an edge are bounded, and only hung ones are capped."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from flows import launch
from mowakaba.settings import get_settings


def test_many_quick_calls_at_once_are_all_answered():
    answers: list[int] = []

    def call(n: int) -> None:
        answers.append(launch.bounded(lambda: (time.sleep(0.2), n)[1], seconds=2))

    threads = [threading.Thread(target=call, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == list(range(16))


def test_hung_calls_cost_the_caller_the_bound_and_past_eight_edges_stop_trying():
    release = threading.Event()
    started = time.monotonic()
    for _ in range(launch.MAX_ABANDONED):
        with pytest.raises(launch.PrefectUnavailable, match="no answer"):
            launch.bounded(release.wait, seconds=0.1)
    assert time.monotonic() - started < 0.1 * launch.MAX_ABANDONED + 1
    with pytest.raises(launch.PrefectUnavailable, match="still unanswered"):
        launch.bounded(lambda: 1, seconds=0.1)
    release.set()  # the hung server answers at last: edges try again
    deadline = time.monotonic() + 5
    while launch._abandoned and time.monotonic() < deadline:
        time.sleep(0.05)
    assert launch.bounded(lambda: 42, seconds=1) == 42


class Refusing(http.server.BaseHTTPRequestHandler):
    """Another system's Prefect server: health answers, everything else wants a login."""

    def _answer(self) -> None:
        healthy = self.path.endswith("/health")
        self.send_response(200 if healthy else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"true" if healthy else b'{"exception_message": "Unauthorized"}')

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def foreign_prefect(monkeypatch) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("MOWAKABA_PREFECT_API_URL", f"http://127.0.0.1:{server.server_port}/api")
    get_settings.cache_clear()
    yield server.server_address
    server.shutdown()
    monkeypatch.delenv("MOWAKABA_PREFECT_API_URL")
    get_settings.cache_clear()


def test_a_server_that_refuses_our_credentials_is_told_from_one_that_is_down(foreign_prefect):
    assert launch.prefect_status() == "refused"
    assert launch.prefect_reachable() is False
