"""Work items: creating them from the rules, completing them, rescheduling and cancelling them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from mowakaba.clock import local_date, now
from mowakaba.enums import (
    AssessmentKind,
    AssigneePool,
    CheckpointStatus,
    EventKind,
    ExtensionStatus,
    MilestoneStatus,
    PlanStatus,
    Role,
    Stage,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import (
    AlreadyClosed,
    DateInPast,
    ImplausibleDates,
    InvalidPayload,
    NotAllowed,
    NotAssignee,
    NotFound,
    PlanIncomplete,
)
from mowakaba.models import (
    Assessment,
    AssessmentAxis,
    Escalation,
    ExitExtension,
    FollowUp,
    Institution,
    Milestone,
    PathwayEvent,
    Plan,
    User,
    WorkItem,
    Youth,
)
from mowakaba.rules import Rules, WorkItemSpec
from mowakaba.schemas import (
    PAYLOADS,
    AssessmentPayload,
    ChecklistPayload,
    CheckpointPayload,
    ExtensionDecisionPayload,
    MilestoneCheckPayload,
    PlanApprovalPayload,
    PlanPayload,
    RecordExitPayload,
)
from mowakaba.services import calendars as calendar_service
from mowakaba.services import users as user_service

ASSESSMENT_KINDS = {
    WorkItemKind.intake_assessment: AssessmentKind.intake,
    WorkItemKind.plan_review: AssessmentKind.review,
    WorkItemKind.exit_readiness_assessment: AssessmentKind.exit_readiness,
}
# Kinds whose completion has a table of its own; the others keep their payload on the item.
OWN_TABLE = set(ASSESSMENT_KINDS) | {
    WorkItemKind.integration_plan,
    WorkItemKind.follow_up_checkpoint,
    WorkItemKind.record_exit,
}


def record_event(
    session: Session,
    youth: Youth,
    kind: EventKind,
    *,
    on: date,
    actor_id: int | None = None,
    work_item_id: int | None = None,
    flow_run_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> PathwayEvent:
    """Add a line to the youth's timeline (ids and codes in `data`, never notes)."""
    assert youth.id is not None
    event = PathwayEvent(
        youth_id=youth.id,
        kind=kind,
        stage=youth.stage,
        event_date=on,
        occurred_at=now(),
        actor_id=actor_id,
        work_item_id=work_item_id,
        flow_run_id=flow_run_id,
        data=data or {},
    )
    session.add(event)
    return event


# ---------------------------------------------------------------- creating


def create_work_item(
    session: Session,
    *,
    youth: Youth,
    spec: WorkItemSpec,
    on: date,
    at: datetime | None = None,
    flow_run_id: str | None = None,
) -> WorkItem | None:
    """Create the work item a rule asks for, once: None if (youth, kind, subject) exists.

    Work for the youth's mediator goes to the institution's coordinators when the
    youth has no mediator, so that it is never lost.
    """
    assert youth.id is not None
    exists = session.exec(
        select(WorkItem.id).where(
            WorkItem.youth_id == youth.id,
            WorkItem.kind == spec.kind,
            WorkItem.subject == spec.subject,
        )
    ).first()
    if exists is not None:
        return None
    pool = spec.pool or (None if youth.mediator_id else AssigneePool.institution_coordinators)
    item = WorkItem(
        youth_id=youth.id,
        institution_id=youth.institution_id,
        kind=spec.kind,
        subject=spec.subject,
        assignee_id=None if pool else youth.mediator_id,
        assignee_pool=pool,
        due_date=spec.due_date,
        created_at=at or now(),  # the instant of the change (replays set it), not the wall clock
    )
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        return None  # a concurrent reconciliation created it: the constraint keeps it once
    if spec.kind == WorkItemKind.follow_up_checkpoint:
        session.add(
            FollowUp(
                youth_id=youth.id,
                work_item_id=item.id,  # type: ignore[arg-type]
                months=int(spec.subject.lstrip("m")),
                due_date=spec.due_date,
            )
        )
    record_event(
        session,
        youth,
        EventKind.work_item_created,
        on=on,
        work_item_id=item.id,
        flow_run_id=flow_run_id,
        data={"kind": spec.kind.value, "subject": spec.subject, "due_date": str(spec.due_date)},
    )
    return item


