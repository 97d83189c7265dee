"""The indicators' trend: snapshots summed over institutions per day."""

from __future__ import annotations

from datetime import date

from mowakaba.models import IndicatorSnapshot
from mowakaba.services import indicator_snapshots as snapshot_service
from tests.factories import make_institution

DAY = date(2026, 11, 5)


def test_the_trend_sums_numerators_and_denominators_across_institutions(session):
    rows = [
        (1, DAY, 3, 4), (2, DAY, 1, 4), (1, date(2026, 11, 6), 0, 0), (2, date(2026, 11, 6), 0, 0)
    ]  # fmt: skip
    ids = {1: make_institution(session).pk, 2: make_institution(session).pk}
    for institution, day, num, den in rows:
        session.add(IndicatorSnapshot(
            institution_id=ids[institution], snapshot_date=day, indicator_key="intake_coverage",
            figure_key="intake_coverage.with_intake", unit="share", numerator=num,
            denominator=den, value=num / den if den else None,
        ))  # fmt: skip
    session.flush()
    points = snapshot_service.trend(
        session, institution_ids=None, figure_key="intake_coverage.with_intake", since=DAY
    )
    # 3/4 and 1/4 make 4/8 = 50 %; a day with nobody to count is "no data", not 0.
    assert [(p.day, p.numerator, p.denominator, p.value) for p in points] == [
        (DAY, 4, 8, 0.5), (date(2026, 11, 6), 0, 0, None)
    ]  # fmt: skip
    only_first = snapshot_service.trend(
        session, institution_ids=[ids[1]], figure_key="intake_coverage.with_intake", since=DAY
    )
    assert [(p.numerator, p.denominator, p.value) for p in only_first] == [
        (3, 4, 0.75), (0, 0, None)
    ]  # fmt: skip
