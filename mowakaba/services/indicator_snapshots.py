"""Indicator snapshots: every figure of every indicator, per institution, per day, so the
indicators page draws trends (docs/indicators.md).

`store_snapshot` computes each indicator over the 12 months ending a day for each
institution and upserts one row per figure: run twice on the same day, it leaves one row
per figure, the second run's numbers. `trend` reads them back summed over institutions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import case
from sqlmodel import Session, col, func, select

from mowakaba.models import IndicatorSnapshot, Institution
from mowakaba.rules import add_months
from mowakaba.services import calendars as calendar_service
from mowakaba.services import indicators as indicator_service
from mowakaba.services.indicators import Figure, Indicator, IndicatorQuery

# Each snapshot looks back over this many months ending its day.
WINDOW_MONTHS = 12


@dataclass(frozen=True)
class TrendPoint:
    """A figure on one day, summed over the institutions asked for (value None: no data)."""

    day: date
    numerator: int | None
    denominator: int | None
    value: float | None


def stored_key(indicator: Indicator, figure: Figure) -> str:
    """The key a figure is stored under: unique across indicators (`<indicator>.<figure>`,
    or the figure's own key when it already names its indicator)."""
    if figure.key == indicator.key or figure.key.startswith(f"{indicator.key}."):
        return figure.key
    return f"{indicator.key}.{figure.key}"


def window(day: date) -> tuple[date, date]:
    """The period a snapshot of `day` covers: the 12 months ending it, both days included."""
    return add_months(day, -WINDOW_MONTHS) + timedelta(days=1), day


def snapshot_day(session: Session, *, institution_id: int, at: datetime) -> date:
    """Return the day an institution's snapshot taken at an instant is of (its local date)."""
    return calendar_service.local_day(session, institution_id=institution_id, at=at).today


def all_institution_ids(session: Session) -> list[int]:
    """Return every institution's id, in order (the flow batches them)."""
    return [i for i in session.exec(select(Institution.id).order_by(col(Institution.id))) if i]


def store_snapshot(
    session: Session,
    *,
    day: date | None = None,
    at: datetime | None = None,
    institution_ids: Sequence[int] | None = None,
) -> int:
    """Compute every indicator over the 12 months ending `day` (or, given `at`, each
    institution's local date at that instant) for each institution (all by default) and
    upsert one row per figure; return the number of figures written."""
    if (day is None) == (at is None):
        raise ValueError("store_snapshot takes a day or an instant, not both")
    ids = list(institution_ids) if institution_ids is not None else all_institution_ids(session)
    written = 0
    for institution_id in ids:
        on = day if day is not None else snapshot_day(session, institution_id=institution_id,
                                                      at=at)  # type: ignore[arg-type]  # fmt: skip
        start, end = window(on)
        query = IndicatorQuery(institution_ids=(institution_id,), from_date=start, to_date=end)
        figures: dict[str, tuple[str, Figure]] = {}
        for indicator in indicator_service.compute_indicators(session, query=query):
            for figure in (indicator.headline, *indicator.figures):
                figures.setdefault(stored_key(indicator, figure), (indicator.key, figure))
        existing = {
            row.figure_key: row
            for row in session.exec(
                select(IndicatorSnapshot).where(
                    IndicatorSnapshot.institution_id == institution_id,
                    IndicatorSnapshot.snapshot_date == on,
                )
            )
        }
        for key, (indicator_key, figure) in figures.items():
            row = existing.get(key) or IndicatorSnapshot(
                institution_id=institution_id, snapshot_date=on, figure_key=key,
                indicator_key=indicator_key, unit=figure.unit,
            )  # fmt: skip
            row.indicator_key, row.unit = indicator_key, figure.unit
            row.numerator, row.denominator, row.value = (
                figure.numerator, figure.denominator, figure.value,
            )  # fmt: skip
            session.add(row)
            written += 1
    session.flush()
    return written


def trend(
    session: Session,
    *,
    institution_ids: Sequence[int] | None,
    figure_key: str,
    since: date,
    until: date | None = None,
) -> list[TrendPoint]:
    """Return a figure per snapshot day from `since` (to `until`), summed over the
    institutions (None: all): a share is Σ numerators / Σ denominators, a count the sum
    of the counts, a number of days the mean of the institutions' values weighted by
    their denominators (exact for one institution). One grouped query."""
    weighted = case(
        (col(IndicatorSnapshot.value).is_not(None), col(IndicatorSnapshot.denominator)), else_=0
    )
    query = (
        sa.select(
            col(IndicatorSnapshot.snapshot_date),
            func.max(IndicatorSnapshot.unit),
            func.sum(IndicatorSnapshot.numerator),
            func.sum(IndicatorSnapshot.denominator),
            func.count(col(IndicatorSnapshot.value)),
            func.sum(IndicatorSnapshot.value),
            func.sum(col(IndicatorSnapshot.value) * weighted),
            func.sum(weighted),
        )
        .where(
            col(IndicatorSnapshot.figure_key) == figure_key,
            col(IndicatorSnapshot.snapshot_date) >= since,
        )  # fmt: skip
        .group_by(col(IndicatorSnapshot.snapshot_date))
        .order_by(col(IndicatorSnapshot.snapshot_date))
    )
    if until is not None:
        query = query.where(col(IndicatorSnapshot.snapshot_date) <= until)
    if institution_ids is not None:
        query = query.where(col(IndicatorSnapshot.institution_id).in_(list(institution_ids)))
    points = []
    for day, unit, num, den, valued, total, weighted_sum, weight in session.execute(query):
        value: float | None = None
        if unit == "share":
            value = num / den if den else None
        elif unit == "days":
            value = float(weighted_sum) / weight if weight else None
        elif valued:
            value = float(total)
        points.append(TrendPoint(day=day, numerator=num, denominator=den, value=value))
    return points