def close_escalations(session: Session, *, work_item_id: int, at: datetime) -> int:
    """Close the open escalations of an item (it was completed, cancelled or rescheduled)."""
    escalations = session.exec(
        select(Escalation).where(
            Escalation.work_item_id == work_item_id, col(Escalation.closed_at).is_(None)
        )
    ).all()
    for escalation in escalations:
        escalation.closed_at = at
        session.add(escalation)
    return len(escalations)


def cancel_work_item(
    session: Session,
    *,
    item: WorkItem,
    reason: str,
    on: date,
    youth: Youth,
    flow_run_id: str | None = None,
    actor_id: int | None = None,
) -> None:
    """Cancel an open item and close its escalations."""
    at = now()
    item.status = WorkItemStatus.cancelled
    item.cancel_reason = reason
    item.completed_at = at
    session.add(item)
    close_escalations(session, work_item_id=item.id, at=at)  # type: ignore[arg-type]
    record_event(
        session,
        youth,
        EventKind.work_item_cancelled,
        on=on,
        work_item_id=item.id,
        actor_id=actor_id,
        flow_run_id=flow_run_id,
        data={"kind": item.kind.value, "subject": item.subject, "reason": reason},
    )


def open_items(
    session: Session, *, youth_id: int, kinds: set[WorkItemKind] | None = None
) -> list[WorkItem]:
    """Return a youth's open items (of some kinds), oldest due first."""
    query = select(WorkItem).where(
        WorkItem.youth_id == youth_id, WorkItem.status == WorkItemStatus.open
    )
    if kinds is not None:
        query = query.where(col(WorkItem.kind).in_(kinds))
    return list(session.exec(query.order_by(col(WorkItem.due_date), col(WorkItem.id))))


# ---------------------------------------------------------------- who may act


def is_pool_member(session: Session, *, user: User, institution_id: int) -> bool:
    """Tell whether a user is an active coordinator of an institution."""
    return (
        user.is_active
        and user.role == Role.coordinator
        and institution_id in user_service.institution_ids_of(session, user.id)  # type: ignore[arg-type]
    )


def can_complete(session: Session, *, item: WorkItem, user: User) -> bool:
    """Only the assignee, or a member of the assignee pool, completes an item."""
    if not user.is_active:
        return False
    if item.assignee_id is not None:
        return item.assignee_id == user.id
    return is_pool_member(session, user=user, institution_id=item.institution_id)


# ---------------------------------------------------------------- completing


@dataclass(frozen=True)
class Completion:
    """What completing an item did, and what the edge needs next: reconcile this youth."""

    event: PathwayEvent
    work_item_id: int
    youth_id: int
    created_ids: tuple[int, ...] = ()


def get_work_item(session: Session, work_item_id: int, *, lock: bool = False) -> WorkItem:
    """Return a work item or raise NotFound."""
    query = select(WorkItem).where(WorkItem.id == work_item_id)
    if lock:
        query = query.with_for_update()
    item = session.exec(query).first()
    if item is None:
        raise NotFound(f"work item {work_item_id} not found")
    return item


def parse_payload(kind: WorkItemKind, payload: Any) -> Any:
    """Validate a payload against its kind's model, as an InvalidPayload error."""
    model = PAYLOADS[kind]
    if isinstance(payload, model):
        return payload
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or kind.value
        raise InvalidPayload(f"{kind.value}: {where}: {first['msg']}") from None


