"""API sessions: bearer tokens, failed logins, idempotent requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import UTCDateTime
from mowakaba.models.columns import Keyed, encrypted_json, fk, utc_field


class AuthToken(Keyed, SQLModel, table=True):
    """A bearer token: only its hash is kept; idle and absolute expiry; revocable."""

    __tablename__ = "auth_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = fk("user_account.id", ondelete="CASCADE")
    credentials_version: int
    created_at: datetime = utc_field(default_now=True)
    last_used_at: datetime = utc_field(default_now=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = utc_field(nullable=True)


class LoginFailure(Keyed, SQLModel, table=True):
    """A failed login, counted to throttle guessing per user name and per client address."""

    __tablename__ = "login_failure"
    __table_args__ = (
        sa.Index("ix_login_failure_username_at", "username", "at"),
        sa.Index("ix_login_failure_client_at", "client", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    client: str = Field(max_length=64)
    at: datetime = utc_field(default_now=True)


class IdempotencyRecord(Keyed, SQLModel, table=True):
    """The first answer to a POST with an Idempotency-Key, replayed for the same key and body.

    The answer may hold a note's text or a youth's names: encrypted at rest."""

    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = fk("user_account.id", ondelete="CASCADE", index=False)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = encrypted_json(default_factory=dict)
    created_at: datetime = utc_field(default_now=True)
