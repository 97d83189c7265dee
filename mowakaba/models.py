"""Every table (DESIGN.md §4). Singular snake_case names, `_id` keys, `_at` UTC, `_date` local.

Columns whose `info` says `sensitive` (health, family, notes) never leave the
case file: partners see a minimised referral, logs carry ids only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.clock import now
from mowakaba.db import NAMING_CONVENTION, UTCDateTime, enum_type
from mowakaba.enums import (
    ActivityOutcome,
    AssessmentKind,
    AssigneePool,
    AuditOutcome,
    Axis,
    Channel,
    CheckpointStatus,
    ClosureReason,
    ConsentGiver,
    ConsentPurpose,
    ContactKind,
    DeliveryStatus,
    EducationLevel,
    EscalationReason,
    EventKind,
    ExitDestination,
    ExitKind,
    ExtensionStatus,
    HolidayKind,
    HousingOutcome,
    Language,
    LegalStatus,
    MilestoneStatus,
    NotificationKind,
    PlanStatus,
    Role,
    Sex,
    Stage,
    VocationalLevel,
    WorkItemKind,
    WorkItemStatus,
)

SQLModel.metadata.naming_convention = NAMING_CONVENTION


def utc_field(*, nullable: bool = False, default_now: bool = False, index: bool = False) -> Any:
    """A timezone-aware UTC datetime column."""
    if default_now:
        return Field(default_factory=now, sa_type=UTCDateTime, nullable=nullable, index=index)
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def sensitive(default: Any = None, **kwargs: Any) -> Any:
    """A column holding health, family or personal notes: marked, never logged or shared."""
    return Field(default=default, sa_column_kwargs={"info": {"sensitive": True}}, **kwargs)


def fk(
    target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None
) -> Any:
    """A foreign key column."""
    extra: dict[str, Any] = {"ondelete": ondelete} if ondelete else {}
    return Field(default=None, foreign_key=target, nullable=nullable, index=index, **extra)


# ---------------------------------------------------------------- organisation and people


class Institution(SQLModel, table=True):
    __tablename__ = "institution"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    region: str = Field(max_length=100, index=True)
    time_zone: str = Field(default="Africa/Casablanca", max_length=64)
    created_at: datetime = utc_field(default_now=True)


class Holiday(SQLModel, table=True):
    """A day off in an institution's calendar (seeded from the national default, editable)."""

    __tablename__ = "holiday"
    __table_args__ = (sa.UniqueConstraint("institution_id", "holiday_date"),)

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = fk("institution.id", ondelete="CASCADE")
    holiday_date: date
    name: str = Field(max_length=100)
    kind: HolidayKind = Field(sa_type=enum_type(HolidayKind))


class CalendarYear(SQLModel, table=True):
    """A year of an institution's calendar that has been seeded, so corrections stick."""

    __tablename__ = "calendar_year"

    institution_id: int = Field(foreign_key="institution.id", primary_key=True, ondelete="CASCADE")
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seeded_at: datetime = utc_field(default_now=True)


class User(SQLModel, table=True):
    """A person who signs in: admin, supervisor, coordinator, mediator or partner."""

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=enum_type(Role), index=True)
    display_name: str = Field(default="", max_length=200)
    region: str | None = Field(default=None, max_length=100)
    language: Language = Field(default=Language.fr, sa_type=enum_type(Language))
    email: str | None = Field(default=None, max_length=254)
    is_active: bool = True
    # Bumped when the role or institutions change: tokens issued before die.
    credentials_version: int = 1
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class UserInstitution(SQLModel, table=True):
    __tablename__ = "user_institution"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    institution_id: int = Field(
        foreign_key="institution.id", primary_key=True, index=True, ondelete="CASCADE"
    )


# ---------------------------------------------------------------- the young person


