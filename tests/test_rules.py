"""The programme's rules of DESIGN.md §2, table-driven, every date worked out by hand."""

from datetime import date

import pytest

from mowakaba.calendar import WorkingCalendar
from mowakaba.enums import AssigneePool, CheckpointStatus, Stage
from mowakaba.errors import ExtensionTooLate, ImplausibleDates, InvalidExtension
from mowakaba.rules import Rules, add_months, age_on, birthday, format_days, parse_days
from mowakaba.settings import Timings

# National default holidays with Morocco's usual +1 day on Umm al-Qura. Religious
# days used below: Eid al-Adha 2030 falls on 14–15 April by this default.
RULES = Rules(calendar=WorkingCalendar.national(range(2024, 2036), hijri_offset_days=1))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),  # month end clamps
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 5, 15), 6, date(2026, 11, 15)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
    ],
)
def test_add_months_is_a_calendar_interval_that_clamps(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("born", "age", "expected"),
    [
        (date(2012, 3, 15), 14, date(2026, 3, 15)),
        (date(2012, 2, 29), 14, date(2026, 2, 28)),  # 29 Feb: 28 Feb in a common year
        (date(2012, 2, 29), 16, date(2028, 2, 29)),  # and 29 Feb in a leap year
        (date(2012, 2, 29), 18, date(2030, 2, 28)),
    ],
)
def test_birthdays(born, age, expected):
    assert birthday(born, age) == expected


def test_age_on_a_day():
    assert age_on(date(2012, 2, 29), date(2026, 2, 27)) == 13
    assert age_on(date(2012, 2, 29), date(2026, 2, 28)) == 14


@pytest.mark.parametrize(
    ("start", "days", "months", "expected"),
    [
        (date(2026, 11, 4), 30, 0, date(2026, 12, 4)),  # a Friday: itself
        (date(2026, 11, 5), 30, 0, date(2026, 12, 7)),  # Saturday 5 Dec: Monday
        (date(2026, 10, 7), 30, 0, date(2026, 11, 9)),  # Fri 6 Nov, Green March: Monday 9
        (date(2026, 12, 10), 30, 0, date(2027, 1, 12)),  # Sat 9, Sun 10, Mon 11 Jan holiday: Tue
        (date(2027, 1, 31), 0, 1, date(2027, 3, 1)),  # 28 Feb 2027 is a Sunday: Monday 1 Mar
        (date(2027, 2, 4), 0, 6, date(2027, 8, 4)),
    ],
)
def test_due_dates_roll_forward_off_weekends_and_holidays(start, days, months, expected):
    assert RULES.due(start, days=days, months=months) == expected


def test_reminders_are_calendar_days_before_the_due_date():
    assert RULES.reminder_dates(date(2026, 12, 29)) == [
        (7, date(2026, 12, 22)),
        (1, date(2026, 12, 28)),
    ]
    # Due on a Monday: D−1 is the Sunday before (an in-app reminder may land on a weekend).
    assert RULES.reminder_dates(date(2026, 12, 7))[1] == (1, date(2026, 12, 6))


@pytest.mark.parametrize(
    ("due", "level_1", "level_2"),
    [
        # Fri 4 Dec: Mon 7, Tue 8, Wed 9 | ... Fri 18.
        (date(2026, 12, 4), date(2026, 12, 9), date(2026, 12, 18)),
        # Tue 29 Dec: 30, 31, (1 Jan off), Mon 4 | 5, 6, 7, 8, (11 off), 12, 13, (14 off), 15.
        (date(2026, 12, 29), date(2027, 1, 4), date(2027, 1, 15)),
        # Wed 4 Nov: Thu 5, (Fri 6 off), Mon 9, Tue 10 | 11, 12, 13, 16, 17, (18 off), 19, Fri 20.
        (date(2026, 11, 4), date(2026, 11, 10), date(2026, 11, 20)),
    ],
)
def test_escalations_are_working_days_after_the_due_date(due, level_1, level_2):
    assert RULES.escalation_dates(due) == (level_1, level_2)


def test_escalation_level_due_and_pool_items_starting_at_level_2():
    due = date(2026, 12, 4)
    assert RULES.escalation_level_due(due, date(2026, 12, 8), pooled=False) == 0
    assert RULES.escalation_level_due(due, date(2026, 12, 9), pooled=False) == 1
    assert RULES.escalation_level_due(due, date(2026, 12, 9), pooled=True) == 0
    assert RULES.escalation_level_due(due, date(2026, 12, 18), pooled=False) == 2
    assert RULES.escalation_level_due(due, date(2026, 12, 18), pooled=True) == 2


@pytest.mark.parametrize(
    ("reminder_days", "escalation_days", "reminders", "escalations"),
    [
        (None, None, (7, 1), (date(2026, 12, 9), date(2026, 12, 18))),
        ("7,1", "3,10", (7, 1), (date(2026, 12, 9), date(2026, 12, 18))),
        ("10,2", "5,12", (10, 2), (date(2026, 12, 11), date(2026, 12, 22))),
    ],
)
def test_an_item_keeps_the_reminder_and_escalation_days_it_was_created_with(
    reminder_days, escalation_days, reminders, escalations
):
    kept = RULES.kept_by(reminder_days, escalation_days)
    due = date(2026, 12, 4)
    assert tuple(n for n, _ in kept.reminder_dates(due)) == reminders
    assert kept.escalation_dates(due) == escalations
    assert kept.calendar is RULES.calendar
    assert RULES.timings == Timings()  # the current rules do not change