def complete_work_item(
    session: Session,
    *,
    work_item_id: int,
    actor: User,
    payload: Any,
    as_of: datetime | None = None,
) -> Completion:
    """Complete a work item with its kind's payload; returns the event and what it created.

    Only the assignee (or a member of the assignee pool) may complete; an item
    is completed once. Nothing is written when anything is wrong.
    """
    at = as_of or now()
    item = get_work_item(session, work_item_id, lock=True)
    if item.status != WorkItemStatus.open:
        raise AlreadyClosed(f"work item {item.id} is {item.status.value} already")
    if not can_complete(session, item=item, user=actor):
        raise NotAssignee(f"user {actor.id} may not complete work item {item.id}")
    parsed = parse_payload(item.kind, payload)
    youth = session.exec(select(Youth).where(Youth.id == item.youth_id).with_for_update()).one()
    institution = session.get(Institution, youth.institution_id)
    assert institution is not None
    today = local_date(at, institution.time_zone)
    rules = calendar_service.rules_for(session, institution_id=institution.id, today=today)  # type: ignore[arg-type]
    context = _Context(session, rules, youth, item, actor, today, at)
    handler: Any = _HANDLERS[item.kind]
    created: list[WorkItem | None] = handler(context, parsed)
    item.status = WorkItemStatus.done
    item.completed_at = at
    item.completed_by_id = actor.id
    if item.kind not in OWN_TABLE:
        item.payload = parsed.model_dump(mode="json")
    session.add(item)
    close_escalations(session, work_item_id=item.id, at=at)  # type: ignore[arg-type]
    event = record_event(
        session,
        youth,
        EventKind.work_item_completed,
        on=today,
        actor_id=actor.id,
        work_item_id=item.id,
        data={"kind": item.kind.value, "subject": item.subject},
    )
    youth.updated_at = at
    session.add(youth)
    session.flush()
    return Completion(
        event=event,
        work_item_id=item.id,  # type: ignore[arg-type]
        youth_id=youth.id,  # type: ignore[arg-type]
        created_ids=tuple(i.id for i in created if i is not None),  # type: ignore[misc]
    )


@dataclass
class _Context:
    session: Session
    rules: Rules
    youth: Youth
    item: WorkItem
    actor: User
    today: date
    at: datetime

    def create(self, spec: WorkItemSpec) -> WorkItem | None:
        return create_work_item(
            self.session, youth=self.youth, spec=spec, on=self.today, at=self.at
        )

    def count(self, kind: WorkItemKind) -> int:
        return len(
            self.session.exec(
                select(WorkItem.id).where(WorkItem.youth_id == self.youth.id, WorkItem.kind == kind)
            ).all()
        )

    def version(self) -> int:
        return int(self.item.subject.lstrip("v") or 1)


def _assessment(ctx: _Context, payload: AssessmentPayload) -> list[WorkItem | None]:
    assessment = Assessment(
        youth_id=ctx.youth.id,  # type: ignore[arg-type]
        work_item_id=ctx.item.id,
        kind=ASSESSMENT_KINDS[ctx.item.kind],
        assessed_date=ctx.today,
        assessed_by_id=ctx.actor.id,
        notes=payload.notes,
        created_at=ctx.at,
    )
    ctx.session.add(assessment)
    ctx.session.flush()
    for axis, value in payload.axes.items():
        ctx.session.add(
            AssessmentAxis(
                assessment_id=assessment.id,  # type: ignore[arg-type]
                axis=axis,
                score=value.score,
                needs=value.needs or None,
            )
        )
    stage = ctx.youth.stage
    if ctx.item.kind == WorkItemKind.intake_assessment or stage not in (
        Stage.active,
        Stage.exit_preparation,
    ):
        return []
    # The next review: 6 months after this one while active, 3 in exit preparation
    # (the exit-readiness assessment starts that chain).
    number = ctx.count(WorkItemKind.plan_review) + 1
    return [ctx.create(ctx.rules.review_item(stage, ctx.today, number=number))]


def latest_scores(session: Session, youth_id: int) -> dict[str, int] | None:
    """Return the axis scores of the youth's latest assessment (None: never assessed)."""
    assessment = session.exec(
        select(Assessment)
        .where(Assessment.youth_id == youth_id)
        .order_by(col(Assessment.assessed_date).desc(), col(Assessment.id).desc())
    ).first()
    if assessment is None:
        return None
    axes = session.exec(
        select(AssessmentAxis).where(AssessmentAxis.assessment_id == assessment.id)
    ).all()
    return {a.axis.value: a.score for a in axes}


