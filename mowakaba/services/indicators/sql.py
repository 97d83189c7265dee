"""What every indicator query shares: the scope, the day's bounds, portable date SQL,
and the figures built from counts ("no data" when a denominator is 0)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from mowakaba.clock import local_midnight
from mowakaba.indicators import median, share
from mowakaba.services.indicators.types import Figure, IndicatorQuery
from mowakaba.settings import get_settings

# SQLite has no time zones: a UTC instant's local day is read at Morocco's standard
# offset (UTC+1). PostgreSQL reads it in the default zone (UTC+0 during Ramadan).
SQLITE_OFFSET = "+1 hours"


def zone() -> str:
    """The zone in which instants become days (the default institutions' zone)."""
    return get_settings().default_time_zone


def day_start(day: date) -> datetime:
    """00:00 local on a day, as a UTC instant."""
    return local_midnight(day, zone())


def day_end(day: date) -> datetime:
    """00:00 local on the next day: an instant is "on or before `day`" when below it."""
    return local_midnight(day + timedelta(days=1), zone())


def in_scope(column: Any, query: IndicatorQuery) -> Any:
    """A filter keeping the rows of the query's institutions (all when None)."""
    if query.institution_ids is None:
        return sa.true()
    return col(column).in_(query.institution_ids)


def is_postgresql(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"


def local_date(session: Session, instant: Any) -> Any:
    """SQL: the local calendar day of a UTC instant column."""
    if is_postgresql(session):
        return sa.cast(sa.func.timezone(zone(), instant), sa.Date)
    return sa.func.date(instant, SQLITE_OFFSET)


def add_years(session: Session, day: Any, years: int) -> Any:
    """SQL: a date column plus whole years (29 Feb + 1 year: 28 Feb on PostgreSQL,
    1 Mar on SQLite)."""
    if is_postgresql(session):
        return sa.cast(day + sa.literal_column(f"interval '{int(years)} years'"), sa.Date)
    return sa.func.date(day, f"+{int(years)} years")


def add_months(session: Session, day: Any, months: int) -> Any:
    """SQL: a date column plus whole months (PostgreSQL clamps to the month's end; SQLite
    rolls over by up to 3 days: a boundary case only)."""
    if is_postgresql(session):
        return sa.cast(day + sa.literal_column(f"interval '{int(months)} months'"), sa.Date)
    return sa.func.date(day, f"+{int(months)} months")


def days_between(session: Session, start: Any, end: Any) -> Any:
    """SQL: whole days from one date expression to another (end - start)."""
    if is_postgresql(session):
        return sa.cast(end, sa.Date) - sa.cast(start, sa.Date)
    return sa.cast(sa.func.julianday(end) - sa.func.julianday(start), sa.Integer)


def later_of(a: Any, b: Any) -> Any:
    """SQL: the later of two dates."""
    return sa.case((a > b, a), else_=b)


def count_if(condition: Any) -> Any:
    """SQL: how many rows meet a condition."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def share_figure(key: str, numerator: int, denominator: int) -> Figure:
    """A share: numerator / denominator, None when the denominator is 0."""
    return Figure(key, int(numerator), int(denominator), share(numerator, denominator), "share")


def count_figure(key: str, count: int, denominator: int | None = None) -> Figure:
    """A count (of something out of `denominator`, when given)."""
    return Figure(key, int(count), denominator, float(count), "count")


def median_figure(key: str, sorted_days: list[int]) -> Figure:
    """The median of sorted day counts, with n as its denominator."""
    return Figure(key, None, len(sorted_days), median(sorted_days), "days")


def fetch(session: Session, statement: Any) -> list[Any]:
    """Run an aggregate query in the session's transaction and return its rows."""
    session.flush()  # the pending rows count too
    return list(session.connection().execute(statement).all())
