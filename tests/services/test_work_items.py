"""Work items: a coordinator grants a new due date, and the escalation count starts again."""

from datetime import date

import pytest
from sqlmodel import select

from mowakaba.enums import WorkItemKind
from mowakaba.errors import DateInPast, DateTooFar, InvalidPayload, NotAllowed
from mowakaba.models import Escalation
from mowakaba.services import sweep
from mowakaba.services import work_items as work_service
from tests.factories import at, item_of, make_world

DAY = date(2026, 11, 30)


@pytest.fixture
def world(session):
    return make_world(session, as_of=at(DAY))


def test_reschedule_restarts_the_escalation_count(session, world):
    youth, coordinator = world["youth"], world["coordinator"]
    intake = item_of(session, youth, WorkItemKind.intake_assessment)  # due 30 Dec 2026
    sweep.sweep(session, at(date(2027, 1, 5)))
    assert intake.escalation_level == 1
    with pytest.raises(NotAllowed):
        work_service.reschedule_work_item(session, work_item_id=intake.id, actor=world["mediator"],
                                          due_date=date(2027, 1, 20), reason="sick", as_of=at(date(2027, 1, 5)))  # fmt: skip
    with pytest.raises(DateInPast):
        work_service.reschedule_work_item(session, work_item_id=intake.id, actor=coordinator,
                                          due_date=date(2027, 1, 1), reason="sick", as_of=at(date(2027, 1, 5)))  # fmt: skip
    work_service.reschedule_work_item(session, work_item_id=intake.id, actor=coordinator,
                                      due_date=date(2027, 1, 20), reason="mediator on leave", as_of=at(date(2027, 1, 5)))  # fmt: skip
    assert (intake.due_date, intake.cycle, intake.escalation_level) == (date(2027, 1, 20), 1, 0)
    assert all(e.closed_at is not None for e in session.exec(select(Escalation)))
    sweep.sweep(session, at(date(2027, 1, 22)))
    assert intake.escalation_level == 0  # 20 Jan + 3 working days = 25 Jan
    sweep.sweep(session, at(date(2027, 1, 25)))
    assert intake.escalation_level == 1
    assert (
        len(session.exec(select(Escalation).where(Escalation.level == 1)).all()) == 2
    )  # one per cycle


@pytest.mark.parametrize(
    "due, error",
    [(date(2027, 11, 30), None), (date(2027, 12, 1), DateTooFar), (date(2100, 1, 1), DateTooFar),
     (date(2026, 11, 29), DateInPast)],
)  # fmt: skip
def test_a_new_due_date_lies_between_today_and_a_year_ahead(session, world, due, error):
    intake = item_of(session, world["youth"], WorkItemKind.intake_assessment)
    reschedule = lambda: work_service.reschedule_work_item(  # noqa: E731
        session, work_item_id=intake.id, actor=world["coordinator"], due_date=due,
        reason="leave", as_of=at(DAY),
    )  # fmt: skip
    if error is None:
        reschedule()
        assert intake.due_date == due
    else:
        with pytest.raises(error):
            reschedule()


def test_a_reason_with_a_control_character_is_refused_from_the_cli_too(session, world):
    intake = item_of(session, world["youth"], WorkItemKind.intake_assessment)
    with pytest.raises(InvalidPayload, match=r"U\+001B"):
        work_service.reschedule_work_item(
            session, work_item_id=intake.id, actor=world["coordinator"],
            due_date=date(2027, 1, 20), reason="leave\x1b[2J", as_of=at(DAY),
        )  # fmt: skip
