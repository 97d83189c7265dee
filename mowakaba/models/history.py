"""History: the youth's timeline and the append-only audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import enum_type
from mowakaba.enums import (
    AuditOutcome,
    EventKind,
    Stage,
)
from mowakaba.models.columns import Keyed, fk, utc_field


class PathwayEvent(Keyed, SQLModel, table=True):
    """A line of the youth's timeline: what happened, on which local day, by whom."""

    __tablename__ = "pathway_event"
    __table_args__ = (sa.Index("ix_pathway_event_youth_id_occurred_at", "youth_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id", index=False)
    kind: EventKind = Field(sa_type=enum_type(EventKind))
    stage: Stage = Field(sa_type=enum_type(Stage))
    event_date: date
    occurred_at: datetime = utc_field(default_now=True)
    actor_id: int | None = fk("user_account.id", nullable=True, index=False)
    work_item_id: int | None = fk("work_item.id", nullable=True, index=False)
    flow_run_id: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class AuditEvent(Keyed, SQLModel, table=True):
    """Who read or changed what, allowed or denied. Append-only: triggers refuse changes."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = utc_field(default_now=True, index=True)
    actor_id: int | None = Field(default=None, index=True)  # no FK: outlives its user
    role: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=64)
    object_id: str | None = Field(default=None, max_length=64)
    youth_id: int | None = Field(default=None, index=True)
    outcome: AuditOutcome = Field(sa_type=enum_type(AuditOutcome))
    request_id: str | None = Field(default=None, max_length=64)  # the server's own
    client_request_id: str | None = Field(default=None, max_length=64)  # X-Request-ID, checked
    # What a list-wide action covered, ids and codes only (an export: format, filters, rows).
    detail: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
