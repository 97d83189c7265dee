"""Who a service is for: eligibility conditions as data, and one pure evaluator.

A service stores its conditions as a list of JSON objects (`PartnerService.eligibility`),
each checked against the youth's facts on a day. Every condition a youth does not meet
gives a `Reason` whose text is translated where it is shown (`reason_text`): "needs
lower-secondary level", "ages 16–25". No code per service: a new kind of condition is a
new class here, with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from mowakaba.enums import (
    ChecklistItem,
    EducationLevel,
    Language,
    Sex,
    Stage,
    VocationalLevel,
)
from mowakaba.errors import InvalidInput
from mowakaba.labels import N_, translate
from mowakaba.rules import age_on

EDUCATION_ORDER = list(EducationLevel)
VOCATIONAL_ORDER = list(VocationalLevel)
# The documents a youth can hold, as the exit checklist names them.
DOCUMENTS = (
    ChecklistItem.national_id_card,
    ChecklistItem.birth_certificate,
    ChecklistItem.health_coverage,
    ChecklistItem.bank_account,
)


@dataclass(frozen=True)
class YouthFacts:
    """What eligibility reads of a youth (no name, no notes)."""

    date_of_birth: date
    sex: Sex
    education_level: EducationLevel
    vocational_level: VocationalLevel
    stage: Stage
    region: str
    documents: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Reason:
    """Why a youth is not eligible: a message marked for translation, and its values."""

    code: str
    message: str  # an N_() string with {placeholders}
    values: dict[str, str] = field(default_factory=dict)

    def text(self, language: Language) -> str:
        """The reason in a reader's language."""
        values = {k: translate(v, language) if k.endswith("_label") else v
                  for k, v in self.values.items()}  # fmt: skip
        return translate(self.message, language).format(**values)


EDUCATION_LABELS = {
    EducationLevel.none: N_("no schooling"),
    EducationLevel.primary: N_("primary level"),
    EducationLevel.lower_secondary: N_("lower-secondary level"),
    EducationLevel.secondary: N_("secondary level"),
    EducationLevel.university: N_("university level"),
}
VOCATIONAL_LABELS = {
    VocationalLevel.none: N_("no vocational qualification"),
    VocationalLevel.basic: N_("basic vocational level"),
    VocationalLevel.qualified: N_("qualified vocational level"),
    VocationalLevel.technician: N_("technician level"),
    VocationalLevel.specialised_technician: N_("specialised-technician level"),
}
SEX_LABELS = {Sex.female: N_("young women"), Sex.male: N_("young men")}
STAGE_LABELS = {
    Stage.enrolled: N_("enrolled"),
    Stage.intake: N_("intake"),
    Stage.planning: N_("planning"),
    Stage.active: N_("active plan"),
    Stage.exit_preparation: N_("exit preparation"),
    Stage.exited: N_("left care"),
    Stage.follow_up: N_("follow-up"),
    Stage.closed: N_("closed"),
}
DOCUMENT_LABELS = {
    ChecklistItem.national_id_card: N_("a national ID card"),
    ChecklistItem.birth_certificate: N_("a birth certificate"),
    ChecklistItem.health_coverage: N_("health coverage"),
    ChecklistItem.bank_account: N_("a bank account"),
}


