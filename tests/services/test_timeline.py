"""The timeline: each event carries the youth's stage then, its local day and the clock's instant."""

from datetime import UTC, date, datetime

from mowakaba import clock
from mowakaba.enums import EventKind, Role, Stage
from mowakaba.services.timeline import record_event
from tests.factories import at, make_institution, make_user, make_youth


def test_an_event_records_the_stage_then_the_day_and_the_clocks_instant(session):
    institution = make_institution(session)
    mediator = make_user(session, Role.mediator, [institution])
    youth = make_youth(session, institution, mediator, as_of=at(date(2026, 11, 30)))
    instant = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    with clock.frozen_at(instant):
        event = record_event(
            session, youth, EventKind.not_in_touch_cleared, on=date(2026, 12, 2), data={"n": 1}
        )
    youth.stage = Stage.closed
    session.flush()
    assert (event.stage, event.event_date, event.occurred_at, event.data) == (
        Stage.intake, date(2026, 12, 2), instant, {"n": 1},
    )  # fmt: skip