def _plan(ctx: _Context, payload: PlanPayload) -> list[WorkItem | None]:
    scores = latest_scores(ctx.session, ctx.youth.id)  # type: ignore[arg-type]
    if scores is None:
        raise PlanIncomplete(
            f"youth {ctx.youth.id}: complete the intake assessment before the plan"
        )
    for milestone in payload.milestones:
        if milestone.due_date <= ctx.today:
            raise DateInPast(
                f"milestone {milestone.title!r}: due {milestone.due_date} is not after {ctx.today}"
            )
    covered = {m.axis.value for m in payload.milestones}
    uncovered = sorted(axis for axis, score in scores.items() if score <= 2 and axis not in covered)
    if uncovered:
        raise PlanIncomplete(
            f"youth {ctx.youth.id}: axes assessed 1 or 2 need a milestone: {', '.join(uncovered)}"
        )
    version = ctx.version()
    plan = Plan(
        youth_id=ctx.youth.id,  # type: ignore[arg-type]
        version=version,
        status=PlanStatus.submitted,
        work_item_id=ctx.item.id,
        submitted_at=ctx.at,
        submitted_by_id=ctx.actor.id,
    )
    ctx.session.add(plan)
    ctx.session.flush()
    for m in payload.milestones:
        ctx.session.add(
            Milestone(
                plan_id=plan.id,  # type: ignore[arg-type]
                youth_id=ctx.youth.id,  # type: ignore[arg-type]
                axis=m.axis,
                title=m.title,
                owner=m.owner,
                due_date=m.due_date,
            )
        )
    return [ctx.create(ctx.rules.plan_approval_item(ctx.today, version=version))]


def _plan_for(ctx: _Context) -> Plan:
    plan = ctx.session.exec(
        select(Plan).where(Plan.youth_id == ctx.youth.id, Plan.version == ctx.version())
    ).first()
    if plan is None:
        raise NotFound(f"plan v{ctx.version()} of youth {ctx.youth.id} not found")
    return plan


def _plan_approval(ctx: _Context, payload: PlanApprovalPayload) -> list[WorkItem | None]:
    plan = _plan_for(ctx)
    plan.decided_at, plan.decided_by_id = ctx.at, ctx.actor.id
    plan.decision_comment = payload.comment
    if payload.decision == "reject":
        plan.status = PlanStatus.rejected
        ctx.session.add(plan)
        rework = ctx.rules.plan_item(ctx.today, version=plan.version + 1, rework=True)
        return [ctx.create(rework)]
    for older in ctx.session.exec(
        select(Plan).where(
            Plan.youth_id == ctx.youth.id,
            Plan.status == PlanStatus.approved,
            Plan.id != plan.id,
        )
    ):
        older.status = PlanStatus.superseded
        ctx.session.add(older)
    plan.status = PlanStatus.approved
    ctx.session.add(plan)
    milestones = ctx.session.exec(
        select(Milestone).where(Milestone.plan_id == plan.id).order_by(col(Milestone.id))
    ).all()
    return [ctx.create(ctx.rules.milestone_item(m.id, m.due_date)) for m in milestones]  # type: ignore[arg-type]


def _milestone_check(ctx: _Context, payload: MilestoneCheckPayload) -> list[WorkItem | None]:
    milestone_part, _, check = ctx.item.subject.lstrip("m").partition(".")
    milestone = ctx.session.get(Milestone, int(milestone_part))
    if milestone is None:
        raise NotFound(f"milestone {milestone_part} not found")
    if payload.outcome == "done":
        milestone.status, milestone.completed_at = MilestoneStatus.done, ctx.at
    elif payload.outcome == "dropped":
        milestone.status, milestone.drop_reason = MilestoneStatus.dropped, payload.reason
    else:
        assert payload.new_due_date is not None
        if payload.new_due_date <= ctx.today:
            raise DateInPast(f"new due date {payload.new_due_date} is not after {ctx.today}")
        milestone.status, milestone.due_date = MilestoneStatus.delayed, payload.new_due_date
        ctx.session.add(milestone)
        assert milestone.id is not None
        spec = ctx.rules.milestone_item(
            milestone.id, payload.new_due_date, check=int(check or 1) + 1
        )
        return [ctx.create(spec)]
    ctx.session.add(milestone)
    return []


def _checklist(ctx: _Context, payload: ChecklistPayload) -> list[WorkItem | None]:
    return []


