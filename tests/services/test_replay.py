"""One youth, born 2012-03-15 and registered 2026-11-29, replayed through the services.

The clock steps only to event days. Mediators and coordinators complete every
item on its due date, except: one checklist item left open (it escalates at
working day D+3 and D+10, exactly once each), the 3-month checkpoint recorded
as "no contact" and the 6-month one never recorded (two misses: not in touch),
then contact again at 12 months (the mark clears). The replay must agree with
the nominal schedule.
"""

from datetime import date, timedelta

from sqlmodel import col, select

from mowakaba.calendar import WorkingCalendar
from mowakaba.enums import (
    EscalationReason,
    EventKind,
    NotificationKind,
    Role,
    Stage,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.models import Escalation, Notification, PathwayEvent, WorkItem, Youth
from mowakaba.rules import Rules
from mowakaba.schedule import nominal_schedule
from mowakaba.services import completions as completion_service
from mowakaba.services import reconciliation, sweep
from mowakaba.services import work_items as work_service
from mowakaba.settings import get_settings
from tests.factories import assessment, at, make_institution, make_user, make_youth

BORN, REGISTERED = date(2012, 3, 15), date(2026, 11, 29)
LATE_ITEM = (WorkItemKind.exit_checklist_item, "bank_account")


def payload_for(item: WorkItem, today: date) -> dict:
    kind = item.kind
    if kind in (
        WorkItemKind.intake_assessment,
        WorkItemKind.plan_review,
        WorkItemKind.exit_readiness_assessment,
    ):
        return assessment(3, housing=2)
    if kind == WorkItemKind.integration_plan:
        return {
            "milestones": [
                {"axis": "housing", "title": "Visit shared flats", "owner": "mediator",
                 "due_date": str(today + timedelta(days=90))},
            ]
        }  # fmt: skip
    if kind in (WorkItemKind.plan_approval, WorkItemKind.exit_extension_decision):
        return {"decision": "approve"}
    if kind == WorkItemKind.milestone_check:
        return {"outcome": "done"}
    if kind == WorkItemKind.exit_checklist_item:
        return {"outcome": "done"}
    if kind == WorkItemKind.record_exit:
        return {"exit_date": "2030-03-15", "destination": "transitional_housing"}
    if item.subject == "m3":
        return {"contact": False}
    return {
        "contact": True, "housing": "shared_flat", "activity": "training",
        "health_coverage": True, "id_documents": True, "income": False,
        "support_network": True, "well_being": 4,
    }  # fmt: skip


def test_replay_agrees_with_the_nominal_schedule_and_chases_what_is_late(session):
    institution = make_institution(session)
    coordinator = make_user(session, Role.coordinator, [institution], email="coord@example.ma")
    mediator = make_user(session, Role.mediator, [institution], email="med@example.ma")
    supervisor = make_user(session, Role.supervisor, region=institution.region)
    youth = make_youth(session, institution, mediator, as_of=at(REGISTERED))

    calendar = WorkingCalendar.national(range(2025, 2035), hijri_offset_days=1)
    rules = Rules(timings=get_settings().timings, calendar=calendar)
    nominal = nominal_schedule(rules, date_of_birth=BORN, registered=REGISTERED)
    late_due = next(e.due_date for e in nominal if (e.kind, e.subject) == LATE_ITEM and e.due_date)
    late_done = rules.escalation_dates(late_due)[1] + timedelta(days=1)
    # Event days: the nominal ones, the late completion, and any due date that appears.
    days = {e.date for e in nominal if e.date >= REGISTERED} | {late_done}
    first_seen: dict[tuple, tuple[date, date]] = {}
    escalation_days: dict[int, date] = {}
    done_days: set[date] = set()
    while days - done_days and session.get(Youth, youth.id).stage != Stage.closed:
        day = min(days - done_days)
        done_days.add(day)
        sweep.sweep(session, at(day, 8))
        for esc in session.exec(select(Escalation)):
            escalation_days.setdefault(esc.id, day)
        while True:
            for item in session.exec(select(WorkItem).where(WorkItem.youth_id == youth.id)):
                first_seen.setdefault((item.kind, item.subject), (day, item.due_date))
                if item.status == WorkItemStatus.open:
                    days.add(item.due_date)
            due_today = [
                item
                for item in work_service.open_items(session, youth_id=youth.id)
                if (item.due_date == day and (item.kind, item.subject) != LATE_ITEM
                    and item.subject != "m6")
                or (day == late_done and (item.kind, item.subject) == LATE_ITEM)
            ]  # fmt: skip
            if not due_today:
                break
            for item in due_today:
                actor = coordinator if item.assignee_pool else mediator
                completion_service.complete_work_item(
                    session, work_item_id=item.id, actor=actor,
                    payload=payload_for(item, day), as_of=at(day, 10),
                )  # fmt: skip
                reconciliation.reconcile_youth(session, youth.id, at(day, 10))
        for item in work_service.open_items(session, youth_id=youth.id):
            if item.kind == WorkItemKind.follow_up_checkpoint:
                days.add(item.due_date + timedelta(days=31))  # where a miss is marked

    session.refresh(youth)
    assert youth.stage == Stage.closed
    assert youth.exit_date == date(2030, 3, 15)

    # Stages: the same days as the nominal schedule.
    entered = [
        (e.stage, e.event_date)
        for e in session.exec(
            select(PathwayEvent)
            .where(PathwayEvent.youth_id == youth.id, PathwayEvent.kind == EventKind.stage_entered)
            .order_by(col(PathwayEvent.id))
        )
    ]
    assert entered == [(e.stage, e.date) for e in nominal if e.event == "stage_entered"]

    # Every item of the nominal schedule appeared on its day, with its due date.
    expected = {
        (e.kind, e.subject): (e.date, e.due_date) for e in nominal if e.event == "work_item_created"
    }
    seen = {k: v for k, v in first_seen.items() if k[0] != WorkItemKind.milestone_check}
    assert seen == expected

    # Overdue items escalated once at each level, at working day D+3 and D+10: the late
    # checklist item and the unrecorded 6-month checkpoint, nothing else.
    overdue = session.exec(
        select(Escalation)
        .where(Escalation.reason == EscalationReason.overdue)
        .order_by(col(Escalation.work_item_id), col(Escalation.level))
    ).all()
    by_item = {}
    for e in overdue:
        item = session.get(WorkItem, e.work_item_id)
        by_item.setdefault((item.kind, item.subject), []).append((e.level, escalation_days[e.id]))
        assert e.closed_at is not None  # closed by the completion, or when marked missed
        assert e.recipient_ids == ([coordinator.id] if e.level == 1 else [supervisor.id])
    m6_due = date(2030, 9, 16)
    assert by_item == {
        LATE_ITEM: [(1, rules.escalation_dates(late_due)[0]), (2, rules.escalation_dates(late_due)[1])],
        (WorkItemKind.follow_up_checkpoint, "m6"): [
            (1, rules.escalation_dates(m6_due)[0]), (2, rules.escalation_dates(m6_due)[1]),
        ],
    }  # fmt: skip
    (lost,) = session.exec(
        select(Escalation).where(Escalation.reason == EscalationReason.not_in_touch)
    ).all()
    assert escalation_days[lost.id] == m6_due + timedelta(days=31)
    assert lost.recipient_ids == [coordinator.id]

    # Six checkpoints; two misses marked the youth not in touch, the next contact cleared it.
    checkpoints = session.exec(
        select(WorkItem).where(
            WorkItem.youth_id == youth.id, WorkItem.kind == WorkItemKind.follow_up_checkpoint
        )
    ).all()
    assert len(checkpoints) == 6
    missed = [c for c in checkpoints if c.status == WorkItemStatus.cancelled]
    assert [c.subject for c in missed] == ["m6"]
    marks = [
        (e.kind, e.event_date)
        for e in session.exec(
            select(PathwayEvent)
            .where(
                PathwayEvent.youth_id == youth.id,
                col(PathwayEvent.kind).in_(
                    [EventKind.not_in_touch_marked, EventKind.not_in_touch_cleared]
                ),
            )
            .order_by(col(PathwayEvent.id))
        )
    ]
    assert marks == [
        (EventKind.not_in_touch_marked, date(2030, 10, 17)),  # m6 due 16 Sep + 31 days
        (EventKind.not_in_touch_cleared, date(2031, 3, 17)),  # the 12-month contact
    ]
    not_in_touch = session.exec(
        select(Notification).where(Notification.kind == NotificationKind.not_in_touch)
    ).all()
    assert [n.recipient_id for n in not_in_touch] == [coordinator.id]

    # Reminders: one D-7 and one D-1 per item and assignee, never twice.
    keys = session.exec(select(Notification.idempotency_key)).all()
    assert len(keys) == len(set(keys))
    intake = session.exec(
        select(WorkItem).where(
            WorkItem.youth_id == youth.id, WorkItem.kind == WorkItemKind.intake_assessment
        )
    ).one()
    assert sorted(k for k in keys if k.startswith(f"reminder:{intake.id}:")) == [
        f"reminder:{intake.id}:0:D-1:{mediator.id}",
        f"reminder:{intake.id}:0:D-7:{mediator.id}",
    ]
    assert session.get(Youth, youth.id).not_in_touch is False
