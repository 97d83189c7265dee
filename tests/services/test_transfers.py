"""A transfer brings the youth under the receiving institution's calendar: due dates from
the transfer on that fall on its days off roll forward on it, and escalations count its
working days (and go to its coordinators)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from mowakaba.enums import EventKind, Role, WorkItemKind
from mowakaba.models import Escalation, PathwayEvent
from mowakaba.services import calendars as calendar_service
from mowakaba.services import sweep
from mowakaba.services import transfers as transfer_service
from tests.factories import at, item_of, make_institution, make_user, make_youth

REGISTERED = date(2026, 11, 30)  # a Monday: the intake is due Wednesday 30 December


@pytest.fixture
def moving(session):
    a = make_institution(session, name="Dar A")
    b = make_institution(session, name="Dar B", region="Fès-Meknès")
    people = {
        "coord_a": make_user(session, Role.coordinator, [a]),
        "coord_b": make_user(session, Role.coordinator, [b]),
        "m_a": make_user(session, Role.mediator, [a]),
        "m_b": make_user(session, Role.mediator, [b]),
    }
    make_user(session, Role.supervisor, region=b.region)
    youth = make_youth(session, a, people["m_a"], as_of=at(REGISTERED))
    calendar_service.forget_cached_rules()
    yield {"a": a, "b": b, "youth": youth, **people}
    calendar_service.forget_cached_rules()


def move(session, w, day: date):  # type: ignore[no-untyped-def]
    transfer = transfer_service.request_transfer(
        session, youth_id=w["youth"].pk, actor=w["coord_a"], to_institution_id=w["b"].pk,
        reason="closer to family", as_of=at(day),
    )  # fmt: skip
    return transfer_service.accept_transfer(
        session, transfer_id=transfer.pk, actor=w["coord_b"], mediator_id=w["m_b"].pk,
        as_of=at(day, 10),
    )  # fmt: skip


def test_a_holiday_only_in_the_new_calendar_moves_the_due_date(session, moving):
    w = moving
    intake = item_of(session, w["youth"], WorkItemKind.intake_assessment)
    assert intake.due_date == date(2026, 12, 30)
    calendar_service.add_holiday(session, institution_id=w["b"].pk, day=date(2026, 12, 30),
                                 name="Moussem")  # fmt: skip
    transfer = move(session, w, date(2026, 12, 1))
    session.refresh(intake)
    assert intake.due_date == date(2026, 12, 31) and intake.institution_id == w["b"].pk
    assert intake.cycle == 0  # not a new grant: the same cycle, the same reminders' keys
    moved = session.exec(
        select(PathwayEvent).where(
            PathwayEvent.work_item_id == intake.id,
            PathwayEvent.kind == EventKind.work_item_rescheduled,
        )
    ).one()
    assert moved.data == {"kind": "intake_assessment", "subject": "", "from": "2026-12-30", "to": "2026-12-31", "cycle": 0,
                          "transfer_id": transfer.pk}  # fmt: skip
    accepted = session.get(PathwayEvent, transfer.history_until_event_id)
    assert accepted.kind == EventKind.transfer_accepted
    assert accepted.data["rerolled"] == [intake.pk] and accepted.id < moved.id


def test_a_due_date_before_the_transfer_is_history_and_stays(session, moving):
    w = moving
    intake = item_of(session, w["youth"], WorkItemKind.intake_assessment)
    calendar_service.add_holiday(session, institution_id=w["b"].pk, day=date(2026, 12, 30),
                                 name="Moussem")  # fmt: skip
    move(session, w, date(2027, 1, 4))  # the intake is overdue already
    session.refresh(intake)
    assert intake.due_date == date(2026, 12, 30)


def test_escalations_count_the_new_institutions_working_days(session, moving):
    w = moving
    intake = item_of(session, w["youth"], WorkItemKind.intake_assessment)
    # B only: 30 December (the due date rolls to Thursday 31) and Tuesday 5 January.
    for day in (date(2026, 12, 30), date(2027, 1, 5)):
        calendar_service.add_holiday(session, institution_id=w["b"].pk, day=day, name="Moussem")
    move(session, w, date(2026, 12, 1))
    session.refresh(intake)
    # In A, due 30 December, level 1 would be raised at working day 3: Tuesday 5 January.
    # In B, due 31 December: 4 January (1), 6 (2), 7 (3): not before Thursday 7.
    for day in (date(2027, 1, 5), date(2027, 1, 6)):
        sweep.sweep(session, at(day))
        assert (
            session.exec(select(Escalation).where(Escalation.work_item_id == intake.id)).all() == []
        )
    sweep.sweep(session, at(date(2027, 1, 7)))
    (raised,) = session.exec(select(Escalation).where(Escalation.work_item_id == intake.id)).all()
    assert raised.level == 1 and raised.recipient_ids == [w["coord_b"].pk]


def test_an_escalated_item_is_raised_again_to_the_new_institution(session, moving):
    w = moving
    intake = item_of(session, w["youth"], WorkItemKind.intake_assessment)
    sweep.sweep(session, at(date(2027, 1, 6)))  # level 1 in A (working day 3: 5 January)
    (old,) = session.exec(select(Escalation).where(Escalation.work_item_id == intake.id)).all()
    assert old.recipient_ids == [w["coord_a"].pk]
    move(session, w, date(2027, 1, 6))
    session.refresh(old)
    session.refresh(intake)
    assert old.closed_at is not None and intake.cycle == 1 and intake.escalation_level == 0
    sweep.sweep(session, at(date(2027, 1, 7)))
    new = session.exec(
        select(Escalation).where(Escalation.work_item_id == intake.id, Escalation.cycle == 1)
    ).all()
    assert [e.recipient_ids for e in new] == [[w["coord_b"].pk]]