class _Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgeCondition(_Condition):
    """Aged `min`–`max` (whole years) on the day of the check."""

    kind: Literal["age"]
    min: int | None = Field(default=None, ge=0, le=99)
    max: int | None = Field(default=None, ge=0, le=99)

    @model_validator(mode="after")
    def bounded(self) -> AgeCondition:
        if self.min is None and self.max is None:
            raise ValueError("an age condition needs min or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("age min is above max")
        return self

    def reason(self, facts: YouthFacts, day: date) -> Reason | None:
        age = age_on(facts.date_of_birth, day)
        if (self.min is None or age >= self.min) and (self.max is None or age <= self.max):
            return None
        if self.min is not None and self.max is not None:
            return Reason(
                "age", N_("ages {min}–{max}"), {"min": str(self.min), "max": str(self.max)}
            )
        if self.min is not None:
            return Reason("age", N_("from age {min}"), {"min": str(self.min)})
        return Reason("age", N_("up to age {max}"), {"max": str(self.max)})


class SexCondition(_Condition):
    kind: Literal["sex"]
    is_: Sex = Field(alias="is")

    def reason(self, facts: YouthFacts, day: date) -> Reason | None:
        if facts.sex == self.is_:
            return None
        return Reason("sex", N_("for {sex_label} only"), {"sex_label": SEX_LABELS[self.is_]})


class EducationCondition(_Condition):
    """At least (or at most) a level of schooling."""

    kind: Literal["education_level"]
    min: EducationLevel | None = None
    max: EducationLevel | None = None

    def reason(self, facts: YouthFacts, day: date) -> Reason | None:
        rank = EDUCATION_ORDER.index(facts.education_level)
        if self.min is not None and rank < EDUCATION_ORDER.index(self.min):
            return Reason("education_level", N_("needs {level_label}"),
                          {"level_label": EDUCATION_LABELS[self.min]})  # fmt: skip
        if self.max is not None and rank > EDUCATION_ORDER.index(self.max):
            return Reason("education_level", N_("for {level_label} at most"),
                          {"level_label": EDUCATION_LABELS[self.max]})  # fmt: skip
        return None


class VocationalCondition(_Condition):
    kind: Literal["vocational_level"]
    min: VocationalLevel | None = None
    max: VocationalLevel | None = None

    def reason(self, facts: YouthFacts, day: date) -> Reason | None:
        rank = VOCATIONAL_ORDER.index(facts.vocational_level)
        if self.min is not None and rank < VOCATIONAL_ORDER.index(self.min):
            return Reason("vocational_level", N_("needs {level_label}"),
                          {"level_label": VOCATIONAL_LABELS[self.min]})  # fmt: skip
        if self.max is not None and rank > VOCATIONAL_ORDER.index(self.max):
            return Reason("vocational_level", N_("for {level_label} at most"),
                          {"level_label": VOCATIONAL_LABELS[self.max]})  # fmt: skip
        return None


class StageCondition(_Condition):
    kind: Literal["stage"]
    in_: list[Stage] = Field(alias="in", min_length=1)

    def reason(self, facts: YouthFacts, day: date) -> Reason | None:
        if facts.stage in self.in_:
            return None
        # A list of labels cannot be one placeholder: the first one names the rule.
        if all(s in (Stage.exited, Stage.follow_up) for s in self.in_):
            return Reason("stage", N_("for young people who have left care"))
        if Stage.exited not in self.in_ and Stage.follow_up not in self.in_:
            return Reason("stage", N_("for young people still in care"))
        return Reason("stage", N_("not at this stage of the pathway"))


class RegionCondition(_Condition):
    kind: Literal["region"]
    in_: list[str] = Field(alias="in", min_length=1)

    def reason(self, facts: YouthFacts, day: date) -> Reason | None:
        if facts.region in self.in_:
            return None
        return Reason("region", N_("only in {regions}"), {"regions": ", ".join(self.in_)})


class DocumentCondition(_Condition):
    kind: Literal["document"]
    has: ChecklistItem

    @model_validator(mode="after")
    def a_document(self) -> DocumentCondition:
        if self.has not in DOCUMENTS:
            raise ValueError(f"{self.has.value} is not a document")
        return self

    def reason(self, facts: YouthFacts, day: date) -> Reason | None:
        if self.has.value in facts.documents:
            return None
        return Reason("document", N_("needs {document_label}"),
                      {"document_label": DOCUMENT_LABELS[self.has]})  # fmt: skip


Condition = Annotated[
    AgeCondition | SexCondition | EducationCondition | VocationalCondition | StageCondition
    | RegionCondition | DocumentCondition,
    Field(discriminator="kind"),
]  # fmt: skip
_CONDITIONS = TypeAdapter(list[Condition])
MAX_CONDITIONS = 20


def parse_conditions(raw: Any) -> list[Condition]:
    """Read a service's conditions, as InvalidInput naming the first bad one."""
    if not isinstance(raw, list) or len(raw) > MAX_CONDITIONS:
        raise InvalidInput(f"eligibility is a list of at most {MAX_CONDITIONS} conditions")
    try:
        return _CONDITIONS.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"eligibility: {where}: {first['msg']}") from None


def dump_conditions(conditions: list[Condition]) -> list[dict[str, Any]]:
    """The conditions as stored (JSON)."""
    return [c.model_dump(mode="json", by_alias=True, exclude_none=True) for c in conditions]


def reasons_not_eligible(conditions: list[Condition], facts: YouthFacts, day: date) -> list[Reason]:
    """Every condition a youth does not meet on a day (empty: eligible)."""
    return [r for c in conditions if (r := c.reason(facts, day)) is not None]
