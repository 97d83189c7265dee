"""Accounts: who signs in, their role, their institutions or region. Argon2 passwords."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from mowakaba.clock import now
from mowakaba.enums import Language, Role
from mowakaba.errors import InvalidInput, NotFound
from mowakaba.models import Institution, User, UserInstitution
from mowakaba.settings import get_settings

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


@lru_cache
def _hasher() -> PasswordHasher:
    settings = get_settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
    )


@lru_cache
def _dummy_hash() -> str:
    # Verified against when the user does not exist, so both answers take as long.
    return _hasher().hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against a hash (the same work when there is no hash)."""
    try:
        ok = _hasher().verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    institution_ids: Sequence[int] = (),
    region: str | None = None,
    email: str | None = None,
    language: Language = Language.fr,
    display_name: str = "",
    password_hash: str | None = None,
) -> User:
    """Create an account: coordinators and mediators in institutions, supervisors in a region.

    `password_hash`, if given, is `hash_password(password)` computed once by the caller
    (the demo's accounts share one password).
    """
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput(
            f"user name {username!r}: 2–63 characters, lower-case letters, digits, '.', '_', '-'"
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password needs at least {MIN_PASSWORD} characters")
    if email is not None and not EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an email address")
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise InvalidInput(f"user name {username!r} is taken")
    ids = sorted(set(institution_ids))
    if role in (Role.coordinator, Role.mediator) and not ids:
        raise InvalidInput(f"a {role.value} needs at least one --institution-id")
    if role in (Role.admin, Role.supervisor, Role.partner) and ids:
        raise InvalidInput(f"a {role.value} is not attached to institutions")
    if role != Role.supervisor and region:
        raise InvalidInput("only supervisors have a region")
    found = set(session.exec(select(Institution.id).where(col(Institution.id).in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"institution {missing[0]} not found")
    user = User(
        username=username,
        password_hash=password_hash or hash_password(password),
        role=role,
        region=region.strip() if region else None,
        email=email,
        language=language,
        display_name=display_name.strip() or username,
    )
    session.add(user)
    session.flush()
    for institution_id in ids:
        session.add(UserInstitution(user_id=user.pk, institution_id=institution_id))
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User:
    """Return a user or raise NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def get_user_by_name(session: Session, username: str) -> User:
    """Return a user by user name or raise NotFound."""
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise NotFound(f"user {username!r} not found")
    return user


def institution_ids_of(session: Session, user_id: int) -> list[int]:
    """Return the institutions a user belongs to."""
    return list(
        session.exec(
            select(UserInstitution.institution_id)
            .where(UserInstitution.user_id == user_id)
            .order_by(col(UserInstitution.institution_id))
        )
    )


def list_users(session: Session) -> list[User]:
    """Return every account, by user name."""
    return list(session.exec(select(User).order_by(col(User.username))))


def coordinators_of(session: Session, institution_id: int) -> list[User]:
    """Return the active coordinators of an institution (level-1 escalations, pool work)."""
    return list(
        session.exec(
            select(User)
            .join(UserInstitution, col(UserInstitution.user_id) == col(User.id))
            .where(
                UserInstitution.institution_id == institution_id,
                User.role == Role.coordinator,
                col(User.is_active).is_(True),
            )
            .order_by(col(User.id))
        )
    )


def supervisors_of(session: Session, region: str) -> list[User]:
    """Return the active supervisors of a region, or the admins where it has none."""
    supervisors = list(
        session.exec(
            select(User)
            .where(
                User.role == Role.supervisor,
                User.region == region,
                col(User.is_active).is_(True),
            )
            .order_by(col(User.id))
        )
    )
    if supervisors:
        return supervisors
    return list(
        session.exec(
            select(User)
            .where(User.role == Role.admin, col(User.is_active).is_(True))
            .order_by(col(User.id))
        )
    )


def set_active(session: Session, *, user_id: int, active: bool) -> User:
    """Disable or re-enable an account (its tokens die with it)."""
    user = get_user(session, user_id)
    user.is_active = active
    user.credentials_version += 1
    user.updated_at = now()
    session.add(user)
    session.flush()
    return user


def change_role(
    session: Session, *, user_id: int, role: Role, institution_ids: Sequence[int] = ()
) -> User:
    """Give a user another role or other institutions; their tokens die."""
    user = get_user(session, user_id)
    user.role = role
    for link in session.exec(select(UserInstitution).where(UserInstitution.user_id == user_id)):
        session.delete(link)
    session.flush()
    for institution_id in sorted(set(institution_ids)):
        session.add(UserInstitution(user_id=user_id, institution_id=institution_id))
    user.credentials_version += 1
    user.updated_at = now()
    session.add(user)
    session.flush()
    return user
