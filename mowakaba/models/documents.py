"""A youth's documents: the uploaded files' records (the files live under the data directory)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import enum_type
from mowakaba.enums import DocumentKind, DocumentStatus
from mowakaba.models.columns import Keyed, fk, utc_field


class Document(Keyed, SQLModel, table=True):
    """One uploaded document of a youth: what it is, its dates, and the stored file's facts.

    The file is `documents/<stored_name>` under the data directory; `stored_name` is random
    (never the uploader's name), `original_name` is cleaned and shown only. A document is
    never deleted: it is retired (replaced by a newer one, or withdrawn), the row kept.
    """

    __tablename__ = "document"
    __table_args__ = (
        sa.Index("ix_document_youth_id_status", "youth_id", "status"),
        sa.Index("ix_document_status_expiry_date", "status", "expiry_date"),
        sa.CheckConstraint("size >= 0", name="size_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id", index=False)
    kind: DocumentKind = Field(sa_type=enum_type(DocumentKind))
    issued_date: date
    expiry_date: date | None = None
    original_name: str = Field(max_length=200)
    stored_name: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    uploaded_at: datetime = utc_field(default_now=True)
    # A signed plan belongs to a plan version.
    plan_id: int | None = fk("plan.id", nullable=True, index=False)
    status: DocumentStatus = Field(
        default=DocumentStatus.current, sa_type=enum_type(DocumentStatus)
    )
    retired_at: datetime | None = utc_field(nullable=True)
    retired_by_id: int | None = fk("user_account.id", nullable=True, index=False)
    retire_reason: str | None = Field(default=None, max_length=500)
    replaced_by_id: int | None = fk("document.id", nullable=True, index=False)
