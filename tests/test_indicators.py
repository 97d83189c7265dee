"""The pure rules of the indicators, table-driven: no database."""

from datetime import date

import pytest

from mowakaba import indicators as ind
from mowakaba.calendar import WorkingCalendar
from mowakaba.enums import ActivityOutcome as A
from mowakaba.enums import HousingOutcome as H
from mowakaba.rules import add_months, age_on


def test_every_indicator_has_a_definition():
    assert set(ind.DEFINITIONS) == set(ind.INDICATOR_KEYS)
    assert all(ind.definition(k) for k in ind.INDICATOR_KEYS)


@pytest.mark.parametrize(
    ("age", "band"),
    [(14, "<16"), (15, "<16"), (16, "16"), (19, "19"), (20, "20"), (21, "21+"), (30, "21+")],
)
def test_age_band(age, band):
    assert ind.age_band(age) == band


@pytest.mark.parametrize(
    ("as_of", "months", "cutoff"),
    [
        (date(2026, 12, 31), 12, date(2025, 12, 31)),
        # 31 Aug + 6 months = 28 Feb (clamped), so every exit up to 31 Aug has had 6 months.
        (date(2027, 2, 28), 6, date(2026, 8, 31)),
        (date(2027, 3, 1), 6, date(2026, 9, 1)),
        # Leap day: 29 Feb 2024 + 12 months = 28 Feb 2025.
        (date(2025, 2, 28), 12, date(2024, 2, 29)),
    ],
)
def test_months_cutoff(as_of, months, cutoff):
    assert ind.months_cutoff(as_of, months) == cutoff
    assert add_months(cutoff, months) <= as_of < add_months(cutoff + (date.resolution), months)


@pytest.mark.parametrize(
    ("dob", "as_of", "age"),
    [
        (date(2011, 6, 30), date(2026, 6, 30), 15),  # the birthday itself
        (date(2011, 7, 1), date(2026, 6, 30), 14),
        (date(2008, 2, 29), date(2026, 2, 28), 18),  # rules.birthday: 28 Feb in common years
    ],
)
def test_age_cutoff_agrees_with_age_on(dob, as_of, age):
    assert age_on(dob, as_of) == age
    assert (dob <= ind.age_cutoff(as_of, age)) and not (dob <= ind.age_cutoff(as_of, age + 1))


@pytest.mark.parametrize(
    ("days", "band"), [(0, "0-2"), (2, "0-2"), (3, "3-5"), (5, "3-5"), (6, "6-10"),
                       (10, "6-10"), (11, ">10"), (40, ">10"), (-1, "0-2")],
)  # fmt: skip
def test_escalation_age_band(days, band):
    assert ind.escalation_age_band(days) == band


def test_working_day_thresholds_count_back_from_as_of():
    # Friday 16 Oct 2026, no holiday in October: the 3rd working day back is Wed 14 Oct,
    # the 6th Fri 9 Oct, the 11th Fri 2 Oct.
    calendar = WorkingCalendar.national([2026])
    got = ind.working_day_thresholds(date(2026, 10, 16), [2, 5, 10], calendar.is_working_day)
    assert got == {2: date(2026, 10, 14), 5: date(2026, 10, 9), 10: date(2026, 10, 2)}


@pytest.mark.parametrize(
    ("in_touch", "housing", "activity", "integrated"),
    [
        (True, H.own_or_rented, A.work, True),
        (True, H.shared_flat, A.training, True),
        (True, H.family, A.education, True),
        (True, H.transitional, A.work, False),  # transitional housing is not stable
        (True, H.institution, A.work, False),
        (True, H.family, A.none, False),
        (False, H.family, A.work, False),  # not in touch: never integrated
        (True, None, None, False),
    ],
)
def test_integrated(in_touch, housing, activity, integrated):
    assert ind.is_integrated(in_touch=in_touch, housing=housing, activity=activity) is integrated


@pytest.mark.parametrize(
    ("values", "median"), [([], None), ([4], 4), ([2, 4, 6], 4), ([10, 22, 61, 365], 41.5)]
)
def test_median(values, median):
    assert ind.median(values) == median


def test_share_is_none_without_a_denominator():
    assert ind.share(0, 0) is None and ind.share(1, 4) == 0.25
