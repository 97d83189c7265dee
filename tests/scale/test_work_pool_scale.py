"""The scale-out for real (`make test-scale`): a Prefect server on PostgreSQL, the app on
PostgreSQL, `mowakaba deploy` and two `mowakaba worker` processes of one work pool
(`mowakaba.cli.stack`).

Twenty young people of 13 are registered through the API (one `pathway` run each); a
sweep after their 14th birthday moves them all to intake (its stage changes go by
`pathway_batch` runs); a second sweep at the intakes' D−7 reminds their mediator of each;
a `deliver` run sends the reminders to an SMTP server here. Every run must complete
exactly once, on the pool's workers, and every notification arrive exactly once.
Everything started is stopped, also on failure or Ctrl-C.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from mowakaba.cli.stack import Stack, scale_stack
from mowakaba.embedded.ports import free_port
from tests import dbsetup
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import at

YOUTHS = 20
BATCH = 6  # 20 stage changes → 4 batch runs, shared by the two workers
PASSWORD = "Scale-pass-2026!"
pytestmark = pytest.mark.skipif(
    not dbsetup.postgres_available() and not os.environ.get("MOWAKABA_REQUIRE_POSTGRES"),
    reason="needs PostgreSQL (the scale-out database)",
)


class Inbox:
    """An SMTP server's mailbox: the Message-ID of every message received."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.message_ids.append(message_from_bytes(envelope.content)["Message-ID"])
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def stack(inbox: tuple[Inbox, int]) -> Iterator[Stack]:
    env = {
        "MOWAKABA_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "MOWAKABA_ARGON2_TIME_COST": "1",
        "MOWAKABA_SMTP_HOST": "127.0.0.1",
        "MOWAKABA_SMTP_PORT": str(inbox[1]),
        "MOWAKABA_PATHWAY_BATCH_SIZE": str(BATCH),
        "MOWAKABA_PATHWAY_YOUTH_SLOTS": "64",
    }
    with scale_stack(env=env, web=True) as running:
        running.start_workers(2, limit=2)
        yield running


def timed(stack: Stack, what: str, check: Any, seconds: float) -> Any:
    started = time.monotonic()
    result = stack.wait_for(what, check, seconds)
    print(f"{what}: {time.monotonic() - started:.1f} s", flush=True)
    return result


def test_twenty_pathways_run_once_each_on_two_workers(stack, inbox):
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.deployments import run_deployment

    engine = sa.create_engine(stack.database_url)
    stack.mowakaba("institutions", "add", "--name", "Scale", "--region", "Casablanca-Settat")
    for username, role, extra in (("coord.scale", "coordinator", []),
                                  ("med.scale", "mediator", ["--email", "med@example.ma"])):  # fmt: skip
        stack.mowakaba("users", "create", "--username", username, "--role", role,
                       "--institution-id", "1", "--password-stdin", *extra, stdin=PASSWORD)  # fmt: skip
    with engine.connect() as connection:
        mediator_id = connection.execute(sa.text(
            "SELECT id FROM user_account WHERE username = 'med.scale'")).scalar_one()  # fmt: skip

    web = httpx.Client(base_url=stack.env["MOWAKABA_WEB_URL"] + "/api/v1", timeout=30)
    token = web.post("/auth/token", data={"username": "coord.scale", "password": PASSWORD})
    assert token.status_code == 200, token.text
    web.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    today = date.today()
    born = date(today.year - 14, today.month, min(today.day, 28)) + timedelta(days=5)  # 14 soon
    codes = {}
    for n in range(YOUTHS):
        answer = web.post("/youths", json={
            "first_name": f"Scale{n}", "last_name": "Test", "date_of_birth": str(born),
            "sex": "female" if n % 2 else "male", "institution_id": 1,
            "admission_date": "2020-09-01", "education_level": "lower_secondary",
            "vocational_level": "none", "mediator_id": mediator_id,
        }, headers={"Idempotency-Key": f"scale-{n}"})  # fmt: skip
        assert answer.status_code == 201, answer.text
        codes[answer.json()["id"]] = answer.json()["code"]

    with stack.client() as client:

        def runs(flow: str) -> list:
            return client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[flow])), limit=200
            )

        def all_final(flow: str, count: int) -> list | None:
            found = runs(flow)
            done = [r for r in found if r.state and r.state.is_final()]
            return found if len(found) >= count and len(done) == len(found) else None

        def run_final(run_id: Any) -> Any:
            run = client.read_flow_run(run_id)
            return run if run.state and run.state.is_final() else None

        def start(name: str, as_of: str) -> Any:
            run = run_deployment(name, parameters={"as_of": as_of}, timeout=0, as_subflow=False)
            return run.id

        # 1. One pathway run per registration, taken by the workers.
        single = timed(stack, "the registrations' pathway runs",
                       lambda: all_final("pathway", YOUTHS), 240)  # fmt: skip
        # 2. A sweep after their 14th birthday: the stage changes, by batch runs.
        first = start("sweep/sweep", at(today + timedelta(days=7), 8).isoformat())
        sweeps = [timed(stack, "the first sweep", lambda: run_final(first), 120)]
        batches = timed(stack, "the batch runs", lambda: all_final("pathway_batch", 4), 180)
        with engine.connect() as connection:
            due = connection.execute(sa.text(
                "SELECT DISTINCT due_date FROM work_item WHERE kind = 'intake_assessment' "
                "AND completed_at IS NULL")).scalars().all()  # fmt: skip
        assert len(due) == 1, due
        # 3. A sweep at the intakes' D−7: a reminder each; a delivery sends them.
        reminder_at = at(due[0] - timedelta(days=7), 8).isoformat()
        second = start("sweep/sweep", reminder_at)
        sweeps.append(timed(stack, "the second sweep", lambda: run_final(second), 120))
        delivery = start("deliver/deliver", reminder_at)
        delivered = timed(stack, "the delivery", lambda: run_final(delivery), 120)
        pool_runs = [*single, *batches, *sweeps, delivered]
        deployments = {d.id: d for d in client.read_deployments()}

    # Every run completed, on the pool, exactly once per youth.
    assert all(r.state.is_completed() for r in pool_runs), [
        (r.name, r.state.name) for r in pool_runs if not r.state.is_completed()
    ]
    assert {deployments[r.deployment_id].work_pool_name for r in pool_runs} == {stack.pool}
    assert sorted(r.name for r in single) == sorted(f"pathway-{c}" for c in codes.values())
    assert sorted(len(r.parameters["youth_ids"]) for r in batches) == [2, 6, 6, 6]
    in_batches = Counter(y for r in batches for y in r.parameters["youth_ids"])
    assert in_batches == Counter(dict.fromkeys(codes, 1))
    with engine.connect() as connection:
        stages = Counter(connection.execute(sa.text("SELECT stage FROM youth")).scalars())
        keys = connection.execute(sa.text(
            "SELECT idempotency_key FROM notification WHERE kind = 'reminder'")).scalars().all()  # fmt: skip
    engine.dispose()
    assert stages == {"intake": YOUTHS}
    assert len(keys) == YOUTHS
    # Each notification went out once: one message per outbox row, none twice.
    received = Counter(inbox[0].message_ids)
    assert sorted(received) == sorted(f"<{k.replace(':', '.')}@mowakaba>" for k in keys)
    assert set(received.values()) == {1}
