"""Assessments: intake, plan review and exit readiness score the axes; reviews chain on."""

from __future__ import annotations

from sqlmodel import Session, col, select

from mowakaba.enums import AssessmentKind, Stage, WorkItemKind
from mowakaba.models import Assessment, AssessmentAxis, WorkItem
from mowakaba.schemas import AssessmentPayload
from mowakaba.services.completions.context import CompletionContext

ASSESSMENT_KINDS = {
    WorkItemKind.intake_assessment: AssessmentKind.intake,
    WorkItemKind.plan_review: AssessmentKind.review,
    WorkItemKind.exit_readiness_assessment: AssessmentKind.exit_readiness,
}


def record_assessment(ctx: CompletionContext, payload: AssessmentPayload) -> list[WorkItem | None]:
    """Record the assessment and its axes; while active or preparing exit, the next review."""
    assessment = Assessment(
        youth_id=ctx.youth.pk,
        work_item_id=ctx.item.id,
        kind=ASSESSMENT_KINDS[ctx.item.kind],
        assessed_date=ctx.today,
        assessed_by_id=ctx.actor.id,
        notes=payload.notes,
        youth_view=payload.youth_view,
        created_at=ctx.at,
    )
    ctx.session.add(assessment)
    ctx.session.flush()
    for axis, value in payload.axes.items():
        ctx.session.add(
            AssessmentAxis(
                assessment_id=assessment.pk,
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
