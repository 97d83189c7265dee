"""The dashboard's answer times: working days counted from day numbers (once a day)
equal those counted day by day, holidays, weekends and answers before the sending too."""

from __future__ import annotations

from datetime import date, timedelta

from mowakaba.calendar import WorkingCalendar
from mowakaba.services.referrals.lists import working_day_numbers, working_days_between


def test_day_numbers_count_the_working_days_as_the_day_by_day_count_does():
    calendar = WorkingCalendar.national(range(2025, 2027))
    start, end = date(2025, 12, 20), date(2026, 4, 10)  # New Year, 11 January, Ramadan's end
    number = working_day_numbers(calendar, start, end)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    for sent in days[::3]:
        for answered in days[::2]:
            expected = working_days_between(calendar, sent, answered)
            assert max(0, number[answered] - number[sent]) == expected, (sent, answered)


def test_a_holiday_or_a_weekend_adds_no_working_day():
    calendar = WorkingCalendar(frozenset({date(2026, 1, 1)}))
    number = working_day_numbers(calendar, date(2025, 12, 31), date(2026, 1, 5))
    # Thursday 1 January (holiday), Friday 2, weekend, Monday 5.
    assert number[date(2026, 1, 5)] - number[date(2025, 12, 31)] == 2
    assert number[date(2026, 1, 4)] - number[date(2026, 1, 2)] == 0
