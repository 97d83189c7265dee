"""Locust's simulated people for `mowakaba bench api` (run by Locust, in its own process).

A mediator's day: their work list (page and API), a youth's file page, completing one of
their own work items through the API (as a client would; the page's form posts the same
service). A coordinator: the dashboard page. Beside them, as many baseline users asking
`GET /api/v1/me`. Each user makes one request a second (`constant_throughput(1)`), so the
number of users is the rate. Pages are signed in by the session cookie, the API by the
bearer token: both are the same token row (api/pages/common.py::start_session).

The plan (`MOWAKABA_LOAD_PLAN`, written by `mowakaba.sim.bench_load.make_plan`) gives the
tokens and each mediator-user's items with the payload that completes each. Request kinds are
named for the report.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

from locust import HttpUser, constant_throughput, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["MOWAKABA_LOAD_PLAN"]).read_text())
BASELINE = "baseline GET /api/v1/me"  # mowakaba.sim.bench_load.BASELINE
_next = {kind: itertools.count() for kind in ("mediators", "coordinators", "baseline")}


class Person(HttpUser):
    abstract = True
    wait_time = constant_throughput(1)
    token = ""

    def sign_in(self, token: str) -> None:
        self.token = token
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.client.cookies.set("mowakaba_session", token)


class Mediator(Person):
    """Work list (page and API), a youth's file, completing an item."""

    fixed_count = len(PLAN["mediators"])

    def on_start(self) -> None:
        me = PLAN["mediators"][next(_next["mediators"]) % len(PLAN["mediators"])]
        self.sign_in(me["token"])
        self.items: list[list[Any]] = list(me["items"])
        self.youths = [youth for _, _, youth in self.items] or [1]
        self.seen = itertools.cycle(self.youths)

    @task(3)
    def work_list_page(self) -> None:
        self.client.get("/work", name="mediator work list page")

    @task(2)
    def work_list_api(self) -> None:
        self.client.get("/api/v1/work-items?assignee=me&page_size=20",
                        name="mediator work list API")  # fmt: skip

    @task(3)
    def youth_file_page(self) -> None:
        self.client.get(f"/youths/{next(self.seen)}", name="youth file page")

    @task(1)
    def complete_item(self) -> None:
        if not self.items:
            return self.work_list_api()
        item_id, payload, _ = self.items.pop(0)
        self.client.post(f"/api/v1/work-items/{item_id}/complete", json=payload,
                         name="complete a work item (API)")  # fmt: skip


class Coordinator(Person):
    """The dashboard page."""

    fixed_count = len(PLAN["coordinators"])

    def on_start(self) -> None:
        me = PLAN["coordinators"][next(_next["coordinators"]) % len(PLAN["coordinators"])]
        self.sign_in(me["token"])

    @task
    def dashboard_page(self) -> None:
        self.client.get("/dashboard", name="coordinator dashboard page")


class Baseline(Person):
    """Authenticate and one indexed SELECT: who am I."""

    fixed_count = int(PLAN.get("baseline_users", 0))

    def on_start(self) -> None:
        people = PLAN["mediators"] + PLAN["coordinators"]
        self.sign_in(people[next(_next["baseline"]) % len(people)]["token"])

    @task
    def me(self) -> None:
        self.client.get("/api/v1/me", name=BASELINE)
