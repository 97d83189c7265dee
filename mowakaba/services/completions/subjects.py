"""What a work item is about, for whoever completes it: the plan to approve, the milestone
to check, the extension to decide, the axes a plan must answer, the plan sent back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from mowakaba.enums import Axis, WorkItemKind
from mowakaba.models import ExitExtension, Milestone, Plan, WorkItem
from mowakaba.services.completions.assessments import latest_scores


@dataclass(frozen=True)
class ItemSubject:
    """The records a work item names (each empty where its kind names none)."""

    plan: Plan | None = None  # the plan to approve, or the one sent back before this version
    milestones: tuple[Milestone, ...] = ()  # that plan's milestones
    milestone: Milestone | None = None  # the milestone to check
    extension: ExitExtension | None = None  # the extension to decide
    scores: tuple[tuple[Axis, int], ...] = ()  # the latest assessment's scores, by axis

    @property
    def weak_axes(self) -> tuple[Axis, ...]:
        """Axes assessed 1 or 2: a plan needs a milestone on each."""
        return tuple(axis for axis, score in self.scores if score <= 2)


def _version(item: WorkItem) -> int:
    return int(item.subject.lstrip("v") or 1)


def _plan(
    session: Session, youth_id: int, version: int
) -> tuple[Plan | None, tuple[Milestone, ...]]:
    plan = session.exec(
        select(Plan).where(Plan.youth_id == youth_id, Plan.version == version)
    ).first()
    if plan is None:
        return None, ()
    milestones = session.exec(
        select(Milestone).where(Milestone.plan_id == plan.id).order_by(col(Milestone.id))
    ).all()
    return plan, tuple(milestones)


def _scores(session: Session, youth_id: int) -> tuple[tuple[Axis, int], ...]:
    scores = latest_scores(session, youth_id) or {}
    return tuple((axis, scores[axis.value]) for axis in Axis if axis.value in scores)


def subject_of(session: Session, *, item: WorkItem) -> ItemSubject:
    """Read what a work item is about (nothing is locked or changed)."""
    if item.kind == WorkItemKind.plan_approval:
        plan, milestones = _plan(session, item.youth_id, _version(item))
        return ItemSubject(plan=plan, milestones=milestones)
    if item.kind == WorkItemKind.integration_plan:
        # A plan sent back: the rejected version and its comment, to start the rework from.
        previous, milestones = _plan(session, item.youth_id, _version(item) - 1)
        return ItemSubject(plan=previous, milestones=milestones,
                           scores=_scores(session, item.youth_id))  # fmt: skip
    if item.kind == WorkItemKind.milestone_check:
        milestone_id = item.subject.lstrip("m").partition(".")[0]
        milestone = session.get(Milestone, int(milestone_id)) if milestone_id.isdigit() else None
        return ItemSubject(milestone=milestone)
    if item.kind == WorkItemKind.exit_extension_decision:
        number = item.subject.lstrip("x")
        extension = session.exec(
            select(ExitExtension).where(
                ExitExtension.youth_id == item.youth_id,
                ExitExtension.number == (int(number) if number.isdigit() else 0),
            )
        ).first()
        return ItemSubject(extension=extension)
    if item.kind in (WorkItemKind.plan_review, WorkItemKind.exit_readiness_assessment):
        return ItemSubject(scores=_scores(session, item.youth_id))
    return ItemSubject()
