"""API request and response shapes (the core's models stay inside)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mowakaba.enums import (
    EducationLevel,
    Language,
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
    language: Language = Language.fr
    display_name: Annotated[str, OneLine] = Field(default="", max_length=200)


class UserPatch(Strict):
    """What an admin may change (an allow-list: never the user name, password or state)."""

    role: Role | None = None
    institution_ids: list[Ids] | None = Field(default=None, max_length=100)
    region: Annotated[str, OneLine] | None = Field(default=None, max_length=100)
    email: Annotated[str, OneLine] | None = Field(default=None, max_length=254)
    language: Language | None = None
    display_name: Annotated[str, OneLine] | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def only_region_and_email_may_be_cleared(self) -> UserPatch:
        nulls = [
            name for name in self.model_fields_set
            if getattr(self, name) is None and name not in ("region", "email")
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
