"""`mowakaba bench pathways`: pathway reconciliations drained from a work pool by 1 and by 2
Prefect process workers, beside the bare cost of an empty flow run on the same server.

On a throw-away stack (`mowakaba.cli.stack`: PostgreSQL, a Prefect server on it, the
deployments in a work pool), N youths aged 13 are registered, then their 14th birthday
passes: each must move to intake (a stage change, its work item created, its event
written). Their reconciliations are queued as the sweep queues them — `pathway_batch`
runs of `MOWAKABA_PATHWAY_BATCH_SIZE` youths — and drained by one worker, then (a second
set of youths) by two. The baseline: as many runs of an empty flow, queued in the same
pool and drained by one worker: what Prefect costs per run before any work of ours.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mowakaba.cli.stack import Stack, scale_stack

BENCH_EMPTY = "bench_empty"  # flows/bench.py
TARGET_OVERHEAD = 0.5  # our cost per youth ≤ 1.5 × an empty flow run's


@dataclass
class Drain:
    """One drain: what ran, on how many workers, in how long."""

    label: str
    workers: int
    runs: int
    youths: int
    seconds: float

    @property
    def per_second(self) -> float:
        return (self.youths or self.runs) / self.seconds


def seed_youths(stack: Stack, count: int, born: date, *, seed: int) -> list[int]:
    """Register `count` 13-year-olds (born `born`) as the stack's app does; their ids."""
    from mowakaba.db import session_scope
    from mowakaba.enums import EducationLevel, Role, Sex, VocationalLevel
    from mowakaba.schemas import YouthRegistration
    from mowakaba.services import institutions as institution_service
    from mowakaba.services import users as user_service
    from mowakaba.services import youths as youth_service
    from mowakaba.sim.behaviour import draw_names
    from mowakaba.sim.bench import pointed_at
    from mowakaba.sim.cohort import morning

    rng = random.Random(seed)
    ids: list[int] = []
    with pointed_at(stack.env["MOWAKABA_HOME"], stack.database_url), session_scope() as session:
        institution = institution_service.create_institution(
            session, name=f"Bench {seed}", region="Casablanca-Settat"
        )
        mediator = user_service.create_user(
            session, username=f"bench.med{seed}", password="bench-only-pass-1",
            role=Role.mediator, institution_ids=[institution.pk],
        )  # fmt: skip
        for _ in range(count):
            sex = rng.choice(list(Sex))
            youth, _ = youth_service.register_youth(
                session,
                data=YouthRegistration(
                    **draw_names(rng, sex),
                    date_of_birth=born,
                    sex=sex,
                    institution_id=institution.pk,
                    admission_date=date(2020, 1, 1),
                    education_level=EducationLevel.primary,
                    vocational_level=VocationalLevel.none,
                    mediator_id=mediator.pk,
                ),  # fmt: skip
                as_of=morning(born + timedelta(days=365 * 13 + 30)),
            )
            ids.append(youth.pk)
    return ids


def queue_batches(stack: Stack, ids: list[int], batch: int, as_of: str) -> int:
    """Queue the youths' reconciliations as the sweep does: `pathway_batch` runs."""
    from prefect.deployments import run_deployment

    with stack.client():
        for start in range(0, len(ids), batch):
            run_deployment(
                "pathway_batch/pathway_batch",
                parameters={"youth_ids": ids[start : start + batch], "as_of": as_of},
                timeout=0, as_subflow=False, tags=[f"bench:{ids[0]}"],
            )  # fmt: skip
    return (len(ids) + batch - 1) // batch


def queue_empty(stack: Stack, runs: int) -> int:
    from prefect.deployments import run_deployment

    with stack.client():
        for _ in range(runs):
            run_deployment(f"{BENCH_EMPTY}/{BENCH_EMPTY}", timeout=0, as_subflow=False)
    return runs


