"""The one registry of deployments: their names, schedules, and how edges start them.

The API imports this module for `start_pathway` and the names; it imports the
flows themselves only inside `build_deployments`, which `serve()` needs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from mowakaba.db import session_scope
from mowakaba.models import Youth
from mowakaba.settings import Settings, get_settings

PATHWAY = "pathway/pathway"
SWEEP = "sweep/sweep"
DELIVER = "deliver/deliver"

log = logging.getLogger("mowakaba.flows")


def build_deployments(settings: Settings | None = None) -> list[Any]:
    """Return what `mowakaba up` serves: pathway on demand, sweep and deliver on schedules."""
    from flows.deliver import deliver
    from flows.pathway import pathway
    from flows.sweep import sweep

    settings = settings or get_settings()
    return [
        pathway.to_deployment(name="pathway", description="One youth brought up to date."),
        sweep.to_deployment(
            name="sweep",
            interval=timedelta(minutes=settings.sweep_every_minutes),
            description="Reminders, escalations, missed checkpoints, stage triggers.",
        ),
        deliver.to_deployment(
            name="deliver",
            interval=timedelta(minutes=settings.deliver_every_minutes),
            description="Send the outbox's emails.",
        ),
    ]


def start_pathway(
    *,
    youth_id: int,
    code: str,
    institution_id: int,
    stage: str,
    event: str,
    as_of: str | None = None,
) -> str | None:
    """Start a `pathway` deployment run (after the commit); None if Prefect could not be reached."""
    from prefect.deployments import run_deployment

    from flows.labels import youth_tags

    parameters: dict[str, Any] = {"youth_id": youth_id}
    if as_of is not None:
        parameters["as_of"] = as_of
    try:
        run = run_deployment(
            PATHWAY,
            parameters=parameters,
            timeout=0,
            flow_run_name=f"pathway-{code}",
            tags=youth_tags(youth_id=youth_id, institution_id=institution_id, stage=stage),
            idempotency_key=f"pathway:{youth_id}:{event}",
            as_subflow=False,
        )
    except Exception as exc:  # Prefect down, deployment missing: the sweep catches up
        log.warning("pathway run for youth %s not started: %s", youth_id, type(exc).__name__)
        return None
    return str(run.id)


def start_pathway_after_commit(youth_id: int, event: str, as_of: str | None = None) -> str | None:
    """Start a youth's pathway run; if Prefect cannot be reached, flag the youth for the sweep."""
    with session_scope() as session:
        youth = session.get(Youth, youth_id)
        if youth is None:
            return None
        labels = {
            "code": youth.code,
            "institution_id": youth.institution_id,
            "stage": youth.stage.value,
        }
    run_id = start_pathway(youth_id=youth_id, event=event, as_of=as_of, **labels)
    if run_id is None:
        with session_scope() as session:
            youth = session.get(Youth, youth_id)
            if youth is not None:
                youth.needs_reconciliation = True
                session.add(youth)
    return run_id


@contextmanager
def in_process() -> Iterator[None]:
    """Run flows in this process without heartbeats (~1 s saved per sync run)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def serve_all() -> None:
    """Serve every deployment from this process (`mowakaba up` runs it as a child)."""
    from prefect import serve

    serve(
        *build_deployments(),
        print_starting_message=False,
        pause_on_shutdown=False,  # the schedules stay on for the next `mowakaba up`
        limit=get_settings().serve_limit,
    )


if __name__ == "__main__":
    serve_all()
