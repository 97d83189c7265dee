"""Helpers for tests that read or execute flow runs on the test Prefect server."""

from __future__ import annotations


def run_scheduled_pathway_runs() -> list:
    """Execute, in this process, every scheduled `pathway` run (what `serve()` would do)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.flow_engine import run_flow

    from flows.pathway import pathway

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["pathway"])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
            ),
        )
    for run in runs:
        run_flow(pathway, flow_run=run, parameters=run.parameters)
    return runs


def runs_tagged(*tags: str) -> list:
    """Read back flow runs by tag, oldest first."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=list(tags))),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
        )
