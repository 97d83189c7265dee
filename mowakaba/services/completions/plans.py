"""The integration plan: submitted, approved or rejected, and its milestones checked."""

from __future__ import annotations

from sqlmodel import Session, col, select

from mowakaba.enums import MilestoneStatus, PlanStatus
from mowakaba.errors import DateInPast, NotFound, PlanIncomplete
from mowakaba.models import Milestone, Plan, WorkItem
from mowakaba.schemas import AgreementIn, MilestoneCheckPayload, PlanApprovalPayload, PlanPayload
from mowakaba.services.completions.assessments import latest_scores
from mowakaba.services.completions.context import CompletionContext
from mowakaba.services.voice import apply_agreement


def submit_plan(ctx: CompletionContext, payload: PlanPayload) -> list[WorkItem | None]:
    """Submit a plan whose milestones cover every weak axis; the coordinators approve it."""
    scores = latest_scores(ctx.session, ctx.youth.pk)
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
        youth_id=ctx.youth.pk,
        version=version,
        status=PlanStatus.submitted,
        work_item_id=ctx.item.id,
        submitted_at=ctx.at,
        submitted_by_id=ctx.actor.id,
        youth_goals=payload.youth_goals,
    )
    ctx.session.add(plan)
    ctx.session.flush()
    if payload.agreement_method is not None:
        agreement = AgreementIn.model_validate(
            payload.model_dump(include={"agreement_method", "agreement_date",
                                        "agreement_witness_name", "agreement_witness_role"})
        )  # fmt: skip
        apply_agreement(ctx.session, plan=plan, youth=ctx.youth, data=agreement, actor=ctx.actor,
                        today=ctx.today, at=ctx.at)  # fmt: skip
    for m in payload.milestones:
        ctx.session.add(
            Milestone(
                plan_id=plan.pk,
                youth_id=ctx.youth.pk,
                axis=m.axis,
                title=m.title,
                owner=m.owner,
                due_date=m.due_date,
            )
        )
    return [ctx.create(ctx.rules.plan_approval_item(ctx.today, version=version))]


def plan_of(ctx: CompletionContext) -> Plan:
    """Return the plan version an item is about, or raise NotFound."""
    plan = ctx.session.exec(
        select(Plan).where(Plan.youth_id == ctx.youth.id, Plan.version == ctx.version())
    ).first()
    if plan is None:
        raise NotFound(f"plan v{ctx.version()} of youth {ctx.youth.id} not found")
    return plan


def decide_plan(ctx: CompletionContext, payload: PlanApprovalPayload) -> list[WorkItem | None]:
    """Approve a plan (its milestones get their checks) or send it back for rework."""
    plan = plan_of(ctx)
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
    return [ctx.create(ctx.rules.milestone_item(m.pk, m.due_date)) for m in milestones]


def check_milestone(
    ctx: CompletionContext, payload: MilestoneCheckPayload
) -> list[WorkItem | None]:
    """Mark a milestone done, dropped, or delayed to a later date with a new check."""
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


def current_plan(session: Session, *, youth_id: int) -> tuple[Plan | None, list[Milestone]]:
    """Return a youth's plan in force (the approved one, else the latest version) and its
    milestones by date; (None, []) before any plan."""
    plans = session.exec(
        select(Plan).where(Plan.youth_id == youth_id).order_by(col(Plan.version).desc())
    ).all()
    plan = next((p for p in plans if p.status == PlanStatus.approved), None)
    plan = plan or (plans[0] if plans else None)
    if plan is None:
        return None, []
    milestones = session.exec(
        select(Milestone)
        .where(Milestone.plan_id == plan.id)
        .order_by(col(Milestone.due_date), col(Milestone.id))
    ).all()
    return plan, list(milestones)