def record_exit(
    session: Session,
    *,
    youth: Youth,
    payload: RecordExitPayload,
    actor: User,
    today: date,
    work_item_id: int | None = None,
) -> None:
    """Record a young person's actual exit from care (planned or not)."""
    if youth.exit_date is not None:
        raise AlreadyClosed(f"youth {youth.id}: exit recorded already ({youth.exit_date})")
    if youth.stage not in (
        Stage.enrolled,
        Stage.intake,
        Stage.planning,
        Stage.active,
        Stage.exit_preparation,
    ):
        raise NotAllowed(f"youth {youth.id} is not in care (stage {youth.stage.value})")
    if payload.exit_date > today:
        raise ImplausibleDates(f"exit {payload.exit_date} is in the future ({today})")
    if payload.exit_date < youth.admission_date:
        raise ImplausibleDates(
            f"exit {payload.exit_date} is before admission {youth.admission_date}"
        )
    youth.exit_date = payload.exit_date
    youth.exit_kind = payload.kind
    youth.exit_destination = payload.destination
    youth.exit_reason = payload.reason
    session.add(youth)
    record_event(
        session,
        youth,
        EventKind.exit_recorded,
        on=today,
        actor_id=actor.id,
        work_item_id=work_item_id,
        data={"exit_date": str(payload.exit_date), "kind": payload.kind.value},
    )


def _record_exit(ctx: _Context, payload: RecordExitPayload) -> list[WorkItem | None]:
    record_exit(
        ctx.session,
        youth=ctx.youth,
        payload=payload,
        actor=ctx.actor,
        today=ctx.today,
        work_item_id=ctx.item.id,
    )
    return []


def _checkpoint(ctx: _Context, payload: CheckpointPayload) -> list[WorkItem | None]:
    from mowakaba.services import follow_up as follow_up_service

    follow_up = ctx.session.exec(select(FollowUp).where(FollowUp.work_item_id == ctx.item.id)).one()
    follow_up.recorded_at, follow_up.recorded_by_id = ctx.at, ctx.actor.id
    if payload.contact:
        follow_up.status = CheckpointStatus.contacted
        for name in (
            "housing",
            "activity",
            "health_coverage",
            "id_documents",
            "income",
            "support_network",
            "well_being",
            "notes",
        ):
            setattr(follow_up, name, getattr(payload, name))
    else:
        follow_up.status = CheckpointStatus.no_contact
        follow_up.notes = payload.notes
    ctx.session.add(follow_up)
    ctx.session.flush()
    follow_up_service.update_contact_mark(ctx.session, youth=ctx.youth, today=ctx.today, at=ctx.at)
    return []


def _extension_decision(ctx: _Context, payload: ExtensionDecisionPayload) -> list[WorkItem | None]:
    number = int(ctx.item.subject.lstrip("x"))
    extension = ctx.session.exec(
        select(ExitExtension).where(
            ExitExtension.youth_id == ctx.youth.id, ExitExtension.number == number
        )
    ).one()
    extension.decided_at, extension.decided_by_id = ctx.at, ctx.actor.id
    extension.decision_comment = payload.comment
    event_data: dict[str, Any] = {"number": number, "decision": payload.decision}
    if payload.decision == "reject":
        extension.status = ExtensionStatus.rejected
    else:
        extension.status = ExtensionStatus.approved
        ctx.youth.planned_exit_date = extension.requested_until
        ctx.youth.planned_exit_reason = extension.reason
        ctx.session.add(ctx.youth)
        # "Record exit" moves to the new date; its reminders and escalations restart.
        assert ctx.youth.id is not None
        for record in open_items(
            ctx.session, youth_id=ctx.youth.id, kinds={WorkItemKind.record_exit}
        ):
            new_due = ctx.rules.record_exit_item(extension.requested_until).due_date
            _move_due_date(ctx.session, item=record, due_date=new_due, at=ctx.at)
        event_data["until"] = str(extension.requested_until)
    ctx.session.add(extension)
    record_event(
        ctx.session,
        ctx.youth,
        EventKind.extension_decided,
        on=ctx.today,
        actor_id=ctx.actor.id,
        work_item_id=ctx.item.id,
        data=event_data,
    )
    return []


_HANDLERS = {
    WorkItemKind.intake_assessment: _assessment,
    WorkItemKind.plan_review: _assessment,
    WorkItemKind.exit_readiness_assessment: _assessment,
    WorkItemKind.integration_plan: _plan,
    WorkItemKind.plan_approval: _plan_approval,
    WorkItemKind.milestone_check: _milestone_check,
    WorkItemKind.exit_checklist_item: _checklist,
    WorkItemKind.record_exit: _record_exit,
    WorkItemKind.follow_up_checkpoint: _checkpoint,
    WorkItemKind.exit_extension_decision: _extension_decision,
}


