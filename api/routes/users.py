"""Accounts, for admins: list, read, create, change, disable, enable, reset a password.

Every change kills the account's tokens (its credentials version is bumped) and is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from api.deps import GuardedRoute, SessionDep, audit, require
from api.export_tables import users_export
from api.exporting import (
    EXPORT_RESPONSES,
    MAX_ROWS,
    FormatQuery,
    check_total,
)
from api.routes.common import IdempotencyKey, IdPath, PageNo, PageSize, idempotent, page_of
from api.schemas import Page, PasswordResetIn, PasswordResetOut, UserIn, UserOut, UserPatch
from mowakaba.models import User
from mowakaba.paging import fetch_page
from mowakaba.services import users as user_service

router = APIRouter(tags=["users"], route_class=GuardedRoute)


def user_out(session: Session, user: User) -> UserOut:
    """An account without its password hash."""
    return UserOut.model_validate(
        {**user.model_dump(exclude={"password_hash", "credentials_version"}),
         "institution_ids": user_service.institution_ids_of(session, user.pk)}
    )  # fmt: skip


@router.get("/users", response_model=Page[UserOut], responses=EXPORT_RESPONSES)
def list_users(
    session: SessionDep,
    request: Request,
    admin: Annotated[User, Depends(require("users.list"))],
    page: PageNo = 1,
    page_size: PageSize = 50,
    format: FormatQuery = None,
) -> dict | Response:
    """Every account, by user name; `format`: all of them as a spreadsheet (never a
    password hash or a secret; docs/api.md "Exports")."""
    limit, offset = (MAX_ROWS, 0) if format else (page_size, (page - 1) * page_size)
    rows, total = fetch_page(
        session, select(User), order_by=[col(User.username)], limit=limit, offset=offset,
    )  # fmt: skip
    if format:
        check_total(total)
        return users_export(session, request, admin, rows, format)
    return page_of([user_out(session, u) for u in rows], total, page, page_size)


@router.get("/users/{user_id}", response_model=UserOut)
def read_user(
    user_id: IdPath, session: SessionDep, _admin: Annotated[User, Depends(require("users.read"))]
) -> UserOut:
    """One account."""
    return user_out(session, user_service.get_user(session, user_id))


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(
    body: UserIn,
    request: Request,
    session: SessionDep,
    admin: Annotated[User, Depends(require("users.create"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]
    """Create an account (the password policy applies)."""

    def create() -> UserOut:
        user = user_service.create_user(session, **body.model_dump())
        audit(request, admin, action="users.create", object_type="user", object_id=user.id)
        return user_out(session, user)

    return idempotent(
        session, request=request, user=admin, key=idempotency_key, body=body, create=create
    )


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(
    user_id: IdPath,
    body: UserPatch,
    request: Request,
    session: SessionDep,
    admin: Annotated[User, Depends(require("users.update"))],
) -> UserOut:
    """Change an account's role, institutions, region, name, language or email."""
    user = user_service.update_user(
        session, user_id=user_id, changes=body.model_dump(exclude_unset=True)
    )
    audit(request, admin, action="users.update", object_type="user", object_id=user_id)
    return user_out(session, user)


def _set_active(
    session: Session, request: Request, admin: User, user_id: int, *, active: bool
) -> UserOut:
    user = user_service.set_active(session, user_id=user_id, active=active, actor=admin)
    action = "users.enable" if active else "users.disable"
    audit(request, admin, action=action, object_type="user", object_id=user_id)
    return user_out(session, user)


@router.post("/users/{user_id}/disable", response_model=UserOut)
def disable_user(
    user_id: IdPath,
    request: Request,
    session: SessionDep,
    admin: Annotated[User, Depends(require("users.disable"))],
) -> UserOut:
    """Close an account: it can no longer sign in and its tokens die (not yourself, not
    the last active admin: 409)."""
    return _set_active(session, request, admin, user_id, active=False)


@router.post("/users/{user_id}/enable", response_model=UserOut)
def enable_user(
    user_id: IdPath,
    request: Request,
    session: SessionDep,
    admin: Annotated[User, Depends(require("users.enable"))],
) -> UserOut:
    """Reopen an account, and lift a lock after failed sign-ins."""
    return _set_active(session, request, admin, user_id, active=True)


@router.post("/users/{user_id}/reset-password", response_model=PasswordResetOut)
def reset_password(
    user_id: IdPath,
    request: Request,
    session: SessionDep,
    admin: Annotated[User, Depends(require("users.reset_password"))],
    body: PasswordResetIn | None = None,
) -> PasswordResetOut:
    """Give an account a temporary password (generated unless given, answered once): the
    user must change it at the next sign-in; their tokens die and a lock is lifted."""
    password = user_service.reset_password(
        session, user_id=user_id, password=body.password if body else None
    )
    audit(request, admin, action="users.reset_password", object_type="user", object_id=user_id)
    return PasswordResetOut(user_id=user_id, temporary_password=password)
