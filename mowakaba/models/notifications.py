"""Notifications: the outbox and each delivery attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import enum_type
from mowakaba.enums import (
    Channel,
    DeliveryStatus,
    NotificationKind,
)
from mowakaba.models.columns import Keyed, fk, utc_field


class Notification(Keyed, SQLModel, table=True):
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


class DeliveryAttempt(Keyed, SQLModel, table=True):
    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = fk("notification.id", ondelete="CASCADE")
    channel: Channel = Field(sa_type=enum_type(Channel))
    attempted_at: datetime = utc_field(default_now=True)
    success: bool
    error: str | None = Field(default=None, max_length=1000)
