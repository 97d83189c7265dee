"""The national default calendar: computed once per year, corrected by an admin, and the
corrections carried to the institutions' calendars that still follow it."""

from datetime import date

import pytest

from mowakaba.errors import Conflict, InvalidInput, NotFound
from mowakaba.services import calendars as calendar_service
from mowakaba.services import institutions as institution_service


@pytest.fixture
def institutions(session):
    return [
        institution_service.create_institution(session, name=name, region="Fès-Meknès")
        for name in ("Dar Al Atfal Fès", "Dar Al Atfal Meknès")
    ]


def days(session, institution_id, year=2027):
    return {
        h.holiday_date: h.name
        for h in calendar_service.list_holidays(session, institution_id=institution_id, year=year)
    }


def test_a_national_year_is_computed_once_and_seeds_institutions(session, institutions):
    assert calendar_service.seed_national_year(session, year=2027) == 17
    assert calendar_service.seed_national_year(session, year=2027) == 0
    national = calendar_service.list_national_holidays(session, year=2027)
    assert len(national) == 17 and national[0].holiday_date == date(2027, 1, 1)
    assert set(days(session, institutions[0].id)) == {h.holiday_date for h in national}


def test_a_correction_of_the_default_seeds_the_institutions_years_seeded_later(
    session, institutions
):
    eid = next(
        h for h in calendar_service.list_national_holidays(session, year=2027)
        if h.name == "Eid al-Fitr"
    )  # fmt: skip
    moved_to = date(2027, 3, 12)
    assert calendar_service.move_national_holiday(session, day=eid.holiday_date, to=moved_to) == 0
    assert days(session, institutions[0].id)[moved_to] == "Eid al-Fitr"


def test_moving_a_national_holiday_moves_the_copies_not_an_institutions_correction(
    session, institutions
):
    first, second = (i.id for i in institutions)
    before = days(session, first)
    days(session, second)
    eid = next(d for d, name in before.items() if name == "Eid al-Fitr")
    # The second institution corrected its Eid already: the national move leaves it alone.
    calendar_service.remove_holiday(session, institution_id=second, day=eid)
    calendar_service.add_holiday(session, institution_id=second, day=date(2027, 3, 12),
                                 name="Eid al-Fitr (local)")  # fmt: skip
    moved = calendar_service.move_national_holiday(session, day=eid, to=date(2027, 3, 12))
    assert moved == 1
    assert days(session, first).get(date(2027, 3, 12)) == "Eid al-Fitr"
    assert eid not in days(session, first)
    assert days(session, second)[date(2027, 3, 12)] == "Eid al-Fitr (local)"


def test_adding_and_removing_a_national_holiday_reach_the_seeded_institutions(
    session, institutions
):
    first, second = (i.id for i in institutions)
    days(session, first)  # seeded; the second is not yet
    added = calendar_service.add_national_holiday(session, day=date(2027, 6, 8), name="Exceptional")
    assert added == 1
    assert days(session, first)[date(2027, 6, 8)] == "Exceptional"
    assert days(session, second)[date(2027, 6, 8)] == "Exceptional"  # seeded from the default
    assert calendar_service.remove_national_holiday(session, day=date(2027, 6, 8)) == 2
    assert date(2027, 6, 8) not in days(session, first)


def test_bad_corrections_of_the_default_are_refused(session):
    calendar_service.seed_national_year(session, year=2027)
    with pytest.raises(Conflict):
        calendar_service.add_national_holiday(session, day=date(2027, 1, 1), name="Again")
    with pytest.raises(InvalidInput):
        calendar_service.add_national_holiday(session, day=date(2027, 6, 8), name="  ")
    with pytest.raises(NotFound):
        calendar_service.remove_national_holiday(session, day=date(2027, 6, 8))
    with pytest.raises(Conflict):
        calendar_service.move_national_holiday(session, day=date(2027, 1, 1), to=date(2027, 1, 11))
    with pytest.raises(InvalidInput):
        calendar_service.move_national_holiday(session, day=date(2027, 1, 1), to=date(2028, 1, 3))
    with pytest.raises(InvalidInput):
        calendar_service.seed_national_year(session, year=1800)


def test_a_reading_request_gets_the_national_default_of_a_year_not_seeded_nothing_stored(
    committed,
):
    """The dashboard (a GET) reads the partners' calendar: on SQLite a reading session
    cannot write, so a year not seeded yet is computed, not stored; seeding gives the same."""
    from sqlmodel import select

    from mowakaba.db import session_scope
    from mowakaba.models import NationalCalendarYear

    with session_scope(write=False) as s:
        read = calendar_service.national_calendar(s, years=[2027])
    with session_scope() as s:
        assert s.exec(select(NationalCalendarYear.year)).all() == []
        seeded = calendar_service.national_calendar(s, years=[2027])
    assert read == seeded and date(2027, 1, 1) in read.holidays
