"""Urgent incidents: escalated at once (not at the next sweep), the runaway path after 7 days."""

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from mowakaba.enums import (
    EscalationReason,
    EventKind,
    ExitKind,
    IncidentKind,
    IncidentStatus,
    NotificationKind,
    Role,
    Stage,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import AlreadyClosed, ImplausibleDates, NothingToDecide
from mowakaba.incident_schemas import IncidentReport
from mowakaba.models import Escalation, Notification, PathwayEvent, SmsMessage, WorkItem
from mowakaba.schemas import RunawayDecisionPayload
from mowakaba.services import incidents as incident_service
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.services import sweep
from tests.factories import at, make_user, make_world

DAY = date(2026, 12, 1)  # a Tuesday


@pytest.fixture
def world(session):
    w = make_world(session, as_of=at(date(2026, 11, 2)))
    w["coordinator"].email, w["coordinator"].phone = "coord@example.org", "+212600000001"
    session.add(w["coordinator"])
    session.flush()
    return w


def report(kind: IncidentKind, when: datetime | None = None) -> IncidentReport:
    return IncidentReport(kind=kind, occurred_at=when or at(DAY, 8),
                          description="Parti de l'établissement après le dîner")  # fmt: skip


def record(session, world, kind: IncidentKind, *, day: date = DAY):
    return incident_service.record_incident(
        session, youth_id=world["youth"].pk, actor=world["mediator"],
        report=report(kind, at(day, 8)), as_of=at(day, 10),
    )  # fmt: skip


def notified(session, kind=NotificationKind.incident) -> dict[int, Notification]:
    rows = session.exec(select(Notification).where(Notification.kind == kind)).all()
    return {n.recipient_id: n for n in rows}


def test_an_incident_escalates_to_the_coordinators_in_the_same_transaction(session, world):
    incident = record(session, world, IncidentKind.hospitalisation)
    # No sweep has run: the notifications, the escalation and the work item exist already.
    sent = notified(session)
    assert set(sent) == {world["coordinator"].id}
    note = sent[world["coordinator"].id]
    assert note.email_status == "pending" and note.context["incident_kind"] == "hospitalisation"
    assert "Parti" not in str(note.context)  # the description never leaves the case file
    item = session.get(WorkItem, incident.work_item_id)
    assert item.kind == WorkItemKind.incident_response and item.assignee_pool is not None
    assert item.due_date == date(2026, 12, 2)  # the next working day
    (escalation,) = session.exec(select(Escalation)).all()
    assert (escalation.reason, escalation.level) == (EscalationReason.incident, 1)
    assert escalation.recipient_ids == [world["coordinator"].id]
    assert not incident.serious
    (sms,) = session.exec(select(SmsMessage)).all()
    assert sms.recipient_id == world["coordinator"].id and "Parti" not in str(sms.context)
    kinds = session.exec(select(PathwayEvent.kind).where(
        PathwayEvent.youth_id == world["youth"].id)).all()  # fmt: skip
    assert EventKind.incident_recorded in kinds and EventKind.escalation_raised in kinds


def test_a_serious_incident_reaches_the_region_s_supervisors_or_the_admins(session, world):
    admin = make_user(session, Role.admin)
    record(session, world, IncidentKind.arrest)
    assert admin.id in notified(session)  # no supervisor in the region: the admins
    supervisor = make_user(session, Role.supervisor, region="Casablanca-Settat")
    incident = record(session, world, IncidentKind.violence)
    assert incident.serious
    levels = session.exec(select(Escalation.level).where(
        Escalation.work_item_id == incident.work_item_id)).all()  # fmt: skip
    assert sorted(levels) == [1, 2]
    rows = session.exec(select(Notification).where(
        Notification.idempotency_key.startswith(f"incident:{incident.id}:"))).all()  # fmt: skip
    assert {n.recipient_id for n in rows} == {world["coordinator"].id, supervisor.id}


def test_a_runaway_of_a_minor_is_serious_a_pregnancy_is_not(session, world):
    assert record(session, world, IncidentKind.runaway).serious  # born 2012
    assert not record(session, world, IncidentKind.pregnancy).serious


def test_an_incident_in_the_future_is_refused(session, world):
    with pytest.raises(ImplausibleDates):
        incident_service.record_incident(
            session, youth_id=world["youth"].pk, actor=world["mediator"],
            report=report(IncidentKind.other, at(DAY + timedelta(days=2))), as_of=at(DAY),
        )  # fmt: skip


def decisions(session, youth) -> list[WorkItem]:
    return list(session.exec(select(WorkItem).where(
        WorkItem.youth_id == youth.id, WorkItem.kind == WorkItemKind.runaway_decision)))  # fmt: skip


def test_a_runaway_not_back_asks_the_coordinators_once_on_day_7(session, world):
    record(session, world, IncidentKind.runaway)
    assert sweep.sweep(session, at(DAY + timedelta(days=6))).runaway_decisions == 0
    assert decisions(session, world["youth"]) == []
    assert sweep.sweep(session, at(DAY + timedelta(days=7))).runaway_decisions == 1
    assert sweep.sweep(session, at(DAY + timedelta(days=7), 15)).runaway_decisions == 0
    (item,) = decisions(session, world["youth"])
    assert item.assignee_pool is not None and item.status == WorkItemStatus.open


def test_the_decision_records_the_runaway_exit_and_the_follow_up_starts_from_it(session, world):
    incident = record(session, world, IncidentKind.runaway)
    sweep.sweep(session, at(DAY + timedelta(days=7)))
    incident_service.decide_runaway(
        session, incident_id=incident.pk, actor=world["coordinator"],
        payload=RunawayDecisionPayload(decision="record_exit", reason="Pas de nouvelles"),
        as_of=at(DAY + timedelta(days=8)),
    )  # fmt: skip
    youth = world["youth"]
    assert (youth.exit_date, youth.exit_kind) == (DAY, ExitKind.runaway)
    assert incident.status == IncidentStatus.closed
    reconciliation_service.reconcile_youth(session, youth.pk, at(DAY + timedelta(days=8)))
    assert youth.stage == Stage.exited
    first = session.exec(select(WorkItem).where(
        WorkItem.youth_id == youth.id, WorkItem.kind == WorkItemKind.follow_up_checkpoint,
        WorkItem.subject == "m1")).one()  # fmt: skip
    assert first.due_date == date(2027, 1, 1) + timedelta(days=3)  # +1 month, rolled to Monday
    with pytest.raises(NothingToDecide):  # nothing is asked any more
        incident_service.decide_runaway(
            session, incident_id=incident.pk, actor=world["coordinator"],
            payload=RunawayDecisionPayload(decision="record_exit"), as_of=at(DAY + timedelta(9)),
        )  # fmt: skip


def test_keeping_the_place_open_asks_again_after_the_review_date(session, world):
    incident = record(session, world, IncidentKind.runaway)
    sweep.sweep(session, at(DAY + timedelta(days=7)))
    review = DAY + timedelta(days=21)
    incident_service.decide_runaway(
        session, incident_id=incident.pk, actor=world["coordinator"],
        payload=RunawayDecisionPayload(decision="keep_open", reason="Vu chez sa tante",
                                       review_date=review),
        as_of=at(DAY + timedelta(days=8)),
    )  # fmt: skip
    assert world["youth"].exit_date is None and incident.review_date == review
    assert sweep.sweep(session, at(review - timedelta(days=1))).runaway_decisions == 0
    assert sweep.sweep(session, at(review)).runaway_decisions == 1
    assert [i.subject for i in decisions(session, world["youth"])] == [
        f"i{incident.id}.0", f"i{incident.id}.1"]  # fmt: skip


def test_a_runaway_back_ends_the_pending_decision(session, world):
    incident = record(session, world, IncidentKind.runaway)
    sweep.sweep(session, at(DAY + timedelta(days=7)))
    incident_service.mark_returned(session, incident_id=incident.pk, actor=world["mediator"],
                                   returned_date=DAY + timedelta(days=7),
                                   as_of=at(DAY + timedelta(days=7), 16))  # fmt: skip
    (item,) = decisions(session, world["youth"])
    assert item.status == WorkItemStatus.cancelled
    assert sweep.sweep(session, at(DAY + timedelta(days=30))).runaway_decisions == 0
    with pytest.raises(AlreadyClosed):
        incident_service.mark_returned(session, incident_id=incident.pk, actor=world["mediator"],
                                       returned_date=DAY, as_of=at(DAY + timedelta(days=8)))  # fmt: skip


def test_acknowledging_ends_the_response_and_its_escalations_then_it_closes(session, world):
    incident = record(session, world, IncidentKind.hospitalisation)
    incident_service.acknowledge_incident(session, incident_id=incident.pk,
                                          actor=world["coordinator"], as_of=at(DAY, 11))  # fmt: skip
    assert incident.status == IncidentStatus.acknowledged
    assert session.get(WorkItem, incident.work_item_id).status == WorkItemStatus.done
    (escalation,) = session.exec(select(Escalation)).all()
    assert escalation.acknowledged_by_id == world["coordinator"].id
    assert escalation.closed_at is not None
    with pytest.raises(AlreadyClosed):
        incident_service.acknowledge_incident(session, incident_id=incident.pk,
                                              actor=world["coordinator"], as_of=at(DAY, 12))  # fmt: skip
    incident_service.close_incident(session, incident_id=incident.pk, actor=world["coordinator"],
                                    note="Sorti de l'hôpital", as_of=at(DAY + timedelta(3)))  # fmt: skip
    assert incident.status == IncidentStatus.closed
