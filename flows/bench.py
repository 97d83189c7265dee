"""An empty flow: the bare cost of a flow run on a worker, the baseline of
`mowakaba bench pathways` (deployed by the benchmark only, never by `mowakaba deploy`)."""

from __future__ import annotations

from prefect import flow

BENCH_EMPTY = "bench_empty"


@flow(name=BENCH_EMPTY, persist_result=False)
def empty_flow() -> None:
    """Nothing: a process start, the run's states and logs."""
