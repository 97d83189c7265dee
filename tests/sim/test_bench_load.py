"""`mowakaba bench api`: the task mix succeeds against a real server, the baseline
authenticates and does one SELECT, and the verdict catches every kind of miss."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mowakaba.db import get_engine
from mowakaba.sim.bench_load import Kind, bench_api, judge
from tests import dbsetup
from tests.api.conftest import build_world

KINDS = {
    "mediator work list page",
    "mediator work list API",
    "youth file page",
    "complete a work item (API)",
    "coordinator dashboard page",
}


def test_a_short_run_makes_every_request_kind_and_none_fails():
    """A few seconds at a low rate, on a throw-away database of the test's backend."""
    sqlite = dbsetup.backend() == "sqlite"
    server = dbsetup.server_url().set(database="postgres").render_as_string(hide_password=False)

    result = bench_api(
        rate=12, seconds=10, youths=200, database_url=None, sqlite=sqlite, server_url=server
    )

    ran = {kind.name: kind for kind in result.kinds}
    assert set(ran) == KINDS, result.lines()
    assert all(kind.requests > 0 and kind.failures == 0 for kind in ran.values()), result.lines()
    assert result.baseline.requests > 0 and result.baseline.failures == 0
    assert result.overall.requests == sum(kind.requests for kind in ran.values())
    assert result.errors == []


def test_the_baseline_needs_a_token(committed):
    world = build_world()

    assert world.client.get("/api/v1/me").status_code == 401
    assert (
        world.client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"}).status_code
        == 401
    )


def test_the_baseline_reads_the_token_and_user_then_does_one_select(committed):
    world = build_world()
    headers = world.as_("m1")
    world.client.get("/api/v1/me", headers=headers)  # the app's first request builds routes
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()).lower())

    sa.event.listen(get_engine(), "before_cursor_execute", record)
    try:
        response = world.client.get("/api/v1/me", headers=headers)
    finally:
        sa.event.remove(get_engine(), "before_cursor_execute", record)

    assert response.status_code == 200 and response.json()["username"] == "m1"
    queries = [s for s in statements if s.startswith(("select", "insert", "update", "delete"))]
    assert [q.split(" from ")[1].split()[0] for q in queries] == [
        "auth_token", "user_account", "user_institution",
    ]  # fmt: skip
    assert "where user_institution.user_id =" in queries[-1]  # its primary key's first column


def kind(name: str, p95: float, failures: int = 0) -> Kind:
    return Kind(name, 100, failures, p95 / 2, p95, p95 * 1.2)


@pytest.mark.parametrize(
    ("p95", "baseline_p95", "failures", "missed"),
    [
        (40, 30, 0, []),  # under 50 ms and under twice the baseline
        (55, 30, 0, ["page p95 55 > 50 ms", "overall p95 55 > 50 ms"]),
        (40, 15, 0, ["page p95 40 > 2× baseline", "overall p95 40 > 2× baseline"]),
        (40, 30, 3, ["page: 3 errors"]),
    ],
)
def test_the_verdict_names_each_miss(p95, baseline_p95, failures, missed):
    misses = judge(
        [kind("page", p95, failures)], kind("overall", p95), kind("baseline", baseline_p95)
    )

    assert misses == missed


@pytest.mark.parametrize("path", ["/api/v1/me", "/work"])
def test_a_reading_request_touches_its_token_after_its_transaction_one_connection_at_a_time(
    committed, path
):
    """Under load every thread held a connection and waited for a second (the token's
    touch) until the pool ran dry: 500s after 30 s (`mowakaba bench api`)."""
    from datetime import timedelta

    from sqlmodel import select

    from mowakaba.clock import now
    from mowakaba.db import session_scope
    from mowakaba.models import AuthToken

    world = build_world()
    token = world.login("m1")
    world.client.get(path, headers={"Authorization": f"Bearer {token}"})  # builds the routes
    two_minutes_ago = now() - timedelta(minutes=2)
    with session_scope() as s:
        row = s.exec(select(AuthToken)).one()
        row.last_used_at = two_minutes_ago
        s.add(row)
    held, most = [0], [0]

    def checkout(*_args) -> None:  # type: ignore[no-untyped-def]
        held[0] += 1
        most[0] = max(most[0], held[0])

    def checkin(*_args) -> None:  # type: ignore[no-untyped-def]
        held[0] -= 1

    sa.event.listen(get_engine(), "checkout", checkout)
    sa.event.listen(get_engine(), "checkin", checkin)
    try:
        world.client.cookies.set("mowakaba_session", token)
        response = world.client.get(path, headers={"Authorization": f"Bearer {token}"})
    finally:
        sa.event.remove(get_engine(), "checkout", checkout)
        sa.event.remove(get_engine(), "checkin", checkin)

    assert response.status_code == 200
    assert most[0] == 1
    with session_scope() as s:
        assert s.exec(select(AuthToken)).one().last_used_at > two_minutes_ago
