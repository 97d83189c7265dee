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
from mowakaba.errors import Conflict, InvalidInput, NotFound, WeakPassword
from mowakaba.models import Institution, LoginFailure, User, UserInstitution
from mowakaba.paging import fetch_page
from mowakaba.services import passwords as password_policy
from mowakaba.settings import get_settings

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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

    The password must follow the policy (services/passwords.py). `password_hash`, if
    given, is `hash_password(password)` computed once by the caller (the demo's accounts
    share one password).
    """
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput(
            f"user name {username!r}: 2–63 characters, lower-case letters, digits, '.', '_', '-'"
        )
    password_policy.check_password(password, username=username)
    if email is not None and not EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an email address")
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise InvalidInput(f"user name {username!r} is taken")
    ids = _check_attachment(session, role=role, institution_ids=institution_ids, region=region)
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


def page_users(session: Session, *, limit: int, offset: int = 0) -> tuple[list[User], int]:
    """Return a page of accounts by user name, and how many there are."""
    return fetch_page(
        session, select(User), order_by=[col(User.username)], limit=limit, offset=offset
    )


def institution_ids_by_user(session: Session, user_ids: Sequence[int]) -> dict[int, list[int]]:
    """Return the institutions of some users (one query), each list in id order."""
    found: dict[int, list[int]] = {i: [] for i in user_ids}
    links = select(UserInstitution).where(col(UserInstitution.user_id).in_(list(user_ids)))
    for link in session.exec(links.order_by(col(UserInstitution.institution_id))):
        found[link.user_id].append(link.institution_id)
    return found


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


def _check_attachment(
    session: Session, *, role: Role, institution_ids: Sequence[int], region: str | None
) -> list[int]:
    """Check that a role fits its institutions and region; return the sorted institution ids."""
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
    return ids


def _revoke(session: Session, user: User) -> User:
    # Every token carries the version it was issued under: a bump kills them all.
    user.credentials_version += 1
    user.updated_at = now()
    session.add(user)
    session.flush()
    return user


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse to take away the last active admin (nobody could manage accounts after)."""
    if user.role != Role.admin or not user.is_active:
        return
    others = session.exec(
        select(User.id).where(
            User.role == Role.admin, col(User.is_active).is_(True), User.id != user.id
        )
    ).first()
    if others is None:
        raise Conflict(f"user {user.id} is the last active admin")


def forget_failures(session: Session, user: User) -> None:
    """Unlock an account: clear its lock and the failed sign-ins counted against it."""
    user.locked_until = None
    session.add(user)
    for failure in session.exec(select(LoginFailure).where(LoginFailure.username == user.username)):
        session.delete(failure)


def set_active(session: Session, *, user_id: int, active: bool, actor: User | None = None) -> User:
    """Disable or re-enable an account (its tokens die; enabling also unlocks it).

    Nobody disables themself, and the last active admin stays.
    """
    user = get_user(session, user_id)
    if not active:
        if actor is not None and actor.id == user.id:
            raise Conflict(f"user {user.id} cannot disable their own account")
        _keep_an_admin(session, user)
    else:
        forget_failures(session, user)
    user.is_active = active
    return _revoke(session, user)


def change_role(
    session: Session,
    *,
    user_id: int,
    role: Role,
    institution_ids: Sequence[int] = (),
    region: str | None = None,
) -> User:
    """Give a user another role or other institutions; their tokens die."""
    user = get_user(session, user_id)
    ids = _check_attachment(session, role=role, institution_ids=institution_ids, region=region)
    if role != Role.admin:
        _keep_an_admin(session, user)
    user.role = role
    user.region = region.strip() if region else None
    for link in session.exec(select(UserInstitution).where(UserInstitution.user_id == user_id)):
        session.delete(link)
    session.flush()
    for institution_id in ids:
        session.add(UserInstitution(user_id=user_id, institution_id=institution_id))
    return _revoke(session, user)


def update_user(
    session: Session,
    *,
    user_id: int,
    changes: dict[str, object],
) -> User:
    """Change an account's role, institutions, region, name, language or email; tokens die.

    `changes` holds only the fields to change (role, institution_ids, region,
    display_name, language, email); the role and its attachment are checked together.
    """
    user = get_user(session, user_id)
    if {"role", "institution_ids", "region"} & changes.keys():
        role = changes.get("role", user.role)
        ids = changes.get("institution_ids", institution_ids_of(session, user.pk))
        region = changes.get("region", user.region)
        assert isinstance(role, Role) and isinstance(ids, list)
        assert region is None or isinstance(region, str)
        change_role(session, user_id=user.pk, role=role, institution_ids=ids, region=region)
    if "email" in changes:
        email = changes["email"]
        if email is not None and not (isinstance(email, str) and EMAIL.match(email)):
            raise InvalidInput(f"{email!r} is not an email address")
        user.email = email
    if "language" in changes:
        user.language = Language(str(changes["language"]))
    if "display_name" in changes:
        user.display_name = str(changes["display_name"] or "").strip() or user.username
    return _revoke(session, user)


def reset_password(session: Session, *, user_id: int, password: str | None = None) -> str:
    """Give an account a temporary password (generated unless given), to be changed at the
    next sign-in; its tokens die and its lock is lifted. Return the password."""
    user = get_user(session, user_id)
    password = password or password_policy.generate_password()
    password_policy.check_password(password, username=user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    forget_failures(session, user)
    _revoke(session, user)
    return password


def change_password(session: Session, *, user: User, new: str) -> User:
    """Change one's own password (the current one checked by the caller); every token dies."""
    password_policy.check_password(new, username=user.username)
    if verify_password(user.password_hash, new):
        raise WeakPassword("the new password must differ from the current one")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    return _revoke(session, user)