class Youth(SQLModel, table=True):
    __tablename__ = "youth"
    __table_args__ = (
        sa.Index("ix_youth_stage_date_of_birth", "stage", "date_of_birth"),
        sa.Index("ix_youth_institution_id_stage", "institution_id", "stage"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)  # carries no name
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    first_name_ar: str = Field(default="", max_length=100)
    last_name_ar: str = Field(default="", max_length=100)
    search_name: str = Field(default="", max_length=420)  # normalised, both scripts
    date_of_birth: date
    date_of_birth_presumed: bool = False
    sex: Sex = Field(sa_type=enum_type(Sex))
    institution_id: int = fk("institution.id")
    admission_date: date
    registered_date: date
    education_level: EducationLevel = Field(sa_type=enum_type(EducationLevel))
    vocational_level: VocationalLevel = Field(sa_type=enum_type(VocationalLevel))
    mediator_id: int | None = fk("user_account.id", nullable=True)
    stage: Stage = Field(default=Stage.enrolled, sa_type=enum_type(Stage))
    stage_entered_date: date
    planned_exit_date: date | None = None
    planned_exit_reason: str | None = Field(default=None, max_length=500)
    exit_date: date | None = None
    exit_kind: ExitKind | None = Field(default=None, sa_type=enum_type(ExitKind))
    exit_destination: ExitDestination | None = Field(
        default=None, sa_type=enum_type(ExitDestination)
    )
    exit_reason: str | None = Field(default=None, max_length=500)
    closed_date: date | None = None
    closure_reason: ClosureReason | None = Field(default=None, sa_type=enum_type(ClosureReason))
    not_in_touch: bool = False
    # Set when a change committed but its pathway run could not be started.
    needs_reconciliation: bool = Field(default=False, index=True)
    # The next day a date trigger may move the stage; the sweep's index.
    next_trigger_date: date | None = Field(default=None, index=True)
    notes: str | None = sensitive()
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class Guardianship(SQLModel, table=True):
    """Who holds legal responsibility for the youth, and under what status."""

    __tablename__ = "guardianship"

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id", ondelete="CASCADE")
    legal_status: LegalStatus = Field(sa_type=enum_type(LegalStatus))
    guardian_name: str | None = sensitive(max_length=200)
    guardian_relation: str | None = sensitive(max_length=100)
    guardian_phone: str | None = sensitive(max_length=50)
    start_date: date
    end_date: date | None = None
    created_at: datetime = utc_field(default_now=True)


class Contact(SQLModel, table=True):
    """A way to reach the youth, kept up to date for follow-up after exit."""

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id", ondelete="CASCADE")
    kind: ContactKind = Field(sa_type=enum_type(ContactKind))
    value: str = sensitive(default="", max_length=500)
    label: str = Field(default="", max_length=200)
    is_current: bool = True
    updated_at: datetime = utc_field(default_now=True)


class Consent(SQLModel, table=True):
    """Consent to a kind of sharing: the guardian's before 18, the youth's from 18."""

    __tablename__ = "consent"

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id", ondelete="CASCADE")
    purpose: ConsentPurpose = Field(sa_type=enum_type(ConsentPurpose))
    given_by: ConsentGiver = Field(sa_type=enum_type(ConsentGiver))
    given_by_name: str | None = sensitive(max_length=200)
    given_at: datetime = utc_field(default_now=True)
    withdrawn_at: datetime | None = utc_field(nullable=True)
    recorded_by_id: int | None = fk("user_account.id", nullable=True, index=False)


# ---------------------------------------------------------------- the work


class WorkItem(SQLModel, table=True):
    """A piece of human work with a due date (the domain never says `Task`)."""

    __tablename__ = "work_item"
    __table_args__ = (
        sa.UniqueConstraint("youth_id", "kind", "subject"),
        sa.CheckConstraint("(assignee_id IS NULL) <> (assignee_pool IS NULL)", name="one_assignee"),
        sa.Index("ix_work_item_status_due_date", "status", "due_date"),
        sa.Index("ix_work_item_assignee_id_status", "assignee_id", "status"),
        sa.Index("ix_work_item_institution_id_status", "institution_id", "status"),
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
    created_at: datetime = utc_field(default_now=True)
    completed_at: datetime | None = utc_field(nullable=True)
    completed_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    cancel_reason: str | None = Field(default=None, max_length=200)
    payload: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)


class Escalation(SQLModel, table=True):
    """A missed deadline raised to coordinators (level 1) or supervisors (level 2)."""

    __tablename__ = "escalation"
    __table_args__ = (
        sa.UniqueConstraint("work_item_id", "cycle", "level", "reason"),
        sa.CheckConstraint("level IN (1, 2)", name="level_range"),
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


class Assessment(SQLModel, table=True):
    """An intake, review or exit-readiness assessment."""

    __tablename__ = "assessment"

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    work_item_id: int | None = Field(default=None, foreign_key="work_item.id", unique=True)
    kind: AssessmentKind = Field(sa_type=enum_type(AssessmentKind))
    assessed_date: date
    assessed_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    notes: str | None = sensitive()
    created_at: datetime = utc_field(default_now=True)


class AssessmentAxis(SQLModel, table=True):
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


class Plan(SQLModel, table=True):
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


class Milestone(SQLModel, table=True):
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


class FollowUp(SQLModel, table=True):
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


class ExitExtension(SQLModel, table=True):
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


# ---------------------------------------------------------------- notifications


class Notification(SQLModel, table=True):
    """An outbox row: written with the change that causes it, under a unique key.

    In-app delivery is the row itself; email (when the recipient has an
    address) is sent by the delivery service and tracked here.
    """

    __tablename__ = "notification"
    __table_args__ = (
        sa.Index("ix_notification_email_status_next_attempt_at", "email_status", "next_attempt_at"),
        sa.Index("ix_notification_recipient_id_read_at", "recipient_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    recipient_id: int = fk("user_account.id", index=False)
    kind: NotificationKind = Field(sa_type=enum_type(NotificationKind))
    youth_id: int | None = fk("youth.id", nullable=True)
    work_item_id: int | None = fk("work_item.id", nullable=True, index=False)
    context: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = utc_field(default_now=True)
    read_at: datetime | None = utc_field(nullable=True)
    email_status: DeliveryStatus | None = Field(default=None, sa_type=enum_type(DeliveryStatus))
    attempts: int = 0
    next_attempt_at: datetime | None = utc_field(nullable=True)
    sent_at: datetime | None = utc_field(nullable=True)


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = fk("notification.id", ondelete="CASCADE")
    channel: Channel = Field(sa_type=enum_type(Channel))
    attempted_at: datetime = utc_field(default_now=True)
    success: bool
    error: str | None = Field(default=None, max_length=1000)


# ---------------------------------------------------------------- history


class PathwayEvent(SQLModel, table=True):
    """A line of the youth's timeline: what happened, on which local day, by whom."""

    __tablename__ = "pathway_event"
    __table_args__ = (sa.Index("ix_pathway_event_youth_id_occurred_at", "youth_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id", index=False)
    kind: EventKind = Field(sa_type=enum_type(EventKind))
    stage: Stage = Field(sa_type=enum_type(Stage))
    event_date: date
    occurred_at: datetime = utc_field(default_now=True)
    actor_id: int | None = fk("user_account.id", nullable=True, index=False)
    work_item_id: int | None = fk("work_item.id", nullable=True, index=False)
    flow_run_id: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class AuditEvent(SQLModel, table=True):
    """Who read or changed what, allowed or denied. Append-only: triggers refuse changes."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = utc_field(default_now=True, index=True)
    actor_id: int | None = Field(default=None, index=True)  # no FK: outlives its user
    role: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=64)
    object_id: str | None = Field(default=None, max_length=64)
    youth_id: int | None = Field(default=None, index=True)
    outcome: AuditOutcome = Field(sa_type=enum_type(AuditOutcome))
    request_id: str | None = Field(default=None, max_length=64)


# ---------------------------------------------------------------- API sessions


class AuthToken(SQLModel, table=True):
    """A bearer token: only its hash is kept; idle and absolute expiry; revocable."""

    __tablename__ = "auth_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = fk("user_account.id", ondelete="CASCADE")
    credentials_version: int
    created_at: datetime = utc_field(default_now=True)
    last_used_at: datetime = utc_field(default_now=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = utc_field(nullable=True)


class LoginFailure(SQLModel, table=True):
    """A failed login, counted to throttle guessing per user name and per client address."""

    __tablename__ = "login_failure"
    __table_args__ = (
        sa.Index("ix_login_failure_username_at", "username", "at"),
        sa.Index("ix_login_failure_client_at", "client", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    client: str = Field(max_length=64)
    at: datetime = utc_field(default_now=True)


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a POST with an Idempotency-Key, replayed for the same key and body."""

    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = fk("user_account.id", ondelete="CASCADE", index=False)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = utc_field(default_now=True)
