"""Inputs that are not tables: registration, and the payload each work-item kind expects.

Every model forbids unknown fields. The JSON schema of a kind's payload
(`PAYLOADS[kind].model_json_schema()`) is what the API shows a client.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from mowakaba.enums import (
    ActivityOutcome,
    AgreementMethod,
    AnswerMethod,
    Axis,
    ChecklistItem,
    ConsentData,
    ConsentGiver,
    EducationLevel,
    ExitDestination,
    ExitKind,
    HousingOutcome,
    Language,
    PartnerKind,
    Sex,
    SharedField,
    VocationalLevel,
    WorkItemKind,
)
from mowakaba.text import UnsafeText, clean_text

MAX_ID = 2**31 - 1  # ids are 32-bit integers on every database


def _cleaned(value: object, *, multiline: bool) -> object:
    if not isinstance(value, str):
        return value  # the str type refuses it, naming the field
    try:
        return clean_text(value, multiline=multiline)
    except UnsafeText as exc:
        raise PydanticCustomError("unsafe_text", str(exc)) from None


# Every string a client sends goes through one of these: NFC, no control or invisible
# characters (mowakaba.text.clean_text). A line of text (a name, a title, a region) keeps no
# line break; free text (notes, reasons) keeps line feeds and tabs.
OneLine = BeforeValidator(lambda v: _cleaned(v, multiline=False))
MultiLine = BeforeValidator(lambda v: _cleaned(v, multiline=True))
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), MultiLine]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), OneLine]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), OneLine]

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)


def _iso_date(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # from Python (the CLI, the simulation): a date already
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "dates are ISO strings: YYYY-MM-DD")


def _plausible(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise PydanticCustomError(
            "date_range", f"dates lie between {EARLIEST_DATE} and {LATEST_DATE}"
        )
    return value


# A date is an ISO string (a number of seconds is refused), between 1900 and 2100.
IsoDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_plausible)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class YouthRegistration(Strict):
    """What registering a young person takes."""

    first_name: Name = ""
    last_name: Name = ""
    first_name_ar: Name = ""
    last_name_ar: Name = ""
    date_of_birth: IsoDate
    date_of_birth_presumed: bool = False
    sex: Sex
    institution_id: int = Field(ge=1, le=MAX_ID)
    admission_date: IsoDate
    education_level: EducationLevel
    vocational_level: VocationalLevel
    mediator_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    planned_exit_date: IsoDate | None = None
    planned_exit_reason: ShortText | None = None
    exit_date: IsoDate | None = None
    exit_kind: ExitKind | None = None
    notes: Text | None = None
    language: Language = Language.ar  # of the documents the youth receives


# ---------------------------------------------------------------- payloads per kind


class AxisScore(Strict):
    score: int = Field(ge=1, le=5, description="1: serious need … 5: autonomous")
    needs: Text = ""


class AssessmentPayload(Strict):
    """Intake, review and exit-readiness assessments: a score and needs for every axis."""

    axes: dict[Axis, AxisScore]
    notes: Text | None = None
    youth_view: Text | None = Field(
        default=None, description="the youth's own view, in their words"
    )

    @model_validator(mode="after")
    def every_axis(self) -> AssessmentPayload:
        missing = [a.value for a in Axis if a not in self.axes]
        if missing:
            raise ValueError(f"every axis needs a score: missing {', '.join(missing)}")
        return self


class MilestoneIn(Strict):
    axis: Axis
    title: ShortText = Field(min_length=1)
    owner: ShortText = Field(min_length=1, description="who carries it: the youth, a partner …")
    due_date: IsoDate


def check_agreement(
    method: AgreementMethod | None,
    day: date | None,
    witness_name: str | None,
    witness_role: str | None,
) -> None:
    """The agreement's rule: a date always; confirmed in person, a witness named with a role."""
    if method is None:
        if day is not None or witness_name or witness_role:
            raise ValueError("agreement_method: say how the young person agreed")
        return
    if day is None:
        raise ValueError("agreement_date: the date the young person agreed is required")
    if method == AgreementMethod.in_person and not (witness_name and witness_role):
        raise ValueError(
            "agreement_witness_name, agreement_witness_role: an agreement confirmed in person "
            "names the witness and their role"
        )


class PlanPayload(Strict):
    """The integration plan: milestones, at least one for every axis assessed 1 or 2; the
    youth's goals in their words and, when already given, their agreement."""

    milestones: list[MilestoneIn] = Field(min_length=1, max_length=100)
    notes: Text | None = None
    youth_goals: Text | None = Field(
        default=None, description="the youth's own goals, in their words"
    )
    agreement_method: AgreementMethod | None = None
    agreement_date: IsoDate | None = None
    agreement_witness_name: ShortText | None = None
    agreement_witness_role: ShortText | None = None

    @model_validator(mode="after")
    def agreement_complete(self) -> PlanPayload:
        check_agreement(self.agreement_method, self.agreement_date,
                        self.agreement_witness_name, self.agreement_witness_role)  # fmt: skip
        return self


