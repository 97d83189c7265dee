"""Transfers between institutions: a placement change, asked by the sending institution's
coordinators and decided by the receiving institution's."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import enum_type
from mowakaba.enums import TransferStatus
from mowakaba.models.columns import Keyed, fk, utc_field


class Transfer(Keyed, SQLModel, table=True):
    """A youth's move from one institution to another, and its decision.

    `history_until_event_id` is the last line of the youth's timeline that the sending
    institution keeps reading once the transfer is accepted (the acceptance itself).
    """

    __tablename__ = "transfer"
    __table_args__ = (
        sa.CheckConstraint("from_institution_id <> to_institution_id", name="two_institutions"),
        sa.Index("ix_transfer_to_institution_id_status", "to_institution_id", "status"),
        sa.Index("ix_transfer_from_institution_id_status", "from_institution_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id")
    from_institution_id: int = fk("institution.id", index=False)
    to_institution_id: int = fk("institution.id", index=False)
    status: TransferStatus = Field(
        default=TransferStatus.requested, sa_type=enum_type(TransferStatus)
    )
    reason: str = Field(max_length=2000)
    requested_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    requested_at: datetime = utc_field(default_now=True)
    decided_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    decided_at: datetime | None = utc_field(nullable=True)
    decision_comment: str | None = Field(default=None, max_length=2000)
    effective_date: date | None = None  # the receiving institution's local day of acceptance
    mediator_id: int | None = fk("user_account.id", nullable=True, index=False)
    history_until_event_id: int | None = fk("pathway_event.id", nullable=True, index=False)
