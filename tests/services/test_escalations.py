"""Escalations: only their recipients acknowledge them, once."""

from datetime import date

import pytest
from sqlmodel import select

from mowakaba.enums import EventKind
from mowakaba.errors import AlreadyClosed, NotFound
from mowakaba.models import Escalation, PathwayEvent
from mowakaba.services import escalations as escalation_service
from mowakaba.services import sweep
from tests.factories import at, make_world


@pytest.fixture
def world(session):
    return make_world(session, as_of=at(date(2026, 11, 30)))


def test_escalations_are_acknowledged_by_their_recipients_only(session, world):
    sweep.sweep(session, at(date(2027, 1, 5)))
    (escalation,) = session.exec(select(Escalation)).all()
    with pytest.raises(NotFound):
        escalation_service.acknowledge(
            session, escalation_id=escalation.id, actor=world["other_coordinator"]
        )
    escalation_service.acknowledge(session, escalation_id=escalation.id, actor=world["coordinator"])
    assert escalation.acknowledged_by_id == world["coordinator"].id
    with pytest.raises(AlreadyClosed):
        escalation_service.acknowledge(
            session, escalation_id=escalation.id, actor=world["coordinator"]
        )
    events = session.exec(
        select(PathwayEvent.kind).where(PathwayEvent.kind == EventKind.escalation_acknowledged)
    ).all()
    assert len(events) == 1