class AgreementIn(Strict):
    """The youth's agreement to a plan version, recorded after it was submitted."""

    agreement_method: AgreementMethod
    agreement_date: IsoDate
    agreement_witness_name: ShortText | None = None
    agreement_witness_role: ShortText | None = None

    @model_validator(mode="after")
    def agreement_complete(self) -> AgreementIn:
        check_agreement(self.agreement_method, self.agreement_date,
                        self.agreement_witness_name, self.agreement_witness_role)  # fmt: skip
        return self


class PlanApprovalPayload(Strict):
    decision: Literal["approve", "reject"]
    comment: Text | None = None

    @model_validator(mode="after")
    def rejection_has_comment(self) -> PlanApprovalPayload:
        if self.decision == "reject" and not self.comment:
            raise ValueError("a rejection needs a comment for the mediator")
        return self


class MilestoneCheckPayload(Strict):
    outcome: Literal["done", "delayed", "dropped"]
    new_due_date: IsoDate | None = None
    reason: Text | None = None

    @model_validator(mode="after")
    def outcome_details(self) -> MilestoneCheckPayload:
        if self.outcome == "delayed" and self.new_due_date is None:
            raise ValueError("a delayed milestone needs its new_due_date")
        if self.outcome == "dropped" and not self.reason:
            raise ValueError("a dropped milestone needs a reason")
        return self


class ChecklistPayload(Strict):
    outcome: Literal["done", "not_needed"]
    reason: Text | None = None
    note: Text | None = None
    # Met by an uploaded document (ID card, birth certificate, health-coverage card).
    document_id: int | None = Field(default=None, ge=1, le=MAX_ID)

    @model_validator(mode="after")
    def not_needed_has_reason(self) -> ChecklistPayload:
        if self.outcome == "not_needed" and not self.reason:
            raise ValueError("'not needed' needs a reason")
        if self.outcome == "not_needed" and self.document_id is not None:
            raise ValueError("document_id: a document meets an item that is done")
        return self


class DocumentRenewalPayload(Strict):
    """A document about to expire: its renewal was asked for, or it is not needed."""

    outcome: Literal["renewal_requested", "not_needed"]
    reason: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def not_needed_has_reason(self) -> DocumentRenewalPayload:
        if self.outcome == "not_needed" and not self.reason:
            raise ValueError("'not needed' needs a reason")
        return self


class RecordExitPayload(Strict):
    exit_date: IsoDate
    kind: ExitKind = ExitKind.planned
    destination: ExitDestination
    reason: Text | None = None

    @model_validator(mode="after")
    def unplanned_has_reason(self) -> RecordExitPayload:
        if self.kind != ExitKind.planned and not self.reason:
            raise ValueError("an unplanned exit needs a reason")
        return self


class CheckpointPayload(Strict):
    """A follow-up checkpoint: what was found, or no contact."""

    contact: bool
    housing: HousingOutcome | None = None
    activity: ActivityOutcome | None = None
    health_coverage: bool | None = None
    id_documents: bool | None = None
    income: bool | None = None
    support_network: bool | None = None
    well_being: int | None = Field(default=None, ge=1, le=5)
    notes: Text | None = None

    @model_validator(mode="after")
    def contact_has_findings(self) -> CheckpointPayload:
        findings = (
            self.housing,
            self.activity,
            self.health_coverage,
            self.id_documents,
            self.income,
            self.support_network,
            self.well_being,
        )
        if self.contact and any(f is None for f in findings):
            raise ValueError(
                "a contact records housing, activity, health_coverage, id_documents, income, "
                "support_network and well_being"
            )
        if not self.contact and any(f is not None for f in findings):
            raise ValueError("'no contact' records no findings")
        return self


class ExtensionDecisionPayload(Strict):
    decision: Literal["approve", "reject"]
    comment: Text | None = None


class ExtensionRequest(Strict):
    until: IsoDate
    reason: Text = Field(min_length=1)


class IncidentResponsePayload(Strict):
    """The coordinators' response to an incident: they have seen it (and what they do)."""

    note: Text | None = None


class RunawayDecisionPayload(Strict):
    """A runaway not back: record the unplanned exit, or keep the place open until a date."""

    decision: Literal["record_exit", "keep_open"]
    exit_date: IsoDate | None = None  # default: the day of the runaway
    destination: ExitDestination = ExitDestination.unknown
    reason: Text | None = None
    review_date: IsoDate | None = None

    @model_validator(mode="after")
    def keeping_needs_reason_and_date(self) -> RunawayDecisionPayload:
        if self.decision == "keep_open" and (not self.reason or self.review_date is None):
            raise ValueError("keeping the place open needs a reason and a review_date")
        return self


