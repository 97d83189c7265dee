"""The work: work items, escalations, assessments, plans and milestones, follow-ups, extensions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import enum_type
from mowakaba.enums import (
    ActivityOutcome,
    AgreementMethod,
    AssessmentKind,
    AssigneePool,
    Axis,
    CheckpointStatus,
    EscalationReason,
    ExtensionStatus,
    HousingOutcome,
    MilestoneStatus,
    PlanStatus,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.models.columns import Keyed, fk, sensitive, utc_field


class WorkItem(Keyed, SQLModel, table=True):
    """A piece of human work with a due date (the domain never says `Task`)."""

    __tablename__ = "work_item"
    __table_args__ = (
        sa.UniqueConstraint("youth_id", "kind", "subject"),
        sa.CheckConstraint("(assignee_id IS NULL) <> (assignee_pool IS NULL)", name="one_assignee"),
        sa.Index("ix_work_item_status_due_date", "status", "due_date"),
        sa.Index("ix_work_item_assignee_id_status", "assignee_id", "status"),
        sa.Index("ix_work_item_institution_id_status", "institution_id", "status"),
        # The indicators: work due in a period (all kinds, and per kind).
        sa.Index("ix_work_item_due_date", "due_date"),
        sa.Index("ix_work_item_kind_due_date", "kind", "due_date"),
        # The dashboard: the exit checklists of the youths leaving soon (7 items a leaver).
        sa.Index(
            "ix_work_item_checklist_youth_id",
            "youth_id",
            postgresql_where=sa.text("kind = 'exit_checklist_item'"),
            sqlite_where=sa.text("kind = 'exit_checklist_item'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    institution_id: int = fk("institution.id", index=False)
    kind: WorkItemKind = Field(sa_type=enum_type(WorkItemKind))
    subject: str = Field(default="", max_length=64)
    assignee_id: int | None = fk("user_account.id", nullable=True, index=False)
    assignee_pool: AssigneePool | None = Field(default=None, sa_type=enum_type(AssigneePool))
    due_date: date
    status: WorkItemStatus = Field(default=WorkItemStatus.open, sa_type=enum_type(WorkItemStatus))
    # Bumped when a coordinator grants a new due date: reminders and escalations restart.
    cycle: int = 0
    escalation_level: int = 0
    # The timings in force when the item was created ("7,1", "3,10"), which it keeps:
    # changed timings apply to items created after the change. None: the current ones.
    reminder_days: str | None = Field(default=None, max_length=32)
    escalation_working_days: str | None = Field(default=None, max_length=32)
    created_at: datetime = utc_field(default_now=True)
    completed_at: datetime | None = utc_field(nullable=True)
    completed_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    cancel_reason: str | None = Field(default=None, max_length=200)
    payload: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)


class Escalation(Keyed, SQLModel, table=True):
    """A missed deadline raised to coordinators (level 1) or supervisors (level 2)."""

    __tablename__ = "escalation"
    __table_args__ = (
        sa.UniqueConstraint("work_item_id", "cycle", "level", "reason"),
        sa.CheckConstraint("level IN (1, 2)", name="level_range"),
        # The dashboard: the few escalations still waiting (~2,000 of 280,000 nationally).
        sa.Index(
            "ix_escalation_waiting",
            "work_item_id",
            postgresql_where=sa.text("closed_at IS NULL AND acknowledged_at IS NULL"),
            sqlite_where=sa.text("closed_at IS NULL AND acknowledged_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    work_item_id: int = fk("work_item.id")
    cycle: int = 0
    level: int
    reason: EscalationReason = Field(
        default=EscalationReason.overdue, sa_type=enum_type(EscalationReason)
    )
    raised_at: datetime = utc_field(default_now=True)
    recipient_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    acknowledged_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    acknowledged_at: datetime | None = utc_field(nullable=True)
    closed_at: datetime | None = utc_field(nullable=True)


class Assessment(Keyed, SQLModel, table=True):
    """An intake, review or exit-readiness assessment."""

    __tablename__ = "assessment"

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    work_item_id: int | None = Field(default=None, foreign_key="work_item.id", unique=True)
    kind: AssessmentKind = Field(sa_type=enum_type(AssessmentKind))
    assessed_date: date
    assessed_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    notes: str | None = sensitive()
    # The young person's own view of their situation, in their words.
    youth_view: str | None = sensitive()
    created_at: datetime = utc_field(default_now=True)


class AssessmentAxis(Keyed, SQLModel, table=True):
    """One axis of an assessment: a score from 1 (serious need) to 5 (autonomous)."""

    __tablename__ = "assessment_axis"
    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "axis"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = fk("assessment.id", ondelete="CASCADE")
    axis: Axis = Field(sa_type=enum_type(Axis))
    score: int
    needs: str | None = sensitive()


class Plan(Keyed, SQLModel, table=True):
    """A version of a youth's individual integration plan."""

    __tablename__ = "plan"
    __table_args__ = (sa.UniqueConstraint("youth_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    version: int
    status: PlanStatus = Field(default=PlanStatus.submitted, sa_type=enum_type(PlanStatus))
    work_item_id: int | None = fk("work_item.id", nullable=True, index=False)
    submitted_at: datetime = utc_field(default_now=True)
    submitted_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    decided_at: datetime | None = utc_field(nullable=True)
    decided_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    decision_comment: str | None = Field(default=None, max_length=2000)
    # The young person's own goals, in their words.
    youth_goals: str | None = sensitive()
    # Their agreement to this version: how, when, and (in person) before whom. A paper copy
    # they signed is kept as a document of kind "signed plan".
    agreement_method: AgreementMethod | None = Field(
        default=None, sa_type=enum_type(AgreementMethod)
    )
    agreement_date: date | None = None
    agreement_witness_name: str | None = Field(default=None, max_length=200)
    agreement_witness_role: str | None = Field(default=None, max_length=200)
    agreement_recorded_at: datetime | None = utc_field(nullable=True)
    agreement_recorded_by_id: int | None = fk("user_account.id", nullable=True, index=False)


class Milestone(Keyed, SQLModel, table=True):
    """A step of a plan, on one axis, with an owner and a date."""

    __tablename__ = "milestone"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = fk("plan.id", ondelete="CASCADE")
    youth_id: int = fk("youth.id")
    axis: Axis = Field(sa_type=enum_type(Axis))
    title: str = Field(max_length=300)
    owner: str = Field(max_length=200)
    due_date: date
    status: MilestoneStatus = Field(
        default=MilestoneStatus.open, sa_type=enum_type(MilestoneStatus)
    )
    drop_reason: str | None = Field(default=None, max_length=500)
    completed_at: datetime | None = utc_field(nullable=True)


class FollowUp(Keyed, SQLModel, table=True):
    """One follow-up checkpoint after exit, and what it found."""

    __tablename__ = "follow_up"
    __table_args__ = (
        sa.UniqueConstraint("youth_id", "months"),
        sa.CheckConstraint(
            "well_being IS NULL OR well_being BETWEEN 1 AND 5", name="well_being_range"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    work_item_id: int = Field(foreign_key="work_item.id", unique=True)
    months: int
    due_date: date
    status: CheckpointStatus = Field(
        default=CheckpointStatus.open, sa_type=enum_type(CheckpointStatus)
    )
    recorded_at: datetime | None = utc_field(nullable=True)
    recorded_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    housing: HousingOutcome | None = Field(default=None, sa_type=enum_type(HousingOutcome))
    activity: ActivityOutcome | None = Field(default=None, sa_type=enum_type(ActivityOutcome))
    health_coverage: bool | None = sensitive()
    id_documents: bool | None = None
    income: bool | None = None
    support_network: bool | None = None
    well_being: int | None = sensitive()
    notes: str | None = sensitive()


class ExitExtension(Keyed, SQLModel, table=True):
    """A request to stay in care past the planned exit, and the coordinator's decision."""

    __tablename__ = "exit_extension"
    __table_args__ = (sa.UniqueConstraint("youth_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    number: int
    requested_until: date
    reason: str = Field(max_length=2000)
    requested_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    requested_at: datetime = utc_field(default_now=True)
    status: ExtensionStatus = Field(
        default=ExtensionStatus.requested, sa_type=enum_type(ExtensionStatus)
    )
    work_item_id: int | None = fk("work_item.id", nullable=True, index=False)
    decided_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    decided_at: datetime | None = utc_field(nullable=True)
    decision_comment: str | None = Field(default=None, max_length=2000)
