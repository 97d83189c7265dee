"""Completing work: every kind, and every bad input refused with its own error, nothing changed."""

from datetime import date, timedelta

import pytest
from sqlmodel import col, func, select

from mowakaba.enums import (
    MilestoneStatus,
    PlanStatus,
    Role,
    Stage,
    WorkItemKind,
)
from mowakaba.errors import (
    AlreadyClosed,
    DateInPast,
    ExtensionTooLate,
    ImplausibleDates,
    InvalidExtension,
    InvalidPayload,
    NotAssignee,
    PlanIncomplete,
)
from mowakaba.models import (
    Assessment,
    ExitExtension,
    Milestone,
    PathwayEvent,
    Plan,
    WorkItem,
)
from mowakaba.schemas import ExtensionRequest
from mowakaba.services import completions as completion_service
from mowakaba.services import reconciliation
from mowakaba.services import work_items as work_service
from mowakaba.services import youths as youth_service
from tests.factories import assessment, at, item_of, make_user, make_world, make_youth, plan

DAY = date(2026, 11, 30)


@pytest.fixture
def world(session):
    return make_world(session, as_of=at(DAY))


def complete(session, item, actor, payload, day=DAY):
    result = completion_service.complete_work_item(
        session, work_item_id=item.id, actor=actor, payload=payload, as_of=at(day, 10)
    )
    reconciliation.reconcile_youth(session, item.youth_id, at(day, 10))
    return result


def snapshot(session, youth):
    """Everything a refused completion must leave as it was."""
    session.flush()
    return (
        session.exec(select(func.count()).select_from(PathwayEvent).where(PathwayEvent.youth_id == youth.id)).one(),
        session.exec(select(func.count()).select_from(Assessment)).one(),
        session.exec(select(func.count()).select_from(Plan)).one(),
        tuple(session.exec(select(WorkItem.status).where(WorkItem.youth_id == youth.id).order_by(col(WorkItem.id)))),
    )  # fmt: skip


def test_intake_then_plan_then_approval_makes_the_youth_active(session, world):
    youth, mediator, coordinator = world["youth"], world["mediator"], world["coordinator"]
    intake = item_of(session, youth, WorkItemKind.intake_assessment)
    complete(session, intake, mediator, assessment(3, housing=1, employment=2))
    assert youth.stage == Stage.planning
    plan_item = item_of(session, youth, WorkItemKind.integration_plan, "v1")
    assert plan_item.due_date == date(2026, 12, 30)
    result = complete(
        session, plan_item, mediator,
        plan(("housing", DAY + timedelta(days=60)), ("employment", DAY + timedelta(days=90))),
    )  # fmt: skip
    approval = item_of(session, youth, WorkItemKind.plan_approval, "v1")
    assert approval.id in result.created_ids
    assert approval.assignee_pool is not None and approval.due_date == date(2026, 12, 7)
    complete(session, approval, coordinator, {"decision": "approve"})
    assert youth.stage == Stage.active
    checks = session.exec(
        select(WorkItem).where(WorkItem.kind == WorkItemKind.milestone_check)
    ).all()
    assert sorted(c.due_date for c in checks) == [
        date(2027, 1, 29),
        date(2027, 3, 1),
    ]  # 28 Feb is Sunday
    review = item_of(session, youth, WorkItemKind.plan_review, "r1")
    assert review.due_date == date(2027, 5, 31)  # 30 May 2027 is a Sunday


def test_a_rejected_plan_goes_back_to_the_mediator_for_14_days(session, world):
    youth, mediator, coordinator = world["youth"], world["mediator"], world["coordinator"]
    complete(
        session, item_of(session, youth, WorkItemKind.intake_assessment), mediator, assessment(4)
    )
    complete(session, item_of(session, youth, WorkItemKind.integration_plan, "v1"), mediator,
             plan(("health", DAY + timedelta(days=30))))  # fmt: skip
    complete(session, item_of(session, youth, WorkItemKind.plan_approval, "v1"), coordinator,
             {"decision": "reject", "comment": "Add a housing step."})  # fmt: skip
    assert session.exec(select(Plan.status)).all() == [PlanStatus.rejected]
    rework = item_of(session, youth, WorkItemKind.integration_plan, "v2")
    assert (rework.assignee_id, rework.due_date) == (mediator.id, date(2026, 12, 14))
    assert youth.stage == Stage.planning