PAYLOADS: dict[WorkItemKind, type[Strict]] = {
    WorkItemKind.intake_assessment: AssessmentPayload,
    WorkItemKind.plan_review: AssessmentPayload,
    WorkItemKind.exit_readiness_assessment: AssessmentPayload,
    WorkItemKind.integration_plan: PlanPayload,
    WorkItemKind.plan_approval: PlanApprovalPayload,
    WorkItemKind.milestone_check: MilestoneCheckPayload,
    WorkItemKind.exit_checklist_item: ChecklistPayload,
    WorkItemKind.record_exit: RecordExitPayload,
    WorkItemKind.follow_up_checkpoint: CheckpointPayload,
    WorkItemKind.exit_extension_decision: ExtensionDecisionPayload,
    WorkItemKind.incident_response: IncidentResponsePayload,
    WorkItemKind.runaway_decision: RunawayDecisionPayload,
    WorkItemKind.document_renewal: DocumentRenewalPayload,
}


# ---------------------------------------------------------------- partners and referrals

Region = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                   OneLine]  # fmt: skip
PartnerName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), OneLine]


class PartnerIn(Strict):
    """A partner organisation of the actors map."""

    name: PartnerName = Field(min_length=1)
    name_ar: PartnerName = ""
    kind: PartnerKind
    regions: list[Region] = Field(default_factory=list, max_length=20)  # []: the whole country
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50), OneLine] = ""
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), OneLine] = ""
    address: ShortText = ""
    contact_person: PartnerName = ""
    languages: list[Language] = Field(default_factory=lambda: [Language.fr], min_length=1,
                                      max_length=3)  # fmt: skip


class PartnerPatch(Strict):
    name: PartnerName | None = Field(default=None, min_length=1)
    name_ar: PartnerName | None = None
    kind: PartnerKind | None = None
    regions: list[Region] | None = Field(default=None, max_length=20)
    phone: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=50), OneLine] | None
    ) = None
    email: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), OneLine] | None
    ) = None
    address: ShortText | None = None
    contact_person: PartnerName | None = None
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=3)
    is_active: bool | None = None


class ServiceIn(Strict):
    """A service of a partner's basket, with who is eligible (mowakaba/eligibility.py)."""

    axis: Axis
    name: PartnerName = Field(min_length=1)
    name_ar: PartnerName = ""
    description: Text = ""
    eligibility: list[dict[str, object]] = Field(default_factory=list, max_length=20)
    capacity_per_month: int | None = Field(default=None, ge=1, le=100_000)
    response_days: int = Field(default=5, ge=1, le=60)
    delivery_days: int = Field(default=30, ge=1, le=730)
    checklist_item: ChecklistItem | None = None


class ServicePatch(Strict):
    axis: Axis | None = None
    name: PartnerName | None = Field(default=None, min_length=1)
    name_ar: PartnerName | None = None
    description: Text | None = None
    eligibility: list[dict[str, object]] | None = Field(default=None, max_length=20)
    capacity_per_month: int | None = Field(default=None, ge=1, le=100_000)
    response_days: int | None = Field(default=None, ge=1, le=60)
    delivery_days: int | None = Field(default=None, ge=1, le=730)
    checklist_item: ChecklistItem | None = None
    is_active: bool | None = None


class ConsentIn(Strict):
    """A consent to share with one partner, or with every partner of an axis."""

    partner_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    axis: Axis | None = None
    data: list[ConsentData] = Field(default_factory=list, max_length=len(ConsentData))
    given_by: ConsentGiver
    given_by_name: Name = ""
    given_date: IsoDate

    @model_validator(mode="after")
    def partner_or_axis(self) -> ConsentIn:
        if (self.partner_id is None) == (self.axis is None):
            raise ValueError("a consent names a partner or an axis (one of them)")
        return self


class ReferralIn(Strict):
    """A referral to a partner's service (a draft until sent)."""

    service_id: int = Field(ge=1, le=MAX_ID)
    need: Text = Field(min_length=1)
    shared_fields: list[SharedField] = Field(default_factory=list, max_length=len(SharedField))
    health_details: Text = ""  # shared only when `health_details` is in shared_fields
    family_details: Text = ""
    milestone_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    send: bool = False  # create and send at once
    override_reason: Text = ""  # a coordinator sending without consent says why


class SendIn(Strict):
    override_reason: Text = ""


class AnswerIn(Strict):
    """A partner's answer or report, by its own user or recorded for it by a mediator."""

    status: Literal["accepted", "declined", "in_progress", "completed", "not_completed"]
    reason: Text = ""  # why declined, or not completed
    outcome: Text = ""  # what was delivered
    # A mediator recording the answer on the partner's behalf says who answered and how.
    answered_by: PartnerName = ""
    method: AnswerMethod | None = None

    @model_validator(mode="after")
    def explained(self) -> AnswerIn:
        if self.status in ("declined", "not_completed") and not self.reason:
            raise ValueError(f"'{self.status}' needs a reason")
        if self.status == "completed" and not self.outcome:
            raise ValueError("'completed' needs the outcome")
        return self


class CancelIn(Strict):
    reason: Text = Field(min_length=1)


class RerouteIn(Strict):
    service_id: int = Field(ge=1, le=MAX_ID)
    reason: Text = ""
