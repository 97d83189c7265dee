"""Logging in and out, and who I am."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, OAuth2PasswordRequestForm

from api.deps import GuardedRoute, SessionDep, bearer, require
from api.schemas import MeOut, TokenOut
from mowakaba.db import session_scope
from mowakaba.errors import Unauthenticated
from mowakaba.models import User
from mowakaba.services import auth as auth_service
from mowakaba.services import users as user_service

router = APIRouter(tags=["auth"], route_class=GuardedRoute)


@router.post("/auth/token", response_model=TokenOut)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request) -> TokenOut:
    """Exchange a user name and password for a bearer token (OAuth2 password form)."""
    client = request.client.host if request.client else "unknown"
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
