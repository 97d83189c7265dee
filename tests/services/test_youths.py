"""Young people's files: a coordinator closes one from any stage, and its open work goes."""

from datetime import date

import pytest
from sqlmodel import select

from mowakaba.enums import (
    AssigneePool,
    ClosureReason,
    EventKind,
    Stage,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import NotAllowed
from mowakaba.models import PathwayEvent
from mowakaba.services import work_items as work_service
from mowakaba.services import youths as youth_service
from tests.factories import at, item_of, make_world


@pytest.fixture
def world(session):
    return make_world(session, as_of=at(date(2026, 11, 30)))


def test_coordinator_closes_a_file_from_any_stage(session, world):
    youth = world["youth"]
    with pytest.raises(NotAllowed):
        youth_service.close_youth(
            session, youth_id=youth.id, actor=world["mediator"], reason=ClosureReason.transferred
        )
    youth_service.close_youth(
        session, youth_id=youth.id, actor=world["coordinator"], reason=ClosureReason.transferred
    )
    assert youth.stage == Stage.closed
    assert not work_service.open_items(session, youth_id=youth.id)
    assert (
        item_of(session, youth, WorkItemKind.intake_assessment).status == WorkItemStatus.cancelled
    )


def test_reassigning_a_youth_moves_its_mediators_open_work_and_says_so(session, world):
    youth, old, new = world["youth"], world["mediator"], world["other_mediator"]
    intake = item_of(session, youth, WorkItemKind.intake_assessment)
    due, cycle = intake.due_date, intake.cycle
    with pytest.raises(NotAllowed):
        youth_service.update_youth(
            session, youth_id=youth.id, actor=old, changes={"mediator_id": new.id}
        )
    youth_service.update_youth(
        session, youth_id=youth.id, actor=world["coordinator"], changes={"mediator_id": new.id}
    )
    assert (intake.assignee_id, intake.due_date, intake.cycle) == (new.id, due, cycle)
    assert not work_service.can_complete(session, item=intake, user=old)
    assert work_service.can_complete(session, item=intake, user=new)
    (event,) = [e for e in timeline_of(session, youth) if e.kind == EventKind.mediator_changed]
    assert event.data == {"from": old.id, "to": new.id, "work_items": [intake.id]}
    assert event.actor_id == world["coordinator"].id


def test_pool_work_stays_with_the_coordinators_when_a_youth_is_reassigned(session, world):
    youth, new = world["youth"], world["other_mediator"]
    intake = item_of(session, youth, WorkItemKind.intake_assessment)
    intake.assignee_id, intake.assignee_pool = None, AssigneePool.institution_coordinators
    session.add(intake)
    youth_service.update_youth(
        session, youth_id=youth.id, actor=world["coordinator"], changes={"mediator_id": new.id}
    )
    assert intake.assignee_id is None
    assert intake.assignee_pool == AssigneePool.institution_coordinators


def test_unassigning_the_mediator_hands_the_open_work_to_the_coordinators(session, world):
    youth = world["youth"]
    intake = item_of(session, youth, WorkItemKind.intake_assessment)
    youth_service.update_youth(
        session, youth_id=youth.id, actor=world["coordinator"], changes={"mediator_id": None}
    )
    assert intake.assignee_id is None
    assert intake.assignee_pool == AssigneePool.institution_coordinators
    assert work_service.can_complete(session, item=intake, user=world["coordinator"])
    assert not work_service.can_complete(session, item=intake, user=world["mediator"])


def timeline_of(session, youth):
    return session.exec(select(PathwayEvent).where(PathwayEvent.youth_id == youth.id)).all()
