"""Changing my password (`/password`): every signed-in user, and first of all one whose
password an admin set (the other pages send them here until it is changed).

The same service call as the API's POST /me/password: the password policy, a wrong
current password counted as a failed sign-in (and throttled like one), every session of
the user ended and a fresh one given to this browser.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import SessionDep, audit
from api.pages.common import (
    SignInRequired,
    check_csrf,
    landing,
    page_guard,
    page_router,
    posted_csrf,
    render,
    session_user,
    start_session,
)
from mowakaba.db import session_scope
from mowakaba.enums import AuditOutcome
from mowakaba.errors import WeakPassword, WrongPassword
from mowakaba.labels import N_
from mowakaba.models import User
from mowakaba.services import auth as auth_service

router = page_router()
# Longer than the policy allows (256), so that the policy, not the form, refuses it.
Secret = Annotated[str, Form(max_length=1000)]

WRONG = N_("This is not your current password.")
MISSING = N_("Enter your current password.")
WEAK = N_(
    "This password is too weak: at least 12 characters, not the user name, not a common password."
)
SAME = N_("Choose a password different from the current one.")
MISMATCH = N_("The two new passwords differ.")


@router.get("/password")
def password_page(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("me.password"))],
) -> Response:
    """The form: current password, new password, the new one again."""
    return render(request, "pages/password.html", {"errors": {}}, session=session)


@router.post("/password")
def change_password(
    request: Request,
    sent: Annotated[str, Depends(posted_csrf)],
    current_password: Secret = "",
    new_password: Secret = "",
    confirmation: Secret = "",
) -> Response:
    """Change the password, then go on with the fresh session (the others are dead).

    One transaction of its own, as the API's: committed even when the current password
    is wrong, so that the failure is counted."""
    errors: dict[str, str] = {}
    client = request.client.host if request.client else "unknown"
    with session_scope() as session:
        user = session_user(session, request)
        if user is None:
            raise SignInRequired()
        check_csrf(request, sent)
        if not current_password:
            errors["current_password"] = MISSING
        if new_password != confirmation:
            errors["confirmation"] = MISMATCH
        if not errors:
            try:
                token, _ = auth_service.change_own_password(
                    session, user=user, current=current_password, new=new_password, client=client
                )
            except WrongPassword:
                errors["current_password"] = WRONG
            except WeakPassword as exc:
                errors["new_password"] = SAME if "differ" in str(exc) else WEAK
            else:
                target = landing(user)
        me = request.state.user
    if "current_password" in errors and current_password:
        audit(request, me, action="me.password", object_type="user", object_id=me.id,
              outcome=AuditOutcome.denied)  # fmt: skip
    if errors:
        with session_scope(write=False) as reading:
            return render(request, "pages/password.html", {"errors": errors}, session=reading,
                          status=422)  # fmt: skip
    audit(request, me, action="me.password", object_type="user", object_id=me.id)
    response = RedirectResponse(f"{target}?password=changed", status_code=303)
    start_session(request, response, token)
    return response