def test_milestone_delayed_gets_a_new_check_and_dropped_needs_a_reason(session, world):
    youth, mediator, coordinator = world["youth"], world["mediator"], world["coordinator"]
    complete(
        session, item_of(session, youth, WorkItemKind.intake_assessment), mediator, assessment(4)
    )
    complete(session, item_of(session, youth, WorkItemKind.integration_plan, "v1"), mediator,
             plan(("health", DAY + timedelta(days=30)), ("housing", DAY + timedelta(days=40))))  # fmt: skip
    complete(
        session,
        item_of(session, youth, WorkItemKind.plan_approval, "v1"),
        coordinator,
        {"decision": "approve"},
    )
    first, second = session.exec(select(Milestone).order_by(col(Milestone.id))).all()
    check = item_of(session, youth, WorkItemKind.milestone_check, f"m{first.id}.1")
    complete(session, check, mediator, {"outcome": "delayed", "new_due_date": "2027-02-15"})
    assert first.status == MilestoneStatus.delayed
    assert item_of(session, youth, WorkItemKind.milestone_check, f"m{first.id}.2").due_date == date(
        2027, 2, 15
    )
    other = item_of(session, youth, WorkItemKind.milestone_check, f"m{second.id}.1")
    with pytest.raises(InvalidPayload, match="reason"):
        complete(session, other, mediator, {"outcome": "dropped"})
    complete(
        session, other, mediator, {"outcome": "dropped", "reason": "Moved to a family placement."}
    )
    assert second.status == MilestoneStatus.dropped


@pytest.mark.parametrize(
    ("payload", "error", "message"),
    [
        ({"axes": {"health": {"score": 3}}}, InvalidPayload, "every axis needs a score"),
        (assessment(9), InvalidPayload, "less than or equal to 5"),
        ({**assessment(3), "extra": 1}, InvalidPayload, "Extra inputs"),
        ({"decision": "approve"}, InvalidPayload, "axes"),  # another kind's payload
    ],
)
def test_bad_assessments_are_refused_and_change_nothing(session, world, payload, error, message):
    youth = world["youth"]
    before = snapshot(session, youth)
    with pytest.raises(error, match=message):
        completion_service.complete_work_item(
            session, work_item_id=item_of(session, youth, WorkItemKind.intake_assessment).id,
            actor=world["mediator"], payload=payload, as_of=at(DAY),
        )  # fmt: skip
    assert snapshot(session, youth) == before


def test_not_the_assignee_and_already_done_are_refused(session, world):
    youth = world["youth"]
    intake = item_of(session, youth, WorkItemKind.intake_assessment)
    for stranger in (world["other_mediator"], world["coordinator"], world["other_coordinator"]):
        before = snapshot(session, youth)
        with pytest.raises(NotAssignee):
            complete(session, intake, stranger, assessment(3))
        assert snapshot(session, youth) == before
    complete(session, intake, world["mediator"], assessment(3))
    before = snapshot(session, youth)
    with pytest.raises(AlreadyClosed):
        complete(session, intake, world["mediator"], assessment(3))
    assert snapshot(session, youth) == before


def test_a_plan_refuses_past_milestones_and_uncovered_weak_axes(session, world):
    youth, mediator = world["youth"], world["mediator"]
    complete(
        session,
        item_of(session, youth, WorkItemKind.intake_assessment),
        mediator,
        assessment(3, housing=2),
    )
    plan_item = item_of(session, youth, WorkItemKind.integration_plan, "v1")
    before = snapshot(session, youth)
    with pytest.raises(DateInPast):
        complete(session, plan_item, mediator, plan(("housing", DAY - timedelta(days=1))))
    with pytest.raises(PlanIncomplete, match="housing"):
        complete(session, plan_item, mediator, plan(("health", DAY + timedelta(days=10))))
    assert snapshot(session, youth) == before


