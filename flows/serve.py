"""Serve every deployment of the registry from one process (`mowakaba up` runs it as a child),
or register them in a work pool for Prefect's process workers (`mowakaba deploy`).

`python -m flows.serve`; `mowakaba deploy --pool NAME` + `mowakaba worker --pool NAME` on
as many machines as needed are the scale-out (docs/operations.md).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flows.deliver import deliver
from flows.deployments import REGISTRY
from flows.indicators_snapshot import indicators_snapshot
from flows.pathway import pathway, pathway_batch
from flows.referral import referral
from flows.retention import retention
from flows.sweep import sweep
from mowakaba.settings import Settings, cron_as_rrule, get_settings

FLOWS: dict[str, Any] = {
    "pathway": pathway, "pathway_batch": pathway_batch, "sweep": sweep, "deliver": deliver,
    "referral": referral,
    "indicators_snapshot": indicators_snapshot, "retention": retention,
}  # fmt: skip


def build_deployments(settings: Settings | None = None, *, pool: str | None = None) -> list[Any]:
    """Return the registry's deployments: pathway and referral on demand, sweep and deliver
    every few minutes, the indicators' snapshot and retention nightly (cron).

    `pool`: deployments of that work pool, their flows found by module path (a worker's
    process imports `flows.pathway`, wherever the code is installed), the pathway runs
    holding their youths' concurrency slots; otherwise deployments for `serve()`."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import RRule

    settings = settings or get_settings()
    deployments = []
    for spec in REGISTRY:
        every = spec.every_minutes(settings) if spec.every_minutes else None
        options: dict[str, Any] = {}
        if every:
            options["interval"] = timedelta(minutes=every)
        if spec.cron:
            line, zone = spec.cron(settings)
            options["schedules"] = [RRule(cron_as_rrule(line), timezone=zone)]
        if spec.concurrency:
            # A periodic run that finds the previous one still going is dropped, not queued:
            # the next tick comes a minute later anyway.
            options["concurrency_limit"] = ConcurrencyLimitConfig(
                limit=spec.concurrency(settings),
                collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW,
            )
        if pool:
            options["work_pool_name"] = pool
            options["entrypoint_type"] = EntrypointType.MODULE_PATH
            if spec.per_youth:
                options["parameters"] = {"youth_slots": settings.pathway_youth_slots}
        # `_sync=True`: Prefect's sync path even where an event loop runs on the thread
        # (Playwright's, in the browser tests), which would otherwise get a coroutine.
        deployments.append(
            FLOWS[spec.flow].to_deployment(
                name=spec.name, description=spec.description, _sync=True, **options
            )
        )
    return deployments


def serve_all() -> None:
    """Serve every deployment from this process."""
    from prefect import serve

    serve(
        *build_deployments(),
        print_starting_message=False,
        pause_on_shutdown=False,  # the schedules stay on for the next `mowakaba up`
        limit=get_settings().serve_limit,
    )


if __name__ == "__main__":
    serve_all()
