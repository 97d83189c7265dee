"""API sessions: bearer tokens that expire when idle and in all, die with the account's changes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from mowakaba.clock import now
from mowakaba.enums import NotificationKind
from mowakaba.errors import InvalidInput, Throttled, Unauthenticated, WrongPassword
from mowakaba.models import AuthToken, LoginFailure, User
from mowakaba.services import notifications as notification_service
from mowakaba.services import users as user_service
from mowakaba.settings import get_settings
from mowakaba.text import UnsafeText, clean_text

IDLE = timedelta(minutes=30)
# A token's last use is written at most once a minute: reads then rarely write.
TOUCH_EVERY = timedelta(minutes=1)
LIFETIME = timedelta(hours=12)
# Within 15 minutes: five failures for one user name from one client, or twenty from one
# client in all, make that client wait. Twenty failures for one user name from all clients
# lock the account for 15 minutes (and tell its owner): a guesser at one address cannot
# lock the real user out, and many addresses together are slowed to a crawl.
WINDOW = timedelta(minutes=15)
MAX_PER_USERNAME_AND_CLIENT = 5
MAX_PER_CLIENT = 20
LOCK_AFTER = 20
LOCK_FOR = timedelta(minutes=15)
INVALID = "wrong user name or password"
THROTTLED = "too many failed logins: try again later"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _failures(session: Session, at: datetime, *conditions: Any) -> tuple[int, datetime | None]:
    """How many failures match within the window, and the oldest of them."""
    count, oldest = session.exec(
        select(func.count(), func.min(LoginFailure.at)).where(
            *conditions, col(LoginFailure.at) > at - WINDOW
        )
    ).one()
    return count, oldest


def _seconds_until(moment: datetime, at: datetime) -> int:
    return max(int((moment - at).total_seconds()) + 1, 1)


def _throttle(
    session: Session, *, username: str, client: str, user: User | None, at: datetime
) -> None:
    """Raise Throttled while this client, or anyone for this account, must wait.

    A locked account, and a user name (known or not) with as many failures, get the same
    429 whatever the password: the answer tells nothing of the password or the account.
    """
    for conditions, limit in (
        (
            (LoginFailure.username == username, LoginFailure.client == client),
            MAX_PER_USERNAME_AND_CLIENT,
        ),
        ((LoginFailure.client == client,), MAX_PER_CLIENT),
        ((LoginFailure.username == username,), LOCK_AFTER),
    ):
        count, oldest = _failures(session, at, *conditions)
        if count >= limit:
            raise Throttled(THROTTLED, retry_after=_seconds_until((oldest or at) + WINDOW, at))
    if user is not None and user.locked_until is not None and user.locked_until > at:
        raise Throttled(THROTTLED, retry_after=_seconds_until(user.locked_until, at))


def _count_failure(
    session: Session, *, username: str, client: str, user: User | None, at: datetime
) -> None:
    """Record a failed sign-in; lock the account (and tell its owner) at LOCK_AFTER."""
    session.add(LoginFailure(username=username, client=client[:64], at=at))
    session.flush()
    if user is None or not user.is_active:
        return
    count, _oldest = _failures(session, at, LoginFailure.username == username)
    if count < LOCK_AFTER or (user.locked_until is not None and user.locked_until > at):
        return
    user.locked_until = at + LOCK_FOR
    session.add(user)
    notification_service.enqueue(
        session,
        key=f"account_locked:{user.id}:{user.locked_until.isoformat()}",
        recipient=user,
        kind=NotificationKind.account_locked,
        context={
            "failures": count,
            "minutes": int(LOCK_FOR.total_seconds() // 60),
            "until": user.locked_until.isoformat(),
            "link": get_settings().public_url,
        },
    )


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
    client = client[:64]
    user = session.exec(select(User).where(User.username == name)).first()
    _throttle(session, username=name, client=client, user=user, at=at)
    ok = user_service.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        _count_failure(session, username=name, client=client, user=user, at=at)
        raise Unauthenticated(INVALID)
    return _new_token(session, user, at), int(IDLE.total_seconds())


def _new_token(session: Session, user: User, at: datetime) -> str:
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
    return token


def change_own_password(
    session: Session, *, user: User, current: str, new: str, client: str, at: datetime | None = None
) -> tuple[str, int]:
    """Change one's own password; every token of the user dies and a fresh one is returned.

    A wrong current password counts as a failed sign-in (the same throttle applies).
    """
    at = at or now()
    client = client[:64]
    _throttle(session, username=user.username, client=client, user=user, at=at)
    if not user_service.verify_password(user.password_hash, current):
        _count_failure(session, username=user.username, client=client, user=user, at=at)
        raise WrongPassword("the current password is wrong")
    user_service.change_password(session, user=user, new=new)
    return _new_token(session, user, at), int(IDLE.total_seconds())


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
