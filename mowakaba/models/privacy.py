"""Privacy: legal holds, objection and deletion requests, and what retention has purged."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import enum_type
from mowakaba.enums import PrivacyRequestKind, PrivacyRequestStatus, RecordClass
from mowakaba.models.columns import Keyed, fk, utc_field


class LegalHold(Keyed, SQLModel, table=True):
    """A hold on a youth's file: while it is not lifted, nothing of the file is purged."""

    __tablename__ = "legal_hold"

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    reason: str = Field(max_length=1000)
    placed_by_id: int = fk("user_account.id", index=False)
    placed_at: datetime = utc_field(default_now=True)
    lifted_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    lifted_at: datetime | None = utc_field(nullable=True)
    lift_reason: str | None = Field(default=None, max_length=1000)


class PrivacyRequest(Keyed, SQLModel, table=True):
    """An objection or a deletion request, recorded by a coordinator, decided by an admin."""

    __tablename__ = "privacy_request"
    __table_args__ = (sa.Index("ix_privacy_request_status", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    kind: PrivacyRequestKind = Field(sa_type=enum_type(PrivacyRequestKind))
    classes: list[str] = Field(default_factory=list, sa_type=sa.JSON)  # RecordClass values
    reason: str = Field(max_length=2000)
    requested_by_id: int = fk("user_account.id", index=False)
    requested_at: datetime = utc_field(default_now=True)
    status: PrivacyRequestStatus = Field(
        default=PrivacyRequestStatus.pending, sa_type=enum_type(PrivacyRequestStatus)
    )
    decided_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    decided_at: datetime | None = utc_field(nullable=True)
    decision_note: str | None = Field(default=None, max_length=2000)


class RetentionPurge(Keyed, SQLModel, table=True):
    """A record class of a youth purged (or, `pending`, to retry: Prefect did not answer).

    One row per youth and class: what makes a purge idempotent for the classes that are
    changed rather than deleted (the pseudonymised case file) or live elsewhere (runs).
    """

    __tablename__ = "retention_purge"
    __table_args__ = (sa.UniqueConstraint("youth_id", "record_class"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    record_class: RecordClass = Field(sa_type=enum_type(RecordClass))
    pending: bool = False
    purged_at: datetime = utc_field(default_now=True)
