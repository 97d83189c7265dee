"""API request and response shapes (the core's models stay inside)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mowakaba.casework_schemas import Phone
from mowakaba.enums import (
    AnswerMethod,
    Axis,
    ChecklistItem,
    ConsentGiver,
    ConsentPurpose,
    EducationLevel,
    Language,
    PartnerKind,
    ReferralStatus,
    Role,
    Sex,
    Stage,
    VocationalLevel,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.schemas import IsoDate, MultiLine, Name, OneLine

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str | None = Field(
        default=None, description="on a 500 and a 413: the X-Request-ID to quote to an operator"
    )


class ErrorOut(BaseModel):
    """Every error: `{"error": {"code": "...", "message": "..."}}` (a 500 adds `request_id`)."""

    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in {
        401: "No valid bearer token", 403: "Not allowed for this role",
        404: "Not found (or outside your scope)", 409: "Conflict", 413: "Body over 1 MiB",
        422: "Invalid request", 429: "Too many failed logins",
    }.items()
}  # fmt: skip


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    id: int
    username: str
    role: Role
    institutions: list[int]
    region: str | None
    language: str


class InstitutionIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200), OneLine]
    region: Annotated[str, Field(min_length=1, max_length=100), OneLine]
    time_zone: Annotated[str | None, Field(default=None, max_length=64), OneLine] = None


class InstitutionOut(BaseModel):
    id: int
    name: str
    region: str
    time_zone: str


class YouthOut(BaseModel):
    id: int
    code: str
    stage: Stage
    first_name: str
    last_name: str
    first_name_ar: str
    last_name_ar: str
    date_of_birth: date
    date_of_birth_presumed: bool
    sex: Sex
    institution_id: int
    admission_date: date
    registered_date: date
    education_level: EducationLevel
    vocational_level: VocationalLevel
    mediator_id: int | None
    planned_exit_date: date | None
    exit_date: date | None
    not_in_touch: bool
    language: Language


class YouthPatch(Strict):
    """The fields a PATCH may change (an allow-list: never id, institution, stage, code)."""

    first_name: Name | None = None
    last_name: Name | None = None
    first_name_ar: Name | None = None
    last_name_ar: Name | None = None
    date_of_birth_presumed: bool | None = None
    education_level: EducationLevel | None = None
    vocational_level: VocationalLevel | None = None
    mediator_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    language: Language | None = None  # of the documents the youth receives

    @model_validator(mode="after")
    def only_the_mediator_may_be_cleared(self) -> YouthPatch:
        nulls = [
            name for name in self.model_fields_set
            if getattr(self, name) is None and name != "mediator_id"
        ]  # fmt: skip
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} cannot be null")
        return self


class EventOut(BaseModel):
    id: int
    kind: str
    stage: Stage
    event_date: date
    occurred_at: datetime
    actor_id: int | None
    work_item_id: int | None
    flow_run_id: str | None
    data: dict[str, Any]


class CompletionOut(EventOut):
    """A completion, saved; and whether the youth's pathway run started now or waits for
    the next sweep (the Prefect server did not answer in time: nothing is lost)."""

    pathway_run: Literal["started", "deferred"]
    pathway_run_id: str | None


class ScheduleRow(BaseModel):
    date: date
    event: str
    stage: Stage
    kind: WorkItemKind | None
    due_date: date | None


class FlowRunOut(BaseModel):
    id: str
    name: str
    state: str | None
    tags: list[str]
    started: datetime | None
    ended: datetime | None


class WorkItemOut(BaseModel):
    id: int
    youth_id: int
    institution_id: int
    kind: WorkItemKind
    subject: str
    assignee_id: int | None
    assignee_pool: str | None
    due_date: date
    status: WorkItemStatus
    escalation_level: int
    created_at: datetime
    completed_at: datetime | None


class WorkItemDetail(WorkItemOut):
    payload_schema: dict[str, Any]


class RescheduleIn(Strict):
    due_date: IsoDate
    reason: Annotated[str, Field(min_length=1, max_length=500), MultiLine]


class ExtensionIn(Strict):
    until: IsoDate
    reason: Annotated[str, Field(min_length=1, max_length=2000), MultiLine]


class ExtensionOut(BaseModel):
    id: int
    youth_id: int
    number: int
    requested_until: date
    status: str
    work_item_id: int | None


class EscalationOut(BaseModel):
    id: int
    work_item_id: int
    youth_id: int | None
    level: int
    reason: str
    raised_at: datetime
    acknowledged_by_id: int | None
    acknowledged_at: datetime | None
    closed_at: datetime | None


class NotificationOut(BaseModel):
    id: int
    kind: str
    subject: str
    youth_id: int | None
    work_item_id: int | None
    created_at: datetime
    read_at: datetime | None


class AuditOut(BaseModel):
    id: int
    occurred_at: datetime
    actor_id: int | None
    role: str | None
    action: str
    object_type: str
    object_id: str | None
    youth_id: int | None
    outcome: str
    request_id: str | None
    client_request_id: str | None


Password = Annotated[str, Field(min_length=1, max_length=256)]
Ids = Annotated[int, Field(ge=1, le=2**31 - 1)]


class PasswordChangeIn(Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    current_password: Password
    new_password: Password


class UserOut(BaseModel):
    """An account as an admin sees it (never its password hash)."""

    id: int
    username: str
    role: Role
    display_name: str
    institution_ids: list[int]
    region: str | None
    language: Language
    email: str | None
    phone: str | None = Field(description="for urgent incidents by SMS")
    partner_id: int | None = Field(description="a partner user's organisation")
    is_active: bool
    must_change_password: bool
    locked_until: datetime | None
    created_at: datetime
    updated_at: datetime


class UserIn(Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    username: Annotated[str, OneLine] = Field(min_length=2, max_length=63)
    password: Password
    role: Role
    institution_ids: list[Ids] = Field(default_factory=list, max_length=100)
    region: Annotated[str, OneLine] | None = Field(default=None, max_length=100)
    email: Annotated[str, OneLine] | None = Field(default=None, max_length=254)
    phone: Phone | None = None
    language: Language = Language.fr
    display_name: Annotated[str, OneLine] = Field(default="", max_length=200)
    # A partner user's organisation: required for role partner, refused for the others.
    partner_id: Ids | None = None


class UserPatch(Strict):
    """What an admin may change (an allow-list: never the user name, password or state)."""

    role: Role | None = None
    institution_ids: list[Ids] | None = Field(default=None, max_length=100)
    region: Annotated[str, OneLine] | None = Field(default=None, max_length=100)
    email: Annotated[str, OneLine] | None = Field(default=None, max_length=254)
    phone: Phone | None = None
    language: Language | None = None
    display_name: Annotated[str, OneLine] | None = Field(default=None, max_length=200)
    # A partner user's organisation (a role other than partner clears it).
    partner_id: Ids | None = None

    @model_validator(mode="after")
    def only_region_and_email_may_be_cleared(self) -> UserPatch:
        nulls = [
            name for name in self.model_fields_set
            if getattr(self, name) is None
            and name not in ("region", "email", "phone", "partner_id")
        ]  # fmt: skip
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} cannot be null")
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        return self


class PasswordResetIn(Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    # None: the server generates one and answers it once.
    password: Password | None = None


class PasswordResetOut(BaseModel):
    user_id: int
    temporary_password: str
    must_change_password: bool = True


# ---------------------------------------------------------------- partners and referrals


class PartnerOut(BaseModel):
    """A partner organisation of the directory (not personal data)."""

    id: int
    name: str
    name_ar: str
    kind: PartnerKind
    regions: list[str] = Field(description="[]: the whole country")
    phone: str
    email: str
    address: str
    contact_person: str
    languages: list[Language] = Field(description="the first is the letters' language")
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ServiceOut(BaseModel):
    """A service of a partner's basket, with its eligibility conditions (as data)."""

    id: int
    partner_id: int
    axis: Axis
    name: str
    name_ar: str
    description: str
    eligibility: list[dict[str, Any]]
    capacity_per_month: int | None
    response_days: int = Field(description="working days to answer a referral")
    delivery_days: int = Field(description="calendar days to deliver, once accepted")
    checklist_item: ChecklistItem | None = Field(
        description="the exit checklist item a completed referral meets"
    )
    is_active: bool
    created_at: datetime