def test_day_lists_are_kept_as_short_strings():
    assert format_days((7, 1)) == "7,1"
    assert parse_days("3,10") == (3, 10)
    assert parse_days(format_days((14, 7, 1))) == (14, 7, 1)


@pytest.mark.parametrize(
    ("born", "planned_exit", "registered", "expected"),
    [
        # 17th birthday (15 Mar 2029) is before 6 months before the exit (15 Sep 2029).
        (date(2012, 3, 15), date(2030, 3, 15), date(2026, 11, 29), date(2029, 3, 15)),
        # An early planned exit (return to family at 17¼): 6 months before comes first.
        (date(2012, 3, 15), date(2029, 6, 30), date(2026, 11, 29), date(2028, 12, 30)),
        # An extension to 20 does not delay it: the 17th birthday stays first.
        (date(2012, 3, 15), date(2032, 3, 15), date(2026, 11, 29), date(2029, 3, 15)),
        # Registered after both: on the registration day.
        (date(2009, 5, 20), date(2027, 5, 20), date(2026, 11, 20), date(2026, 11, 20)),
    ],
)
def test_exit_preparation_starts_at_the_earlier_trigger(born, planned_exit, registered, expected):
    assert RULES.exit_preparation_date(born, planned_exit, registered) == expected


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"date_of_birth": date(2027, 1, 1)}, ImplausibleDates),  # born after registration
        ({"date_of_birth": date(1990, 1, 1)}, ImplausibleDates),  # not a youth
        ({"admission": date(2011, 1, 1)}, ImplausibleDates),  # admitted before birth
        ({"admission": date(2026, 12, 1)}, ImplausibleDates),  # admitted after registration
        ({"exit_date": date(2026, 12, 1)}, ImplausibleDates),  # exit in the future
        ({"date_of_birth": date(2002, 1, 1), "exit_date": date(2020, 1, 1)}, ImplausibleDates),
        ({"date_of_birth": date(2005, 1, 1)}, ImplausibleDates),  # 21 and still in care
    ],
)
def test_implausible_registrations_are_refused(kwargs, error):
    base = {"date_of_birth": date(2012, 3, 15), "registered": date(2026, 11, 29)}
    with pytest.raises(error):
        RULES.check_registration(**{**base, **kwargs})


def test_extension_to_the_21st_birthday_and_not_a_day_past():
    born = date(2008, 4, 10)
    args = dict(date_of_birth=born, current_planned_exit=date(2026, 4, 10), today=date(2026, 3, 1))
    RULES.check_extension(until=date(2029, 4, 10), reason="finishing OFPPT course", **args)
    with pytest.raises(ExtensionTooLate):
        RULES.check_extension(until=date(2029, 4, 11), reason="finishing OFPPT course", **args)
    with pytest.raises(InvalidExtension, match="reason"):
        RULES.check_extension(until=date(2027, 4, 10), reason="  ", **args)
    with pytest.raises(InvalidExtension, match="not after"):
        RULES.check_extension(until=date(2026, 4, 1), reason="x", **args)


def test_needs_extension_once_past_18_and_the_planned_exit():
    born = date(2008, 4, 10)
    assert not RULES.needs_extension(born, date(2026, 4, 10), date(2026, 4, 10))
    assert RULES.needs_extension(born, date(2026, 4, 10), date(2026, 4, 11))


def test_a_presumed_date_of_birth_drives_the_rules_all_the_same():
    # A foundling's presumed 1 January birth: the rules have no other date to use.
    presumed = date(2012, 1, 1)
    assert RULES.intake_date(presumed, date(2025, 6, 1)) == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("status", "today", "missed"),
    [
        (CheckpointStatus.open, date(2027, 2, 3), False),  # due + 30: not yet
        (CheckpointStatus.open, date(2027, 2, 4), True),  # due + 31: missed
        (CheckpointStatus.no_contact, date(2027, 1, 4), True),
        (CheckpointStatus.contacted, date(2028, 1, 1), False),
    ],
)
def test_a_checkpoint_is_missed_when_no_contact_or_open_30_days(status, today, missed):
    assert RULES.checkpoint_missed(status, date(2027, 1, 4), today) is missed


@pytest.mark.parametrize(
    ("history", "not_in_touch"),
    [
        ([False, True], False),
        ([True, True], True),
        ([True, True, False], False),  # any contact clears the mark
        ([True, False, True], False),  # misses must be in a row
        ([False, True, True, True], True),
    ],
)
def test_two_misses_in_a_row_mark_not_in_touch(history, not_in_touch):
    assert RULES.is_not_in_touch(history) is not_in_touch


def test_plan_approval_goes_to_the_coordinators_pool():
    spec = RULES.plan_approval_item(date(2027, 1, 28), version=1)
    assert spec.pool == AssigneePool.institution_coordinators
    assert spec.due_date == date(2027, 2, 4)
    rework = RULES.plan_item(date(2027, 2, 1), version=2, rework=True)
    assert (rework.subject, rework.due_date) == ("v2", date(2027, 2, 15))


def test_reviews_every_6_months_while_active_and_every_3_in_exit_preparation():
    assert RULES.review_item(Stage.active, date(2027, 2, 4), number=1).due_date == date(2027, 8, 4)
    assert RULES.review_item(Stage.exit_preparation, date(2029, 4, 16), number=6).due_date == date(
        2029, 7, 16
    )


def test_timings_are_configurable():
    quick = Rules(timings=Timings(intake_assessment_days=10), calendar=RULES.calendar)
    assert quick.intake_items(date(2026, 11, 30))[0].due_date == date(2026, 12, 10)
