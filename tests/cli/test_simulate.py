"""A small simulation through the real flows: the table adds up, and the seed decides it."""

from datetime import date

import pytest

from mowakaba.db import session_scope
from mowakaba.enums import Stage
from tests import dbsetup
from tests.conftest import _empty_tables

pytestmark = pytest.mark.skipif(
    dbsetup.backend() != "sqlite",
    reason="simulate always runs on its own SQLite data directory; once per suite is enough",
)


# The cohort's event days thin out after its first year, but each one is still a sweep run
# through Prefect: the run stops when the table has every figure it is checked for (by
# 2028-09 a youth has been followed 12 months after leaving care; nothing new comes after).
ADDS_UP_UNTIL = date(2028, 9, 1)
# Repeatability over ten months: the referrals have been sent, answered late, escalated,
# expired and re-routed by then (checked below), so every draw of the seed is in play.
REPEATED_UNTIL = date(2026, 11, 1)


def simulate_once(last_day: date = ADDS_UP_UNTIL):
    from mowakaba.cli.sim import run_simulation

    return run_simulation(
        youths=10, first_day=date(2026, 1, 1), last_day=last_day, seed=11,
        institutions=2, mediators=3,
    )  # fmt: skip


def test_a_small_simulation_adds_up(committed, deployed):
    first = simulate_once()
    assert sum(first.by_stage.values()) == first.youths == 10
    for kind, row in first.work_items.items():
        done = row.done_on_time + row.done_late
        assert done + row.still_open + row.cancelled == row.created, kind
        assert row.escalated_level_2 <= row.escalated_level_1 <= row.created, kind
    assert first.exits["planned"] + first.exits["unplanned"] > 0
    assert first.by_stage[Stage.enrolled.value] == 0  # everyone has reached 14 by then
    assert first.run["sweep_runs"] > 0 and first.run["pathway_runs"] > 0
    o = first.outcomes_12_months
    assert o["integrated"] <= min(o["in_touch"], o["housed"], o["active"]) <= o["reached_12_months"]
    for key, parts in first.outcome_indicators.items():  # the indicator services' outcomes
        (integrated, leavers), (in_touch, _) = parts["integrated"], parts["in_touch"]
        assert integrated <= in_touch <= leavers, key
    assert o["reached_12_months"] > 0  # the run is long enough for the 12-month outcomes
    assert first.outcome_indicators["outcome_12m"]["integrated"][1] > 0  # leavers counted
    r = first.referrals  # the mediators referred; the partners answered, late or never
    assert r["sent"] > 0 and r["accepted"] + r["declined"] + r["expired"] <= r["sent"]
    assert r["completed"] + r["not_completed"] <= r["accepted"]
    assert r["escalated"] <= r["sent"] and r["median_response_working_days"] is not None


def test_the_seed_decides_the_simulation(committed, deployed):
    """Repeatability over ten months (a run over the period above takes ~70 s)."""
    first = simulate_once(last_day=REPEATED_UNTIL)
    r = first.referrals  # the draws of every referral path were made
    assert r["expired"] >= 1 and r["rerouted"] >= 1 and r["escalated"] >= 1
    _empty_tables(committed)
    with session_scope():
        pass
    second = simulate_once(last_day=REPEATED_UNTIL)
    assert second.table_data() == first.table_data()