def test_a_coordinators_pool_item_can_be_done_by_any_of_them_but_no_one_else(session, world):
    youth, mediator = world["youth"], world["mediator"]
    complete(
        session, item_of(session, youth, WorkItemKind.intake_assessment), mediator, assessment(4)
    )
    complete(session, item_of(session, youth, WorkItemKind.integration_plan, "v1"), mediator,
             plan(("health", DAY + timedelta(days=30))))  # fmt: skip
    approval = item_of(session, youth, WorkItemKind.plan_approval, "v1")
    for stranger in (mediator, world["other_coordinator"]):
        with pytest.raises(NotAssignee):
            complete(session, approval, stranger, {"decision": "approve"})
    second = make_user(session, Role.coordinator, [world["institution"]])
    complete(session, approval, second, {"decision": "approve"})
    assert youth.stage == Stage.active


def test_exit_before_admission_is_refused(session, world):
    institution, mediator = world["institution"], world["mediator"]
    youth = make_youth(
        session, institution, mediator, date_of_birth=date(2009, 1, 10), as_of=at(DAY)
    )
    assert youth.stage == Stage.exit_preparation
    record = item_of(session, youth, WorkItemKind.record_exit)
    before = snapshot(session, youth)
    with pytest.raises(ImplausibleDates, match="before admission"):
        complete(session, record, mediator, {"exit_date": "2019-01-01", "destination": "family"})
    with pytest.raises(InvalidPayload, match="reason"):
        complete(
            session,
            record,
            mediator,
            {"exit_date": "2026-11-30", "destination": "street", "kind": "runaway"},
        )
    assert snapshot(session, youth) == before


def test_recorded_exit_cancels_the_work_of_care_and_starts_follow_up(session, world):
    institution, mediator = world["institution"], world["mediator"]
    youth = make_youth(
        session, institution, mediator, date_of_birth=date(2009, 1, 10), as_of=at(DAY)
    )
    complete(session, item_of(session, youth, WorkItemKind.record_exit), mediator,
             {"exit_date": "2026-11-30", "destination": "transitional_housing"})  # fmt: skip
    assert youth.stage == Stage.exited
    open_kinds = {i.kind for i in work_service.open_items(session, youth_id=youth.id)}
    assert open_kinds == {WorkItemKind.follow_up_checkpoint}
    checkpoints = work_service.open_items(session, youth_id=youth.id)
    assert [c.due_date for c in checkpoints][:2] == [
        date(2026, 12, 30),
        date(2027, 3, 1),
    ]  # 28 Feb: Sun


def test_extension_request_decision_and_new_exit_date(session, world):
    institution, mediator, coordinator = (
        world["institution"],
        world["mediator"],
        world["coordinator"],
    )
    youth = make_youth(
        session, institution, mediator, date_of_birth=date(2009, 1, 10), as_of=at(DAY)
    )
    with pytest.raises(ExtensionTooLate):
        youth_service.request_extension(session, youth_id=youth.id, actor=mediator,
            request=ExtensionRequest(until=date(2030, 1, 11), reason="studies"), as_of=at(DAY))  # fmt: skip
    extension = youth_service.request_extension(
        session, youth_id=youth.id, actor=mediator,
        request=ExtensionRequest(until=date(2028, 6, 30), reason="finishing the OFPPT diploma"),
        as_of=at(DAY),
    )  # fmt: skip
    with pytest.raises(InvalidExtension, match="awaiting"):
        youth_service.request_extension(session, youth_id=youth.id, actor=mediator,
            request=ExtensionRequest(until=date(2028, 5, 30), reason="x"), as_of=at(DAY))  # fmt: skip
    decision = item_of(session, youth, WorkItemKind.exit_extension_decision, "x1")
    assert decision.assignee_pool is not None
    complete(session, decision, coordinator, {"decision": "approve"})
    session.refresh(extension)
    assert youth.planned_exit_date == date(2028, 6, 30)
    record = item_of(session, youth, WorkItemKind.record_exit)
    assert (record.due_date, record.cycle) == (date(2028, 6, 30), 1)
    assert youth.stage == Stage.exit_preparation  # never moves back
    assert session.exec(select(ExitExtension.status)).one() == "approved"