class ReasonOut(BaseModel):
    code: str
    text: str = Field(description="in the caller's language (User.language, or `lang`)")


class EligibleServiceOut(BaseModel):
    """A service of the axis, and whether the youth may be referred to it (why not)."""

    service: ServiceOut
    partner: PartnerOut
    eligible: bool
    reasons: list[ReasonOut]


class ConsentOut(BaseModel):
    id: int
    youth_id: int
    purpose: ConsentPurpose
    partner_id: int | None
    axis: Axis | None
    data: list[str] = Field(description="the categories of data it covers")
    given_by: ConsentGiver
    given_by_name: str | None
    given_date: date
    given_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by_id: int | None
    recorded_by_id: int | None
    valid: bool = Field(description="given, not withdrawn, not lapsed today")
    lapses_on: date | None = Field(description="a guardian's consent lapses at 18")


class TransitionOut(BaseModel):
    """A move of a referral: who made it, and for an answer recorded on a partner's
    behalf, who answered and how."""

    id: int
    source: ReferralStatus | None
    target: ReferralStatus
    at: datetime
    actor_id: int | None
    on_behalf: bool
    answered_by: str | None
    method: AnswerMethod | None
    reason: str | None


class ReferralOut(BaseModel):
    """A referral as the sender's side sees it (the youth's mediator, coordinators,
    supervisors)."""

    id: int
    youth_id: int
    institution_id: int
    partner_id: int
    service_id: int
    milestone_id: int | None
    status: ReferralStatus
    need: str
    shared_fields: list[str]
    shared: dict[str, Any] = Field(description="the copy the partner sees, once sent")
    consent_id: int | None
    override_reason: str | None
    override_by_id: int | None
    created_by_id: int | None
    created_at: datetime
    sent_at: datetime | None
    sent_date: date | None
    response_due_date: date | None = Field(description="the end of working day N")
    expiry_date: date | None = Field(description="the end of working day 2N")
    answered_at: datetime | None
    accepted_date: date | None
    delivery_due_date: date | None
    escalated_at: datetime | None
    closed_at: datetime | None
    decline_reason: str | None
    outcome: str | None
    rerouted_from_id: int | None
    rerouted_to_id: int | None
    updated_at: datetime