def drain(stack: Stack, label: str, *, workers: int, queue: Callable[[], int], flow_name: str,
          youths: int = 0) -> Drain:  # fmt: skip
    """Start the workers, let them poll, queue the runs, time until every run is final."""
    started = stack.start_workers(workers, prefix=f"{label}-worker")
    stack.wait_for("the workers", lambda: _online_workers(stack) >= workers, 120)
    begin = time.monotonic()
    runs = queue()

    def all_final() -> bool:
        total, unfinished, _ = _counts(stack, flow_name)
        return total >= runs and unfinished == 0

    stack.wait_for(f"{label}'s runs", all_final, 3600)
    seconds = time.monotonic() - begin
    total, _, completed = _counts(stack, flow_name)
    stack.stop(started)
    if completed != total:
        raise RuntimeError(f"{label}: {total - completed} of {total} runs did not complete")
    _delete_runs(stack, flow_name)
    return Drain(label, workers, runs, youths, seconds)


def _counts(stack: Stack, flow_name: str) -> tuple[int, int, int]:
    """The flow's runs: in all, not yet final, completed (counted on the server: any number)."""
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    flows = FlowFilter(name=FlowFilterName(any_=[flow_name]))
    final = [StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED]
    unfinished = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(not_any_=final))
    )
    completed = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))
    )
    with stack.client() as client:
        return (
            client.count_flow_runs(flow_filter=flows),
            client.count_flow_runs(flow_filter=flows, flow_run_filter=unfinished),
            client.count_flow_runs(flow_filter=flows, flow_run_filter=completed),
        )


def _delete_runs(stack: Stack, flow_name: str) -> None:
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with stack.client() as client:
        while runs := client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])), limit=200
        ):
            for run in runs:
                client.delete_flow_run(run.id)


def _online_workers(stack: Stack) -> int:
    with stack.client() as client:
        workers = client.read_workers_for_work_pool(stack.pool)
    return sum(1 for w in workers if str(w.status).upper().endswith("ONLINE"))


def deploy_empty(stack: Stack) -> None:
    from prefect.deployments.runner import EntrypointType

    from flows.bench import empty_flow

    factory: Any = empty_flow.to_deployment
    deployment = factory(
        name=BENCH_EMPTY, work_pool_name=stack.pool, entrypoint_type=EntrypointType.MODULE_PATH,
        _sync=True,
    )  # fmt: skip
    with stack.client():
        deployment.apply(work_pool_name=stack.pool, _sync=True)


def bench_pathways(youths: int, batch: int, progress: Callable[[str], None]) -> dict[str, Any]:
    """Run the three drains on one stack; return their figures."""
    born = date(2010, 3, 1)
    as_of = f"{(born + timedelta(days=365 * 14 + 10)).isoformat()}T08:00:00+00:00"
    env = {"MOWAKABA_PATHWAY_BATCH_SIZE": str(batch), "MOWAKABA_ARGON2_TIME_COST": "1"}
    with scale_stack(env=env) as stack:
        progress(f"stack up (pool {stack.pool}); registering {2 * youths} youths")
        one = seed_youths(stack, youths, born, seed=1)
        two = seed_youths(stack, youths, born, seed=2)
        deploy_empty(stack)
        batches = (youths + batch - 1) // batch
        progress(f"baseline: {batches} empty flow runs, 1 worker")
        base = drain(stack, "empty", workers=1, flow_name=BENCH_EMPTY,
                     queue=lambda: queue_empty(stack, batches))  # fmt: skip
        progress(f"{youths} reconciliations in {batches} batch runs, 1 worker")
        single = drain(stack, "one", workers=1, flow_name="pathway_batch", youths=youths,
                       queue=lambda: queue_batches(stack, one, batch, as_of))  # fmt: skip
        progress(f"{youths} reconciliations in {batches} batch runs, 2 workers")
        double = drain(stack, "two", workers=2, flow_name="pathway_batch", youths=youths,
                       queue=lambda: queue_batches(stack, two, batch, as_of))  # fmt: skip
        moved = _moved(stack, one + two)
    return {"base": base, "one": single, "two": double, "moved": moved, "total": 2 * youths}


def _moved(stack: Stack, ids: list[int]) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(stack.database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(
                sa.text("SELECT count(*) FROM youth WHERE stage = 'intake' AND id = ANY(:ids)"),
                {"ids": ids},
            ).scalar_one())  # fmt: skip
    finally:
        engine.dispose()
