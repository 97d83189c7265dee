"""An institution's holiday calendar: seeded per year from the national default, then corrected."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mowakaba import clock
from mowakaba.calendar import WorkingCalendar, national_default_holidays
from mowakaba.enums import HolidayKind
from mowakaba.errors import InvalidInput, NotFound
from mowakaba.models import CalendarYear, Holiday, Institution
from mowakaba.rules import Rules
from mowakaba.services import institutions as institution_service
from mowakaba.settings import get_settings

MIN_YEAR, MAX_YEAR = 1990, 2076  # the range the Hijri conversion covers, with margin


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}")


def seed_calendar_year(session: Session, *, institution_id: int, year: int) -> int:
    """Seed a year of an institution's calendar from the national default, once.

    Returns the number of holidays added (0 when the year was already seeded:
    an administrator's corrections are never overwritten).
    """
    _check_year(year)
    if session.get(Institution, institution_id) is None:
        raise NotFound(f"institution {institution_id} not found")
    if session.get(CalendarYear, (institution_id, year)) is not None:
        return 0
    session.add(CalendarYear(institution_id=institution_id, year=year))
    specs = national_default_holidays(year, hijri_offset_days=get_settings().hijri_offset_days)
    taken: set[date] = set(
        session.exec(
            select(col(Holiday.holiday_date)).where(
                Holiday.institution_id == institution_id,
                Holiday.holiday_date >= date(year, 1, 1),
                Holiday.holiday_date <= date(year, 12, 31),
            )
        )
    )
    added = 0
    for spec in specs:
        if spec.day in taken:
            continue  # two holidays on one day (Eid on a fixed holiday): one day off
        taken.add(spec.day)
        session.add(
            Holiday(
                institution_id=institution_id, holiday_date=spec.day, name=spec.name, kind=spec.kind
            )
        )
        added += 1
    session.flush()
    return added


def seed_current_years(session: Session, *, institution_id: int) -> int:
    """Seed an institution's calendar for its local current year and the next; return the count."""
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFound(f"institution {institution_id} not found")
    year = clock.local_date(clock.now(), institution.time_zone).year
    return sum(
        seed_calendar_year(session, institution_id=institution_id, year=y) for y in (year, year + 1)
    )


def institution_calendar(
    session: Session, *, institution_id: int, years: Iterable[int]
) -> WorkingCalendar:
    """Return an institution's working calendar over some years, seeding missing ones."""
    years = sorted(set(years))
    seeded = set(
        session.exec(
            select(CalendarYear.year).where(
                CalendarYear.institution_id == institution_id,
                col(CalendarYear.year).in_(years),
            )
        )
    )
    for year in years:
        if year not in seeded:
            seed_calendar_year(session, institution_id=institution_id, year=year)
    days = session.exec(
        select(col(Holiday.holiday_date)).where(
            Holiday.institution_id == institution_id,
            Holiday.holiday_date >= date(years[0], 1, 1),
            Holiday.holiday_date <= date(years[-1], 12, 31),
        )
    )
    return WorkingCalendar(frozenset(days.all()))


def list_holidays(session: Session, *, institution_id: int, year: int) -> list[Holiday]:
    """Return an institution's holidays of a year, in date order (seeding it if needed)."""
    seed_calendar_year(session, institution_id=institution_id, year=year)
    return list(
        session.exec(
            select(Holiday)
            .where(
                Holiday.institution_id == institution_id,
                Holiday.holiday_date >= date(year, 1, 1),
                Holiday.holiday_date <= date(year, 12, 31),
            )
            .order_by(col(Holiday.holiday_date))
        )
    )


def add_holiday(
    session: Session,
    *,
    institution_id: int,
    day: date,
    name: str,
    kind: HolidayKind = HolidayKind.local,
) -> Holiday:
    """Add a day off to an institution's calendar (e.g. Eid announced a day later)."""
    if not name.strip():
        raise InvalidInput("a holiday needs a name")
    seed_calendar_year(session, institution_id=institution_id, year=day.year)
    exists = session.exec(
        select(Holiday).where(Holiday.institution_id == institution_id, Holiday.holiday_date == day)
    ).first()
    if exists is not None:
        raise InvalidInput(f"institution {institution_id} already has a holiday on {day}")
    holiday = Holiday(institution_id=institution_id, holiday_date=day, name=name.strip(), kind=kind)
    session.add(holiday)
    session.flush()
    forget_cached_rules()
    return holiday


def remove_holiday(session: Session, *, institution_id: int, day: date) -> None:
    """Remove a day off from an institution's calendar (it becomes a working day)."""
    seed_calendar_year(session, institution_id=institution_id, year=day.year)
    result = session.execute(
        sa.delete(Holiday).where(
            col(Holiday.institution_id) == institution_id,
            col(Holiday.holiday_date) == day,
        )
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"institution {institution_id} has no holiday on {day}")
    forget_cached_rules()


def move_holiday(session: Session, *, institution_id: int, day: date, to: date) -> Holiday:
    """Move a holiday to another day (a religious holiday fixed by moon sighting)."""
    holiday = session.exec(
        select(Holiday).where(Holiday.institution_id == institution_id, Holiday.holiday_date == day)
    ).first()
    if holiday is None:
        raise NotFound(f"institution {institution_id} has no holiday on {day}")
    name, kind = holiday.name, holiday.kind
    remove_holiday(session, institution_id=institution_id, day=day)
    return add_holiday(session, institution_id=institution_id, day=to, name=name, kind=kind)


# Rules per (institution, years), kept for a minute: a corrected holiday applies within a
# minute everywhere, and a sweep or replay does not reload the calendar for every item.
_RULES_TTL_SECONDS = 60.0
_rules_cache: dict[tuple[int, int, int], tuple[float, Rules]] = {}


def forget_cached_rules() -> None:
    """Drop the cached calendars (after a correction, and in tests)."""
    _rules_cache.clear()


def rules_for(session: Session, *, institution_id: int, today: date) -> Rules:
    """Return the pathway rules of an institution: programme timings over its calendar.

    The calendar covers the years a due date computed today can reach
    (checkpoints run 36 months past an exit).
    """
    first, last = today.year - 1, today.year + 5
    key = (institution_id, first, last)
    cached = _rules_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < _RULES_TTL_SECONDS:
        return cached[1]
    calendar = institution_calendar(
        session, institution_id=institution_id, years=range(first, last)
    )
    rules = Rules(timings=get_settings().timings, calendar=calendar)
    _rules_cache[key] = (time.monotonic(), rules)
    return rules


@dataclass(frozen=True)
class LocalDay:
    """An institution's local date at an instant, and the pathway rules that hold on it."""

    institution: Institution
    today: date
    session: Session = field(repr=False, compare=False)

    def rules(self) -> Rules:
        """Return the institution's rules today (read when asked: it may seed calendar years)."""
        assert self.institution.id is not None
        return rules_for(self.session, institution_id=self.institution.id, today=self.today)


def local_day(session: Session, *, institution_id: int, at: datetime) -> LocalDay:
    """Return an institution's local today at an instant (its time zone), with its rules."""
    institution = institution_service.get_institution(session, institution_id)
    return LocalDay(
        institution=institution, today=clock.local_date(at, institution.time_zone), session=session
    )
