"""Signing in and out, and the language switcher."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import SessionDep
from api.pages.common import (
    check_csrf,
    end_session,
    landing,
    local_path,
    page_guard,
    page_router,
    posted_csrf,
    remember_language,
    render,
    session_user,
    start_session,
)
from mowakaba import i18n
from mowakaba.db import session_scope
from mowakaba.errors import Throttled, Unauthenticated
from mowakaba.models import User
from mowakaba.services import auth as auth_service
from mowakaba.services import preferences as preference_service

router = page_router()
Text = Annotated[str, Form(max_length=200)]


@router.get("/sign-in")
def sign_in_page(session: SessionDep, request: Request, next: str | None = None) -> Response:
    """The sign-in form (a signed-in user goes straight to their page)."""
    user = session_user(session, request)
    if user is not None:
        target = landing(user) if user.must_change_password else local_path(next, landing(user))
        return RedirectResponse(target, status_code=303)
    return render(request, "pages/sign_in.html", {"username": "", "error": None, "next": next})


@router.post("/sign-in")
def sign_in(
    request: Request,
    sent: Annotated[str, Depends(posted_csrf)],
    username: Text = "",
    password: Text = "",
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Check the password (throttled like the API's token endpoint) and start a session."""
    check_csrf(request, sent)
    client = request.client.host if request.client else "unknown"
    with session_scope() as session:  # a failed sign-in is counted even though we refuse it
        try:
            token, _ = auth_service.issue_token(
                session, username=username, password=password, client=client
            )
        except Throttled as exc:
            failure: tuple[str, int, dict[str, str] | None, int] = (
                "throttled", 429, {"Retry-After": str(exc.retry_after)}, exc.retry_after,
            )  # fmt: skip
        except Unauthenticated:
            failure = ("invalid", 401, None, 0)
        else:
            user = auth_service.resolve_token(session, token)
            # An admin set the password: the password page first, wherever `next` led.
            target = landing(user) if user.must_change_password else local_path(next, landing(user))
            response = RedirectResponse(target, status_code=303)
            start_session(request, response, token)
            remember_language(request, response, user.language)
            return response
    error, status, headers, retry_after = failure
    minutes = max(1, -(-retry_after // 60))
    return render(
        request, "pages/sign_in.html",
        {"username": username, "error": error, "next": next, "minutes": minutes},
        status=status, headers=headers,
    )  # fmt: skip


@router.post("/sign-out")
def sign_out(
    session: SessionDep,
    request: Request,
    _user: Annotated[User, Depends(page_guard("auth.logout"))],
) -> Response:
    """End the session (the token is revoked, as the API's logout does)."""
    auth_service.revoke_token(session, request.state.session_token)
    response = RedirectResponse("/sign-in", status_code=303)
    end_session(response)
    return response


@router.post("/language")
def choose_language(
    session: SessionDep,
    request: Request,
    sent: Annotated[str, Depends(posted_csrf)],
    language: Annotated[str, Form(max_length=8)] = "",
    back: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Switch the pages' language: remembered for a signed-in user, and in a cookie."""
    user = session_user(session, request)
    check_csrf(request, sent)
    chosen = i18n.parse_language(language) or i18n.DEFAULT
    if user is not None:
        preference_service.set_language(session, user_id=user.pk, language=chosen)
    response = RedirectResponse(local_path(back, "/sign-in"), status_code=303)
    remember_language(request, response, chosen)
    return response
