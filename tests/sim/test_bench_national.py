"""The sweep benchmark's SQL baseline writes what our sweep writes, on the national set."""

from __future__ import annotations

from sqlalchemy import Engine

from mowakaba.services import sweep as sweep_service
from mowakaba.sim.bench_national import measure, sweep_instant
from mowakaba.sim.national import seed_national
from tests.conftest import _empty_tables


def _run(engine: Engine, contender: str):  # type: ignore[no-untyped-def]
    _empty_tables(engine)
    sweep_service.forget_kept_timings()
    seed_national(300, seed=5)
    return measure(contender, sweep_instant())


def test_baseline_writes_the_same_rows_as_our_sweep(committed: Engine) -> None:
    ours = _run(committed, "ours")
    baseline = _run(committed, "baseline")
    assert ours.rows["notification"] > 10
    assert ours.rows["escalation"] > 5 and ours.rows["pathway_event"] == ours.rows["escalation"]
    assert baseline.rows == ours.rows
    assert baseline.checksum == ours.checksum


def test_a_second_sweep_writes_nothing_new(committed: Engine) -> None:
    first = _run(committed, "ours")
    again = measure("ours", sweep_instant())
    assert first.rows["notification"] > 0
    assert again.rows["notification"] == again.rows["escalation"] == 0
