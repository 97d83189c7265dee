"""Holiday calendars: the national default (computed per year, then corrected by an admin)
and each institution's, seeded per year from the national default, then corrected."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mowakaba import clock
from mowakaba.calendar import HolidaySpec, WorkingCalendar, national_default_holidays
from mowakaba.db import READ_ONLY
from mowakaba.enums import HolidayKind
from mowakaba.errors import Conflict, InvalidInput, NotFound
from mowakaba.models import (
    CalendarYear,
    Holiday,
    Institution,
    NationalCalendarYear,
    NationalHoliday,
)
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
    seed_national_year(session, year=year)
    specs = [
        HolidaySpec(h.holiday_date, h.name, h.kind)
        for h in session.exec(select(NationalHoliday).where(*_in_year(NationalHoliday, year)))
    ]
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
    unseeded: set[date] = set()
    for year in years:
        if year in seeded:
            continue
        if reads_only(session):  # a reading request cannot write: the default, not stored
            unseeded |= _default_days(session, year)
        else:
            seed_calendar_year(session, institution_id=institution_id, year=year)
    days = session.exec(
        select(col(Holiday.holiday_date)).where(
            Holiday.institution_id == institution_id,
            Holiday.holiday_date >= date(years[0], 1, 1),
            Holiday.holiday_date <= date(years[-1], 12, 31),
        )
    )
    return WorkingCalendar(frozenset(days.all()) | unseeded)


def reads_only(session: Session) -> bool:
    """Tell whether the session is a reading one (`session_scope(write=False)`)."""
    return bool(session.get_bind().get_execution_options().get(READ_ONLY))


def _default_days(session: Session, year: int) -> set[date]:
    """The days off a year of an institution's calendar would be seeded with."""
    _check_year(year)
    if session.get(NationalCalendarYear, year) is not None:
        national = select(col(NationalHoliday.holiday_date)).where(*_in_year(NationalHoliday, year))
        return set(session.exec(national))
    specs = national_default_holidays(year, hijri_offset_days=get_settings().hijri_offset_days)
    return {spec.day for spec in specs}


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


def _in_year(
    table: type[Holiday] | type[NationalHoliday], year: int
) -> list[sa.ColumnElement[bool]]:
    day = col(table.holiday_date)
    return [day >= date(year, 1, 1), day <= date(year, 12, 31)]


# ---------------------------------------------------------------- the national default


def seed_national_year(session: Session, *, year: int) -> int:
    """Compute a year of the national default, once; return the number of holidays added
    (0 when the year is there already: an admin's corrections are never overwritten)."""
    _check_year(year)
    if session.get(NationalCalendarYear, year) is not None:
        return 0
    specs = national_default_holidays(year, hijri_offset_days=get_settings().hijri_offset_days)
    days: dict[date, HolidaySpec] = {}
    for spec in specs:  # two holidays on one day (Eid on a fixed holiday): one day off
        days.setdefault(spec.day, spec)
    try:
        with session.begin_nested():  # another request may be seeding the same year
            session.add(NationalCalendarYear(year=year))
            session.add_all(
                NationalHoliday(holiday_date=d.day, name=d.name, kind=d.kind) for d in days.values()
            )
    except IntegrityError:
        return 0
    return len(days)


def year_seeded(session: Session, *, institution_id: int | None, year: int) -> bool:
    """Tell whether a year of a calendar (None: the national default) exists already."""
    if institution_id is None:
        return session.get(NationalCalendarYear, year) is not None
    return session.get(CalendarYear, (institution_id, year)) is not None


def read_holidays(
    session: Session, *, institution_id: int | None, year: int
) -> list[Holiday] | list[NationalHoliday]:
    """Return a seeded year's holidays of a calendar (None: the national default), by date,
    without seeding anything (a reading request cannot write)."""
    if institution_id is None:
        national = select(NationalHoliday).where(*_in_year(NationalHoliday, year))
        return list(session.exec(national.order_by(col(NationalHoliday.holiday_date))))
    local = select(Holiday).where(
        Holiday.institution_id == institution_id, *_in_year(Holiday, year)
    )
    return list(session.exec(local.order_by(col(Holiday.holiday_date))))


