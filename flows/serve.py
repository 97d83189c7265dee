"""Serve every deployment of the registry from one process (`mowakaba up` runs it as a child).

`python -m flows.serve`; workers of a work pool are the scale-out alternative.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flows.deliver import deliver
from flows.deployments import REGISTRY
from flows.indicators_snapshot import indicators_snapshot
from flows.pathway import pathway
from flows.referral import referral
from flows.retention import retention
from flows.sweep import sweep
from mowakaba.settings import Settings, get_settings

FLOWS: dict[str, Any] = {
    "pathway": pathway, "sweep": sweep, "deliver": deliver, "referral": referral,
    "indicators_snapshot": indicators_snapshot, "retention": retention,
}  # fmt: skip


def build_deployments(settings: Settings | None = None) -> list[Any]:
    """Return the registry's deployments: pathway and referral on demand, sweep and deliver
    every few minutes, the indicators' snapshot and retention nightly (cron)."""
    from prefect.schedules import Cron

    settings = settings or get_settings()
    deployments = []
    for spec in REGISTRY:
        every = spec.every_minutes(settings) if spec.every_minutes else None
        schedule: dict[str, Any] = {}
        if every:
            schedule["interval"] = timedelta(minutes=every)
        if spec.cron:
            line, zone = spec.cron(settings)
            schedule["schedules"] = [Cron(line, timezone=zone)]
        # `_sync=True`: Prefect's sync path even where an event loop runs on the thread
        # (Playwright's, in the browser tests), which would otherwise get a coroutine.
        deployments.append(
            FLOWS[spec.flow].to_deployment(
                name=spec.name, description=spec.description, _sync=True, **schedule
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
