"""The clock and local time: Morocco shifts its clock for Ramadan, so zoneinfo does the sums."""

from datetime import UTC, date, datetime

from mowakaba import clock
from mowakaba.rules import Rules

TZ = "Africa/Casablanca"


def test_frozen_clock_is_restored_after_the_block():
    before = clock.now()
    with clock.frozen_at(datetime(2030, 1, 1, tzinfo=UTC)):
        assert clock.now() == datetime(2030, 1, 1, tzinfo=UTC)
    assert clock.now() >= before


def test_local_midnight_across_the_ramadan_clock_change():
    # 2026: Morocco leaves GMT+1 for GMT+0 on 15 Feb (Ramadan) and returns on 22 Mar.
    assert clock.local_midnight(date(2026, 2, 14), TZ) == datetime(2026, 2, 13, 23, 0, tzinfo=UTC)
    assert clock.local_midnight(date(2026, 2, 16), TZ) == datetime(2026, 2, 16, 0, 0, tzinfo=UTC)
    assert clock.local_midnight(date(2026, 3, 23), TZ) == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)


def test_an_item_due_in_the_clock_change_week_is_overdue_from_local_midnight():
    rules = Rules()
    # Due Friday 13 Feb 2026 (GMT+1): overdue from 00:00 local on Sat 14 Feb = 23:00 UTC on 13 Feb.
    assert rules.overdue_from(date(2026, 2, 13), TZ) == datetime(2026, 2, 13, 23, 0, tzinfo=UTC)
    # Due Monday 16 Feb (GMT+0 now): overdue from 00:00 on Tue 17 Feb = 00:00 UTC.
    assert rules.overdue_from(date(2026, 2, 16), TZ) == datetime(2026, 2, 17, 0, 0, tzinfo=UTC)


def test_local_date_of_an_instant_depends_on_the_offset():
    # 23:30 UTC on 13 Feb is 00:30 local on 14 Feb (GMT+1), but 23:30 on 20 Feb (GMT+0).
    assert clock.local_date(datetime(2026, 2, 13, 23, 30, tzinfo=UTC), TZ) == date(2026, 2, 14)
    assert clock.local_date(datetime(2026, 2, 20, 23, 30, tzinfo=UTC), TZ) == date(2026, 2, 20)


def test_as_of_parses_a_local_date_or_an_iso_datetime():
    assert clock.parse_as_of("2026-03-01", TZ) == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert clock.parse_as_of("2026-06-01T10:00", TZ) == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert clock.parse_as_of("2026-06-01T10:00+00:00", TZ) == datetime(2026, 6, 1, 10, tzinfo=UTC)
