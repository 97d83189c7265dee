"""The one clock every rule reads "now" from; set it for --as-of, replays and tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

_frozen: datetime | None = None


def now() -> datetime:
    """Return the current instant, timezone-aware UTC (or the frozen one)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


def set_now(instant: datetime | None) -> None:
    """Freeze the clock at an instant (None unfreezes it)."""
    global _frozen
    _frozen = None if instant is None else as_utc(instant)


@contextmanager
def frozen_at(instant: datetime) -> Iterator[datetime]:
    """Freeze the clock for a block, then restore what it was."""
    previous = _frozen
    set_now(instant)
    try:
        yield now()
    finally:
        set_now(previous)


def as_utc(instant: datetime) -> datetime:
    """Return an aware UTC datetime; a naive one is taken to be UTC already."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def local_date(instant: datetime, tz: str) -> date:
    """Return the calendar date of an instant in a time zone."""
    return as_utc(instant).astimezone(ZoneInfo(tz)).date()


def local_midnight(day: date, tz: str) -> datetime:
    """Return 00:00 local on a day, as a UTC instant (zoneinfo handles Ramadan's clock shift)."""
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def from_iso(value: str | None) -> datetime:
    """Return the instant an ISO string names (None: now); flows pass instants this way."""
    return now() if value is None else as_utc(datetime.fromisoformat(value))


def parse_as_of(value: str | None, tz: str) -> datetime:
    """Parse an --as-of value: a date (00:00 local) or an ISO datetime (naive = local)."""
    if value is None or value == "":
        return now()
    text = value.strip()
    try:
        if len(text) == 10:
            return local_midnight(date.fromisoformat(text), tz)
        instant = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not a date or datetime: {value!r} (use YYYY-MM-DD or ISO 8601)") from exc
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo(tz))
    return instant.astimezone(UTC)
