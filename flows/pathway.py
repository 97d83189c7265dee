"""The pathway flow: one youth brought up to date, at an event that matters."""

from __future__ import annotations

from typing import Any

from prefect import flow, runtime

from flows.labels import retag_run, run_name, tag_as_youth
from tasks.pathway import reconcile


def pathway_run_name() -> str:
    """Name a run `pathway-<youth code>` (a code carries no name)."""
    return run_name("pathway", runtime.flow_run.parameters["youth_id"])


@flow(name="pathway", flow_run_name=pathway_run_name, persist_result=False)
def pathway(youth_id: int, as_of: str | None = None) -> dict[str, Any]:
    """Reconcile one youth: lock, read the state and the clock, do what is due, record it."""
    run_id = str(runtime.flow_run.id) if runtime.flow_run.id else None
    if run_id:
        tag_as_youth(run_id, youth_id)  # a deployment run has its tags already: no call
    result = reconcile(youth_id, as_of, run_id)
    if run_id:
        retag_run(run_id, youth_id=youth_id, institution_id=result["institution_id"],
                  stage=result["stage_after"])  # fmt: skip
    return result
