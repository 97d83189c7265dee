"""API sessions: bearer tokens that expire when idle and in all, die with the account's changes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from mowakaba.clock import now
from mowakaba.errors import InvalidInput, Throttled, Unauthenticated
from mowakaba.models import AuthToken, LoginFailure, User
from mowakaba.services import users as user_service
from mowakaba.text import UnsafeText, clean_text

IDLE = timedelta(minutes=30)
# A token's last use is written at most once a minute: reads then rarely write.
TOUCH_EVERY = timedelta(minutes=1)
LIFETIME = timedelta(hours=12)
# Five failures in 15 minutes per user name, twenty per client address, then wait.
WINDOW = timedelta(minutes=15)
MAX_PER_USERNAME = 5
MAX_PER_CLIENT = 20
INVALID = "wrong user name or password"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _throttle(session: Session, *, username: str, client: str, at: datetime) -> None:
    since = at - WINDOW
    for column, value, limit in (
        (LoginFailure.username, username, MAX_PER_USERNAME),
        (LoginFailure.client, client, MAX_PER_CLIENT),
    ):
        count, oldest = session.exec(
            select(func.count(), func.min(LoginFailure.at)).where(
                column == value, col(LoginFailure.at) > since
            )
        ).one()
        if count >= limit:
            retry = int((oldest + WINDOW - at).total_seconds()) + 1 if oldest else 60
            raise Throttled("too many failed logins: try again later", retry_after=max(retry, 1))


def issue_token(
    session: Session, *, username: str, password: str, client: str, at: datetime | None = None
) -> tuple[str, int]:
    """Check a password and return (token, seconds until idle expiry); failures are counted.

    An unknown user and a wrong password get the same answer, after the same work.
    """
    at = at or now()
    try:  # no user name holds one, and PostgreSQL cannot even store a NUL
        name = clean_text(username).strip().lower()[:64]
    except UnsafeText as exc:
        raise InvalidInput(f"username: {exc}") from None
    _throttle(session, username=name, client=client, at=at)
    user = session.exec(select(User).where(User.username == name)).first()
    ok = user_service.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        session.add(LoginFailure(username=name, client=client[:64], at=at))
        raise Unauthenticated(INVALID)
    token = secrets.token_urlsafe(32)
    session.add(
        AuthToken(
            token_hash=_hash(token),
            user_id=user.pk,
            credentials_version=user.credentials_version,
            created_at=at,
            last_used_at=at,
            expires_at=at + LIFETIME,
        )
    )
    return token, int(IDLE.total_seconds())


def _live_token(session: Session, token: str, at: datetime) -> tuple[AuthToken, User]:
    """The token's row and its user, or raise Unauthenticated."""
    row = session.exec(select(AuthToken).where(AuthToken.token_hash == _hash(token))).first()
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("invalid or revoked token")
    if at >= row.expires_at or at - row.last_used_at >= IDLE:
        raise Unauthenticated("token expired")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active or user.credentials_version != row.credentials_version:
        raise Unauthenticated("token no longer valid")
    return row, user


def resolve_token(session: Session, token: str, *, at: datetime | None = None) -> User:
    """Return the user behind a live token (and mark it used), or raise Unauthenticated."""
    at = at or now()
    row, user = _live_token(session, token, at)
    if at - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = at
        session.add(row)
    return user


def read_token(session: Session, token: str, *, at: datetime | None = None) -> tuple[User, bool]:
    """For a reading request, writing nothing: the user behind a live token, and whether
    its last use is old enough to be written again (by `touch_token`, in a writing
    transaction of the caller's: a reading request holds no write lock)."""
    at = at or now()
    row, user = _live_token(session, token, at)
    return user, at - row.last_used_at >= TOUCH_EVERY


def touch_token(session: Session, token: str, *, at: datetime | None = None) -> None:
    """Mark a token used now (idle expiry counts from here)."""
    row = session.exec(select(AuthToken).where(AuthToken.token_hash == _hash(token))).first()
    if row is not None:
        row.last_used_at = at or now()
        session.add(row)


def revoke_token(session: Session, token: str, *, at: datetime | None = None) -> None:
    """Revoke a token (logout)."""
    row = session.exec(select(AuthToken).where(AuthToken.token_hash == _hash(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = at or now()
        session.add(row)
