"""Helpers for tests that read or execute flow runs on the test Prefect server."""

from __future__ import annotations


def run_scheduled_pathway_runs() -> list:
    """Execute, in this process, every scheduled `pathway` and `pathway_batch` run (what
    `serve()` or a worker would do)."""
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

    from flows.pathway import pathway, pathway_batch

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["pathway", "pathway_batch"])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
            ),
        )
        flows = {f.id: f.name for f in client.read_flows()}
    for run in runs:
        flow = pathway_batch if flows.get(run.flow_id) == "pathway_batch" else pathway
        run_flow(flow, flow_run=run, parameters=run.parameters)
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


def next_runs(schedule) -> list[tuple[int, int]]:
    """The local hour and minute of the next two runs the Prefect server would schedule."""
    from datetime import UTC, datetime

    from prefect.server.schemas.schedules import RRuleSchedule

    server = RRuleSchedule(rrule=schedule.rrule, timezone=schedule.timezone)
    dates = list(server._get_dates_generator(n=2, start=datetime.now(UTC), end=None))
    assert (dates[1] - dates[0]).days == 1
    return [(d.hour, d.minute) for d in dates]
