"""Logging in and out, and who I am."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, OAuth2PasswordRequestForm

from api.deps import GuardedRoute, SessionDep, audit, bearer, require
from api.schemas import MeOut, PasswordChangeIn, TokenOut
from mowakaba.db import session_scope
from mowakaba.enums import AuditOutcome
from mowakaba.errors import Unauthenticated, WrongPassword
from mowakaba.models import User
from mowakaba.services import auth as auth_service
from mowakaba.services import users as user_service

router = APIRouter(tags=["auth"], route_class=GuardedRoute)


def client_of(request: Request) -> str:
    """The client's address: the peer's, or a trusted proxy's X-Forwarded-For as uvicorn
    resolved it (only from MOWAKABA_TRUSTED_PROXIES; none by default)."""
    return request.client.host if request.client else "unknown"


@router.post("/auth/token", response_model=TokenOut)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request) -> TokenOut:
    """Exchange a user name and password for a bearer token (OAuth2 password form)."""
    client = client_of(request)
    with session_scope() as session:  # a failed login is counted even though we answer 401
        try:
            token, expires_in = auth_service.issue_token(
                session, username=form.username, password=form.password, client=client
            )
        except Unauthenticated as exc:
            failure = exc
        else:
            return TokenOut(access_token=token, expires_in=expires_in)
    raise failure


@router.post("/auth/logout", status_code=204)
def logout(
    session: SessionDep,
    _user: Annotated[User, Depends(require("auth.logout"))],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Revoke the token this request carries."""
    assert credentials is not None
    auth_service.revoke_token(session, credentials.credentials)


@router.get("/me", response_model=MeOut)
def me(session: SessionDep, user: Annotated[User, Depends(require("me"))]) -> MeOut:
    """Who the token belongs to."""
    return MeOut(
        id=user.pk,
        username=user.username,
        role=user.role,
        institutions=user_service.institution_ids_of(session, user.pk),
        region=user.region,
        language=user.language.value,
    )


@router.post("/me/password", response_model=TokenOut)
def change_password(
    body: PasswordChangeIn,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> TokenOut:
    """Change my password: every token of mine dies, and this answer carries a fresh one.

    A wrong current password counts as a failed sign-in (and is throttled the same way).
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    # One transaction of its own (no request session: SQLite has one writer), committed
    # even when the current password is wrong, so that the failure is counted.
    failure: WrongPassword | None = None
    with session_scope() as session:
        me = auth_service.resolve_token(session, credentials.credentials)
        try:
            token, expires_in = auth_service.change_own_password(
                session,
                user=me,
                current=body.current_password,
                new=body.new_password,
                client=client_of(request),
            )
        except WrongPassword as exc:
            failure = exc
    outcome = AuditOutcome.denied if failure else AuditOutcome.allowed
    audit(request, me, action="me.password", object_type="user", object_id=me.id, outcome=outcome)
    if failure is not None:
        raise failure
    return TokenOut(access_token=token, expires_in=expires_in)
