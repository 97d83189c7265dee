"""An institution's calendar: seeded once from the national default, corrections stick."""

from datetime import UTC, date, datetime

import pytest

from mowakaba import clock
from mowakaba.errors import InvalidInput, NotFound
from mowakaba.services import calendars as calendar_service
from mowakaba.services import institutions as institution_service


@pytest.fixture
def institution(session):
    return institution_service.create_institution(
        session, name="Dar Al Atfal Fès", region="Fès-Meknès"
    )


def test_a_year_is_seeded_once_from_the_national_default(session, institution):
    added = calendar_service.seed_calendar_year(session, institution_id=institution.id, year=2027)
    assert added == 17
    assert (
        calendar_service.seed_calendar_year(session, institution_id=institution.id, year=2027) == 0
    )


def test_a_new_institution_gets_this_year_and_next_seeded(session, institution):
    with clock.frozen_at(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)):  # 00:30 in Casablanca
        added = calendar_service.seed_current_years(session, institution_id=institution.id)
    seeded = calendar_service.seed_calendar_year
    assert added > 0
    assert seeded(session, institution_id=institution.id, year=2027) == 0
    assert seeded(session, institution_id=institution.id, year=2028) == 0
    assert seeded(session, institution_id=institution.id, year=2026) > 0


def test_corrections_stick_and_change_working_days(session, institution):
    cal = calendar_service.institution_calendar(
        session, institution_id=institution.id, years=[2027]
    )
    assert not cal.is_working_day(date(2027, 1, 11))
    # Moon sighting put Eid a day later; a local holiday is added; 11 Jan worked this year.
    eid = next(
        h
        for h in calendar_service.list_holidays(session, institution_id=institution.id, year=2027)
        if h.name == "Eid al-Fitr (2nd day)"
    )
    calendar_service.move_holiday(
        session, institution_id=institution.id, day=eid.holiday_date, to=date(2027, 3, 12)
    )
    calendar_service.remove_holiday(session, institution_id=institution.id, day=date(2027, 1, 11))
    calendar_service.add_holiday(
        session, institution_id=institution.id, day=date(2027, 9, 15), name="Moussem"
    )
    cal = calendar_service.institution_calendar(
        session, institution_id=institution.id, years=[2027]
    )
    assert cal.is_working_day(date(2027, 1, 11))
    assert not cal.is_working_day(date(2027, 3, 12))
    assert not cal.is_working_day(date(2027, 9, 15))
    assert cal.add_working_days(date(2027, 1, 8), 1) == date(2027, 1, 11)


def test_bad_calendar_input_is_refused(session, institution):
    with pytest.raises(InvalidInput):
        calendar_service.add_holiday(
            session, institution_id=institution.id, day=date(2027, 1, 1), name="dup"
        )
    with pytest.raises(NotFound):
        calendar_service.remove_holiday(
            session, institution_id=institution.id, day=date(2027, 2, 2)
        )
    with pytest.raises(InvalidInput):
        calendar_service.seed_calendar_year(session, institution_id=institution.id, year=1800)
    with pytest.raises(NotFound):
        calendar_service.seed_calendar_year(session, institution_id=987654, year=2027)


def test_an_institution_needs_a_known_time_zone(session):
    with pytest.raises(InvalidInput, match="time zone"):
        institution_service.create_institution(
            session, name="X", region="Y", time_zone="Mars/Olympus"
        )
    institution = institution_service.create_institution(session, name="X", region="Y")
    assert institution.time_zone == "Africa/Casablanca"


def test_a_reading_session_gets_an_unseeded_year_without_writing(committed):
    """A page that only reads (a youth born in 1996 reached intake in 2010) cannot seed a
    calendar year: it gets the default days off, nothing stored; seeding gives the same."""
    from sqlmodel import select

    from mowakaba.db import session_scope
    from mowakaba.models import CalendarYear

    with session_scope() as s:
        institution = institution_service.create_institution(
            s, name="Dar Test", region="Casablanca-Settat", time_zone="Africa/Casablanca"
        )
        institution_id = institution.pk
    with session_scope(write=False) as s:
        read = calendar_service.institution_calendar(s, institution_id=institution_id, years=[2010])
    with session_scope() as s:
        assert 2010 not in s.exec(select(CalendarYear.year)).all()
        seeded = calendar_service.institution_calendar(
            s, institution_id=institution_id, years=[2010]
        )
    assert read == seeded and date(2010, 1, 1) in read.holidays
