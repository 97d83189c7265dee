"""Working days and holidays, worked out by hand on a 2026 wall calendar."""

from datetime import date

import pytest

from mowakaba.calendar import WorkingCalendar, national_default_holidays
from mowakaba.enums import HolidayKind

CAL_2026 = WorkingCalendar.national([2026, 2027], hijri_offset_days=1)


def test_fixed_holidays_are_the_ten_of_the_programme():
    fixed = [h.day for h in national_default_holidays(2026) if h.kind == HolidayKind.fixed]
    assert fixed == [
        date(2026, 1, 1), date(2026, 1, 11), date(2026, 1, 14), date(2026, 5, 1),
        date(2026, 7, 30), date(2026, 8, 14), date(2026, 8, 20), date(2026, 8, 21),
        date(2026, 11, 6), date(2026, 11, 18),
    ]  # fmt: skip


def test_religious_holidays_follow_umm_al_qura_shifted_by_the_offset():
    religious = {
        h.name: h.day
        for h in national_default_holidays(2026, hijri_offset_days=1)
        if h.kind == HolidayKind.religious
    }
    # Umm al-Qura: 1 Shawwal 1447 = 20 Mar 2026, 10 Dhu al-Hijjah = 27 May,
    # 1 Muharram 1448 = 16 Jun; Morocco usually one day later.
    assert religious["Eid al-Fitr"] == date(2026, 3, 21)
    assert religious["Eid al-Fitr (2nd day)"] == date(2026, 3, 22)
    assert religious["Eid al-Adha"] == date(2026, 5, 28)
    assert religious["Islamic New Year"] == date(2026, 6, 17)
    assert religious["Prophet's Birthday"] == date(2026, 8, 26)


def test_a_gregorian_year_can_hold_a_religious_holiday_twice():
    # The Hijri year is 11 days shorter: Islamic New Year falls twice in 2008.
    new_years = [h.day for h in national_default_holidays(2008) if h.name == "Islamic New Year"]
    assert new_years == [date(2008, 1, 10), date(2008, 12, 29)]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 2), date(2026, 12, 2)),  # a Wednesday: itself
        (date(2026, 12, 5), date(2026, 12, 7)),  # a Saturday: the Monday
        (date(2026, 12, 6), date(2026, 12, 7)),  # a Sunday: the Monday
        (date(2026, 5, 1), date(2026, 5, 4)),  # Labour Day, a Friday: the Monday
        (date(2026, 8, 20), date(2026, 8, 24)),  # 20 Aug (Thu), 21 Aug (Fri), weekend: Monday 24
        (date(2027, 1, 9), date(2027, 1, 12)),  # Sat 9, Sun 10, Mon 11 Jan holiday: Tuesday 12
    ],
)
def test_roll_forward_skips_weekends_and_holidays(day, expected):
    assert CAL_2026.roll_forward(day) == expected


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 12, 2), 3, date(2026, 12, 7)),  # Wed + 3: Thu, Fri, Mon
        (date(2026, 12, 4), 3, date(2026, 12, 9)),  # Fri + 3 across a weekend: Mon, Tue, Wed
        (date(2026, 11, 5), 3, date(2026, 11, 11)),  # Thu + 3 across 6 Nov and a weekend
        (date(2026, 12, 29), 3, date(2027, 1, 4)),  # across New Year's Day
        (date(2026, 12, 29), 10, date(2027, 1, 15)),  # across 1, 11 and 14 January
        (date(2026, 12, 2), 0, date(2026, 12, 2)),
    ],
)
def test_add_working_days(day, count, expected):
    assert CAL_2026.add_working_days(day, count) == expected


def test_an_empty_calendar_has_only_weekends():
    cal = WorkingCalendar()
    assert cal.is_working_day(date(2026, 1, 1))
    assert not cal.is_working_day(date(2026, 1, 3))
