"""Working days and holidays: the national default and an institution's corrected calendar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from hijridate import Gregorian, Hijri

from mowakaba.enums import HolidayKind

# Saturday and Sunday (date.weekday(): Monday is 0).
WEEKEND = frozenset({5, 6})

# (month, day, name) — Morocco's fixed public holidays (CONTEXT.md, Calendar).
FIXED_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "New Year's Day"),
    (1, 11, "Proclamation of Independence"),
    (1, 14, "Amazigh New Year"),
    (5, 1, "Labour Day"),
    (7, 30, "Throne Day"),
    (8, 14, "Oued Ed-Dahab Day"),
    (8, 20, "Revolution of the King and the People"),
    (8, 21, "Youth Day"),
    (11, 6, "Green March"),
    (11, 18, "Independence Day"),
)

# (hijri month, hijri day, name) — religious holidays follow the lunar calendar.
RELIGIOUS_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (10, 1, "Eid al-Fitr"),
    (10, 2, "Eid al-Fitr (2nd day)"),
    (12, 10, "Eid al-Adha"),
    (12, 11, "Eid al-Adha (2nd day)"),
    (1, 1, "Islamic New Year"),
    (3, 12, "Prophet's Birthday"),
    (3, 13, "Prophet's Birthday (2nd day)"),
)


@dataclass(frozen=True, order=True)
class HolidaySpec:
    """One holiday of a year: its date, name and kind."""

    day: date
    name: str
    kind: HolidayKind


def national_default_holidays(year: int, *, hijri_offset_days: int = 0) -> list[HolidaySpec]:
    """Return Morocco's default holidays for a Gregorian year, religious ones computed.

    The religious dates come from the Umm al-Qura calendar shifted by
    `hijri_offset_days`; moon sighting decides the real day, so this is a
    default that an administrator corrects per institution and year.
    """
    specs = [
        HolidaySpec(date(year, m, d), name, HolidayKind.fixed) for m, d, name in FIXED_HOLIDAYS
    ]
    first_hijri_year = Gregorian(year, 1, 1).to_hijri().year
    # A Gregorian year overlaps up to three Hijri years (the Hijri year is 11 days shorter).
    for hijri_year in (first_hijri_year, first_hijri_year + 1, first_hijri_year + 2):
        for month, day, name in RELIGIOUS_HOLIDAYS:
            try:
                gregorian = Hijri(hijri_year, month, day).to_gregorian()
            except OverflowError:  # outside 1343–1500 AH (1924–2077): nothing to compute
                continue
            when = date(gregorian.year, gregorian.month, gregorian.day) + timedelta(
                days=hijri_offset_days
            )
            if when.year == year:
                specs.append(HolidaySpec(when, name, HolidayKind.religious))
    return sorted(specs)


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days: Monday to Friday, less the given holidays."""

    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def national(cls, years: Iterable[int], *, hijri_offset_days: int = 0) -> WorkingCalendar:
        """Return the calendar of the national default holidays for some years."""
        days = {
            spec.day
            for year in years
            for spec in national_default_holidays(year, hijri_offset_days=hijri_offset_days)
        }
        return cls(frozenset(days))

    def is_working_day(self, day: date) -> bool:
        """Tell whether a day is neither a weekend day nor a holiday."""
        return day.weekday() not in WEEKEND and day not in self.holidays

    def roll_forward(self, day: date) -> date:
        """Return the day itself if it is a working day, else the next working day."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """Return the working day `count` working days after `day` (day itself not counted)."""
        if count < 0:
            raise ValueError("count must not be negative")
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day
