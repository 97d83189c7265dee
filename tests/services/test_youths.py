"""Young people's files: a coordinator closes one from any stage, and its open work goes."""

from datetime import date

import pytest

from mowakaba.enums import ClosureReason, Stage, WorkItemKind, WorkItemStatus
from mowakaba.errors import NotAllowed
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
