"""Urgent incidents on a youth (runaway, hospitalisation, arrest...) and the SMS outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import enum_type
from mowakaba.enums import DeliveryStatus, IncidentKind, IncidentStatus, Language, SmsKind
from mowakaba.models.columns import Keyed, fk, sensitive, utc_field


class Incident(Keyed, SQLModel, table=True):
    """An incident a mediator or coordinator recorded: escalated at once, then followed up.

    A runaway stays open until the youth is marked returned, or the coordinators decide
    the unplanned exit (a `runaway_decision` work item, 7 days after the runaway).
    """

    __tablename__ = "incident"
    __table_args__ = (
        sa.Index("ix_incident_institution_id_status", "institution_id", "status"),
        sa.Index("ix_incident_kind_status", "kind", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    institution_id: int = fk("institution.id", index=False)
    kind: IncidentKind = Field(sa_type=enum_type(IncidentKind))
    occurred_at: datetime = utc_field()
    occurred_date: date  # the local day it happened (a runaway's count starts here)
    description: str = sensitive(default="", max_length=4000)
    serious: bool = False  # escalated to the region's supervisors too
    status: IncidentStatus = Field(default=IncidentStatus.open, sa_type=enum_type(IncidentStatus))
    reported_by_id: int = fk("user_account.id", index=False)
    reported_at: datetime = utc_field(default_now=True)
    work_item_id: int | None = fk("work_item.id", nullable=True, index=False)  # the response
    acknowledged_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    acknowledged_at: datetime | None = utc_field(nullable=True)
    # What the coordinator wrote when taking it in hand (not on the response item's
    # payload, which the work page shows to supervisors).
    acknowledgement_note: str | None = sensitive(max_length=2000)
    closed_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    closed_at: datetime | None = utc_field(nullable=True)
    closing_note: str | None = sensitive(max_length=2000)
    # A runaway: the day the youth came back; or the coordinators' decisions so far
    # (each "keep the place open" sets the next review date).
    returned_date: date | None = None
    runaway_reviews: int = 0
    review_date: date | None = None


class SmsMessage(Keyed, SQLModel, table=True):
    """An SMS of the outbox, to a user or to a youth, sent at least once under its key.

    The number is read when it is sent (the user's phone, the youth's current phone
    contact), so a corrected number is used and no number is copied here.
    """

    __tablename__ = "sms_message"
    __table_args__ = (
        sa.Index("ix_sms_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    kind: SmsKind = Field(sa_type=enum_type(SmsKind))
    recipient_id: int | None = fk("user_account.id", nullable=True, index=False)
    youth_id: int | None = fk("youth.id", nullable=True)
    language: Language = Field(sa_type=enum_type(Language))
    context: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    status: DeliveryStatus = Field(
        default=DeliveryStatus.pending, sa_type=enum_type(DeliveryStatus)
    )
    attempts: int = 0
    next_attempt_at: datetime | None = utc_field(nullable=True)
    sent_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)


class SmsAttempt(Keyed, SQLModel, table=True):
    __tablename__ = "sms_attempt"

    id: int | None = Field(default=None, primary_key=True)
    sms_message_id: int = fk("sms_message.id", ondelete="CASCADE")
    attempted_at: datetime = utc_field(default_now=True)
    success: bool
    error: str | None = Field(default=None, max_length=1000)
