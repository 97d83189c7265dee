"""Partners and referrals: the organisations of the actors map, their services, referrals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import enum_type
from mowakaba.enums import (
    AnswerMethod,
    Axis,
    ChecklistItem,
    Language,
    PartnerKind,
    ReferralStatus,
)
from mowakaba.models.columns import Keyed, fk, utc_field


class Partner(Keyed, SQLModel, table=True):
    """An organisation that provides services to young people (health centre, ANAPEC...)."""

    __tablename__ = "partner"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)  # Latin script
    name_ar: str = Field(default="", max_length=200)
    kind: PartnerKind = Field(sa_type=enum_type(PartnerKind))
    regions: list[str] = Field(default_factory=list, sa_type=sa.JSON)  # [] : the whole country
    phone: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=254)
    address: str = Field(default="", max_length=500)
    contact_person: str = Field(default="", max_length=200)
    # The languages it works in; the first is the language of its letters.
    languages: list[str] = Field(default_factory=lambda: ["fr"], sa_type=sa.JSON)
    is_active: bool = True
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)

    @property
    def letter_language(self) -> Language:
        return Language(self.languages[0]) if self.languages else Language.fr


class PartnerService(Keyed, SQLModel, table=True):
    """A service of a partner's basket: on one axis, for the youths its conditions admit."""

    __tablename__ = "partner_service"
    __table_args__ = (
        sa.UniqueConstraint("partner_id", "name"),
        sa.CheckConstraint("response_days BETWEEN 1 AND 60", name="response_days_range"),
        sa.CheckConstraint("delivery_days BETWEEN 1 AND 730", name="delivery_days_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = fk("partner.id")
    axis: Axis = Field(sa_type=enum_type(Axis), index=True)
    name: str = Field(max_length=200)
    name_ar: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=2000)
    # Eligibility conditions, as data (mowakaba/eligibility.py reads and checks them).
    eligibility: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    capacity_per_month: int | None = None
    # Partners answer within 5 working days (programme default).
    response_days: int = 5
    # Calendar days from acceptance to the service delivered.
    delivery_days: int = 30
    # The exit checklist item a completed referral to this service meets, if any.
    checklist_item: ChecklistItem | None = Field(default=None, sa_type=enum_type(ChecklistItem))
    is_active: bool = True
    created_at: datetime = utc_field(default_now=True)


class Referral(Keyed, SQLModel, table=True):
    """A youth referred to a partner's service: its state, its clocks, what was shared."""

    __tablename__ = "referral"
    __table_args__ = (
        sa.Index("ix_referral_status_response_due_date", "status", "response_due_date"),
        sa.Index("ix_referral_status_delivery_due_date", "status", "delivery_due_date"),
        sa.Index("ix_referral_partner_id_status", "partner_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    institution_id: int = fk("institution.id", index=False)
    partner_id: int = fk("partner.id", index=False)
    service_id: int = fk("partner_service.id")
    milestone_id: int | None = fk("milestone.id", nullable=True)
    status: ReferralStatus = Field(default=ReferralStatus.draft, sa_type=enum_type(ReferralStatus))
    need: str = Field(default="", max_length=2000)  # what the youth needs, shared
    # What the mediator chose to share beyond first name, age and need: field → value,
    # copied when sent (the partner's minimised copy of the youth).
    shared_fields: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    shared: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    consent_id: int | None = fk("consent.id", nullable=True)
    override_reason: str | None = Field(default=None, max_length=1000)
    override_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    created_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    created_at: datetime = utc_field(default_now=True)
    sent_at: datetime | None = utc_field(nullable=True)
    sent_date: date | None = None  # local day of sending, in the institution's zone
    response_due_date: date | None = None  # end of working day N
    expiry_date: date | None = None  # end of working day 2N
    answered_at: datetime | None = utc_field(nullable=True)
    accepted_date: date | None = None
    delivery_due_date: date | None = None
    escalated_at: datetime | None = utc_field(nullable=True)  # no answer by day N
    delivery_reminded_at: datetime | None = utc_field(nullable=True)
    delivery_escalated_at: datetime | None = utc_field(nullable=True)
    closed_at: datetime | None = utc_field(nullable=True)
    decline_reason: str | None = Field(default=None, max_length=1000)
    outcome: str | None = Field(default=None, max_length=2000)
    rerouted_from_id: int | None = fk("referral.id", nullable=True, index=False)
    rerouted_to_id: int | None = fk("referral.id", nullable=True, index=False)
    updated_at: datetime = utc_field(default_now=True)


class ReferralTransition(Keyed, SQLModel, table=True):
    """One move of a referral: who, when, how (a partner's answer recorded on its behalf
    names the recorder, the person who answered and how), and whether what follows from it
    (notifications, a milestone met) has been done: `settled_at`."""

    __tablename__ = "referral_transition"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = fk("referral.id", ondelete="CASCADE")
    source: ReferralStatus | None = Field(default=None, sa_type=enum_type(ReferralStatus))
    target: ReferralStatus = Field(sa_type=enum_type(ReferralStatus))
    at: datetime = utc_field(default_now=True)
    actor_id: int | None = fk("user_account.id", nullable=True, index=False)
    on_behalf: bool = False
    answered_by: str | None = Field(default=None, max_length=200)
    method: AnswerMethod | None = Field(default=None, sa_type=enum_type(AnswerMethod))
    reason: str | None = Field(default=None, max_length=2000)
    pathway_event_id: int | None = fk("pathway_event.id", nullable=True, index=False)
    settled_at: datetime | None = utc_field(nullable=True, index=True)
