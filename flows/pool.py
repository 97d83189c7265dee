"""Register the deployments in a Prefect work pool, for process workers on many machines.

`mowakaba deploy --pool NAME` calls `deploy`: the process work pool (made if missing),
every deployment of the registry in it, and the concurrency limits: one global limit of
1 slot per youth slot (`flows.deployments.youth_slot_name`), so two pathway runs of one
youth never overlap whatever the number of workers; the deliver deployment's own limit.
Idempotent: run it after every upgrade. Prefect's own server, work pool and workers do
the rest: nothing here queues, schedules or runs anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flows.deployments import YOUTH_SLOT_PREFIX, youth_slot_names
from mowakaba.settings import Settings, get_settings

POOL_TYPE = "process"


@dataclass
class DeployReport:
    """What `deploy` found and did."""

    pool: str
    pool_created: bool = False
    deployments: list[str] = field(default_factory=list)
    slots_created: int = 0
    slots_total: int = 0


def ensure_pool(client: Any, pool: str) -> bool:
    """Make the process work pool `pool` unless it exists (of that type); True if made."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    try:
        found = client.read_work_pool(pool)
    except ObjectNotFound:
        client.create_work_pool(
            WorkPoolCreate(
                name=pool,
                type=POOL_TYPE,
                base_job_template=ProcessWorker.get_default_base_job_template(),
                description="Mowakaba's flows (mowakaba deploy); `mowakaba worker` runs them.",
            )
        )
        return True
    if found.type != POOL_TYPE:
        raise ValueError(f"work pool {pool!r} exists with type {found.type!r}, not {POOL_TYPE!r}")
    return False


def existing_slots(client: Any) -> dict[str, tuple[int, bool]]:
    """The youth slots' limits on the server: name → (limit, active) (paged: many)."""
    found: dict[str, tuple[int, bool]] = {}
    offset = 0
    while True:
        page = client.read_global_concurrency_limits(limit=200, offset=offset)
        found.update(
            {
                limit.name: (limit.limit, limit.active)
                for limit in page
                if limit.name.startswith(YOUTH_SLOT_PREFIX)
            }
        )
        if len(page) < 200:
            return found
        offset += 200


def ensure_youth_slots(client: Any, slots: int) -> int:
    """Create every youth slot's limit (1 slot each) that is missing; return how many.
    A slot found with another limit, or switched off, is set back to 1 and on."""
    from prefect.client.schemas.actions import (
        GlobalConcurrencyLimitCreate,
        GlobalConcurrencyLimitUpdate,
    )

    found = existing_slots(client)
    created = 0
    for name in youth_slot_names(slots):
        if name not in found:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
            created += 1
        elif found[name] != (1, True):  # set back to 1 slot, active (the UI can change both)
            client.update_global_concurrency_limit(
                name, GlobalConcurrencyLimitUpdate(limit=1, active=True)
            )
    return created


def deploy(pool: str, settings: Settings | None = None) -> DeployReport:
    """Make the pool, its concurrency limits, and every deployment of the registry in it."""
    from prefect.client.orchestration import get_client

    from flows.serve import build_deployments

    settings = settings or get_settings()
    report = DeployReport(pool=pool, slots_total=settings.pathway_youth_slots)
    with get_client(sync_client=True) as client:
        report.pool_created = ensure_pool(client, pool)
        # The slots before the deployments: a run of a new deployment finds them.
        report.slots_created = ensure_youth_slots(client, settings.pathway_youth_slots)
    for deployment in build_deployments(settings, pool=pool):
        deployment.apply(work_pool_name=pool, _sync=True)
        report.deployments.append(f"{deployment.flow_name}/{deployment.name}")
    return report
