"""The nightly indicators' snapshot: one row per figure per institution per day, however
often it runs that day, on a cron schedule."""

from __future__ import annotations

from datetime import date

from sqlmodel import func, select

from flows.deployments import INDICATORS_SNAPSHOT, REGISTRY
from flows.indicators_snapshot import indicators_snapshot
from flows.serve import build_deployments
from mowakaba.db import session_scope
from mowakaba.models import IndicatorSnapshot
from mowakaba.services import indicator_snapshots as snapshot_service
from mowakaba.settings import Settings
from tests.factories import at, make_world
from tests.prefect_helpers import next_runs

DAY = date(2026, 11, 5)


def _rows() -> list[tuple[int, date, str]]:
    with session_scope() as s:
        return [
            (r.institution_id, r.snapshot_date, r.figure_key)
            for r in s.exec(select(IndicatorSnapshot))
        ]


def test_the_snapshot_twice_on_the_same_day_stores_one_row_per_figure(committed, prefect_api):
    with session_scope() as s:
        make_world(s, as_of=at(date(2025, 9, 1)))  # an institution with a youth, and another
        institutions = snapshot_service.all_institution_ids(s)
    first = indicators_snapshot(as_of=DAY.isoformat())
    rows = _rows()
    assert len(institutions) == 2
    assert first["institutions"] == 2 and first["figures"] == len(rows) > 0
    assert len(set(rows)) == len(rows)  # unique per (institution, day, figure)
    assert {r[0] for r in rows} == set(institutions) and {r[1] for r in rows} == {DAY}
    # Every indicator's headline is among them, under "<indicator>.<figure>".
    assert "intake_coverage.with_intake" in {r[2] for r in rows}
    again = indicators_snapshot(as_of=DAY.isoformat())
    assert again == first
    assert sorted(_rows()) == sorted(rows)  # the second run updated, added nothing
    # A later day is a new row per figure.
    indicators_snapshot(as_of=at(date(2026, 11, 6), 12).isoformat())
    with session_scope() as s:
        days = s.exec(
            select(IndicatorSnapshot.snapshot_date, func.count()).group_by(
                IndicatorSnapshot.snapshot_date
            )
        ).all()
    assert dict(days) == {DAY: len(rows), date(2026, 11, 6): len(rows)}


def test_the_snapshot_is_a_nightly_cron_deployment_in_the_institutions_zone():
    assert INDICATORS_SNAPSHOT in REGISTRY
    settings = Settings(indicators_snapshot_cron="30 2 * * *")
    (deployment,) = [d for d in build_deployments(settings) if d.name == "indicators_snapshot"]
    (schedule,) = deployment.schedules
    assert schedule.schedule.timezone == "Africa/Casablanca"
    # What Prefect's server makes of it: the next runs at 02:30 local time, every night.
    assert next_runs(schedule.schedule) == [(2, 30), (2, 30)]
