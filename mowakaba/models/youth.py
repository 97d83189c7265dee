"""The young person: the case file, guardianship, contacts and consents."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import enum_type
from mowakaba.enums import (
    Axis,
    ClosureReason,
    ConsentGiver,
    ConsentPurpose,
    ContactKind,
    EducationLevel,
    ExitDestination,
    ExitKind,
    Language,
    LegalStatus,
    Sex,
    Stage,
    VocationalLevel,
)
from mowakaba.models.columns import Keyed, fk, sensitive, utc_field


class Youth(Keyed, SQLModel, table=True):
    __tablename__ = "youth"
    __table_args__ = (
        sa.Index("ix_youth_stage_date_of_birth", "stage", "date_of_birth"),
        sa.Index("ix_youth_institution_id_stage", "institution_id", "stage"),
        sa.Index("ix_youth_exit_date", "exit_date"),  # the indicators: exits in a period
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
    reconciliation_flagged_at: datetime | None = utc_field(nullable=True)  # since when
    # The next day a date trigger may move the stage; the sweep's index.
    next_trigger_date: date | None = Field(default=None, index=True)
    notes: str | None = sensitive()
    # The language of what the youth receives: their documents (plan, checklist) and SMS.
    language: Language = Field(
        default=Language.ar,
        sa_type=enum_type(Language),
        sa_column_kwargs={"server_default": Language.ar.value},
    )
    # The youth agreed to SMS reminders of follow-up appointments on this day (None: not),
    # sent in `language`; the number is their current phone contact.
    sms_agreed_date: date | None = None
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class Guardianship(Keyed, SQLModel, table=True):
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


class Contact(Keyed, SQLModel, table=True):
    """A way to reach the youth, kept up to date for follow-up after exit.

    A slot (kind, position: two phones, two trusted persons) holds one current row; a
    new value adds a row and keeps the old one as not current (the history). A trusted
    person's phone is the `value`, with their name and relation.
    """

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id", ondelete="CASCADE")
    kind: ContactKind = Field(sa_type=enum_type(ContactKind))
    position: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    value: str = sensitive(default="", max_length=500)
    label: str = Field(default="", max_length=200)
    name: str | None = sensitive(max_length=200)  # a trusted person's
    relation: str | None = sensitive(max_length=100)  # a trusted person's
    is_current: bool = True
    confirmed_date: date | None = None  # the day someone last checked it still works
    recorded_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    updated_at: datetime = utc_field(default_now=True)


class Consent(Keyed, SQLModel, table=True):
    """Consent to a kind of sharing: the guardian's before 18, the youth's from 18.

    A consent to share with partners names a partner or an axis (every partner of that
    axis), and the categories of data it covers. A guardian's consent lapses at the
    youth's 18th birthday: the youth is asked again.
    """

    __tablename__ = "consent"

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id", ondelete="CASCADE")
    purpose: ConsentPurpose = Field(sa_type=enum_type(ConsentPurpose))
    partner_id: int | None = fk("partner.id", nullable=True)
    axis: Axis | None = Field(default=None, sa_type=enum_type(Axis))
    data: list[str] = Field(default_factory=list, sa_type=sa.JSON)  # ConsentData values
    given_by: ConsentGiver = Field(sa_type=enum_type(ConsentGiver))
    given_by_name: str | None = sensitive(max_length=200)
    given_date: date
    given_at: datetime = utc_field(default_now=True)
    withdrawn_at: datetime | None = utc_field(nullable=True)
    withdrawn_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    recorded_by_id: int | None = fk("user_account.id", nullable=True, index=False)