def list_national_holidays(session: Session, *, year: int) -> list[NationalHoliday]:
    """Return the national default's holidays of a year, by date (computing it if needed)."""
    seed_national_year(session, year=year)
    return list(read_holidays(session, institution_id=None, year=year))  # type: ignore[arg-type]


def _national_on(session: Session, day: date) -> NationalHoliday | None:
    return session.exec(select(NationalHoliday).where(NationalHoliday.holiday_date == day)).first()


def _seeded_institutions(session: Session, year: int) -> list[int]:
    query = select(CalendarYear.institution_id).where(CalendarYear.year == year)
    return list(session.exec(query.order_by(col(CalendarYear.institution_id))))


def _institution_holidays_on(session: Session, day: date, name: str) -> list[Holiday]:
    """The institutions' copies of a national holiday: same day, same name."""
    same = select(Holiday).where(Holiday.holiday_date == day, Holiday.name == name)
    return list(session.exec(same))


def add_national_holiday(
    session: Session, *, day: date, name: str, kind: HolidayKind = HolidayKind.fixed
) -> int:
    """Add a day off to the national default, and to every institution's calendar of that
    year that has no holiday on the day; return the number of institutions changed."""
    name = name.strip()
    if not name:
        raise InvalidInput("a holiday needs a name")
    seed_national_year(session, year=day.year)
    if _national_on(session, day) is not None:
        raise Conflict(f"the national calendar already has a holiday on {day}")
    session.add(NationalHoliday(holiday_date=day, name=name, kind=kind))
    taken = set(session.exec(select(Holiday.institution_id).where(Holiday.holiday_date == day)))
    changed = [i for i in _seeded_institutions(session, day.year) if i not in taken]
    session.add_all(
        Holiday(institution_id=i, holiday_date=day, name=name, kind=kind) for i in changed
    )
    session.flush()
    forget_cached_rules()
    return len(changed)


def remove_national_holiday(session: Session, *, day: date) -> int:
    """Make a national holiday a working day, in the default and in every institution's
    calendar that still has it (same day, same name); return the institutions changed."""
    seed_national_year(session, year=day.year)
    holiday = _national_on(session, day)
    if holiday is None:
        raise NotFound(f"the national calendar has no holiday on {day}")
    copies = _institution_holidays_on(session, day, holiday.name)
    for row in (*copies, holiday):
        session.delete(row)
    session.flush()
    forget_cached_rules()
    return len(copies)


def move_national_holiday(session: Session, *, day: date, to: date) -> int:
    """Move a national holiday (moon sighting), and its copy in every institution's calendar
    that still has it and is free on the new day; return the institutions changed."""
    if to == day:
        raise InvalidInput("a holiday moves to another day")
    if to.year != day.year:
        raise InvalidInput("a holiday moves within its year")
    seed_national_year(session, year=day.year)
    holiday = _national_on(session, day)
    if holiday is None:
        raise NotFound(f"the national calendar has no holiday on {day}")
    if _national_on(session, to) is not None:
        raise Conflict(f"the national calendar already has a holiday on {to}")
    taken = set(session.exec(select(Holiday.institution_id).where(Holiday.holiday_date == to)))
    copies = [
        h
        for h in _institution_holidays_on(session, day, holiday.name)
        if h.institution_id not in taken
    ]
    for row in (*copies, holiday):
        row.holiday_date = to
        session.add(row)
    session.flush()
    forget_cached_rules()
    return len(copies)


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


def national_calendar(session: Session, *, years: Iterable[int]) -> WorkingCalendar:
    """Return the national default's working calendar (as corrected) over some years,
    computing missing years: the calendar of partners, who serve regions, not institutions."""
    years = sorted(set(years))
    computed: set[date] = set()
    for year in years:
        if not reads_only(session):
            seed_national_year(session, year=year)
        elif session.get(NationalCalendarYear, year) is None:
            # A reading request cannot write (SQLite refuses): the default, not stored.
            computed |= _default_days(session, year)
    days = session.exec(
        select(col(NationalHoliday.holiday_date)).where(
            NationalHoliday.holiday_date >= date(years[0], 1, 1),
            NationalHoliday.holiday_date <= date(years[-1], 12, 31),
        )
    )
    return WorkingCalendar(frozenset(days.all()) | computed)