# ---------------------------------------------------------------- rescheduling


def _move_due_date(session: Session, *, item: WorkItem, due_date: date, at: datetime) -> None:
    """Give an item a new due date: a new cycle, so reminders and escalations count again."""
    item.due_date = due_date
    item.cycle += 1
    item.escalation_level = 0
    session.add(item)
    close_escalations(session, work_item_id=item.id, at=at)  # type: ignore[arg-type]


def reschedule_work_item(
    session: Session,
    *,
    work_item_id: int,
    actor: User,
    due_date: date,
    reason: str,
    as_of: datetime | None = None,
) -> PathwayEvent:
    """Grant an open item a new due date (a coordinator of its institution); the count restarts."""
    at = as_of or now()
    item = get_work_item(session, work_item_id, lock=True)
    if not is_pool_member(session, user=actor, institution_id=item.institution_id):
        raise NotAllowed(
            f"user {actor.id} is not a coordinator of institution {item.institution_id}"
        )
    if item.status != WorkItemStatus.open:
        raise AlreadyClosed(f"work item {item.id} is {item.status.value} already")
    if not reason or not reason.strip():
        raise InvalidPayload("a new due date needs a reason")
    institution = session.get(Institution, item.institution_id)
    assert institution is not None
    today = local_date(at, institution.time_zone)
    if due_date < today:
        raise DateInPast(f"new due date {due_date} is before today ({today})")
    youth = session.get(Youth, item.youth_id)
    assert youth is not None
    previous = item.due_date
    _move_due_date(session, item=item, due_date=due_date, at=at)
    return record_event(
        session,
        youth,
        EventKind.work_item_rescheduled,
        on=today,
        actor_id=actor.id,
        work_item_id=item.id,
        data={"from": str(previous), "to": str(due_date), "cycle": item.cycle},
    )


def list_work_items(
    session: Session,
    *,
    assignee_id: int | None = None,
    pool_institution_ids: list[int] | None = None,
    status: WorkItemStatus | None = WorkItemStatus.open,
    youth_id: int | None = None,
    kind: WorkItemKind | None = None,
    due_before: date | None = None,
    limit: int = 100,
    offset: int = 0,
    visible_youths: Any = None,
) -> list[WorkItem]:
    """Return work items, soonest due first: a person's own, and their pools' if given.

    `visible_youths` (a select of youth ids) restricts them to a caller's scope.
    """
    return list(session.exec(_work_query(**_kwargs(locals())).offset(offset).limit(limit)))


def count_work_items(session: Session, **filters: Any) -> int:
    """Count what `list_work_items` would list with the same filters."""
    query = _work_query(**filters)
    return int(session.exec(select(func.count()).select_from(query.subquery())).one())


def _kwargs(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in ("session", "limit", "offset")}


def _work_query(
    *,
    assignee_id: int | None = None,
    pool_institution_ids: list[int] | None = None,
    status: WorkItemStatus | None = WorkItemStatus.open,
    youth_id: int | None = None,
    kind: WorkItemKind | None = None,
    due_before: date | None = None,
    visible_youths: Any = None,
) -> Any:
    query = select(WorkItem)
    if visible_youths is not None:
        query = query.where(col(WorkItem.youth_id).in_(visible_youths))
    if assignee_id is not None:
        mine = col(WorkItem.assignee_id) == assignee_id
        if pool_institution_ids:
            mine = mine | (
                col(WorkItem.assignee_pool).is_not(None)
                & col(WorkItem.institution_id).in_(pool_institution_ids)
            )
        query = query.where(mine)
    if status is not None:
        query = query.where(WorkItem.status == status)
    if youth_id is not None:
        query = query.where(WorkItem.youth_id == youth_id)
    if kind is not None:
        query = query.where(WorkItem.kind == kind)
    if due_before is not None:
        query = query.where(col(WorkItem.due_date) <= due_before)
    return query.order_by(col(WorkItem.due_date), col(WorkItem.id))