class ReferralDetail(ReferralOut):
    transitions: list[TransitionOut]


class ReferralPartnerOut(BaseModel):
    """A referral as its partner sees it: the youth's first name and age, the need, and
    the fields the sender chose to share; never the case file."""

    id: int
    status: ReferralStatus
    service_id: int
    service: str
    service_ar: str
    axis: Axis
    first_name: str
    first_name_ar: str
    age: int
    need: str
    shared: dict[str, Any]
    sent_date: date | None
    response_due_date: date | None
    delivery_due_date: date | None


class ReferralRun(BaseModel):
    """Whether the `referral` run of the move started now, or waits for the next sweep
    (the Prefect server did not answer in time: the move is saved)."""

    referral_run: Literal["started", "deferred"]
    referral_run_ids: list[str]


class ReferralMoveOut(ReferralOut, ReferralRun):
    """A referral after a move, and its `referral` run."""


class ReferralPartnerMoveOut(ReferralPartnerOut, ReferralRun):
    """A referral after its partner's answer (the partner's view), and its `referral` run."""


class AccessLogEntryOut(BaseModel):
    """One row of a youth's access log: when, who (name and role then), what, outcome."""

    id: int
    at: datetime
    actor_id: int | None
    who: str | None
    role: str
    action: str
    action_words: str
    object_type: str
    object_id: str | None
    object_words: str
    outcome: str
    outcome_words: str
