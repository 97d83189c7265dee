"""Request dependencies: one transaction per request, the caller, the route guard, audit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, SQLModel
from starlette.exceptions import HTTPException

from api.policy import BEFORE_PASSWORD_CHANGE, allowed
from mowakaba.clock import now
from mowakaba.db import session_scope
from mowakaba.enums import AuditOutcome
from mowakaba.errors import NotAllowed, PasswordChangeRequired, Unauthenticated
from mowakaba.models import (
    AuditEvent,
    CaseNote,
    Consent,
    Document,
    Escalation,
    Incident,
    Notification,
    Partner,
    PartnerService,
    Referral,
    Transfer,
    User,
    WorkItem,
    Youth,
)
from mowakaba.services import auth as auth_service

log = logging.getLogger("mowakaba.api")
bearer = HTTPBearer(auto_error=False)
MAX_ID = 2**31 - 1  # ids are 32-bit on every database


READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes(request: Request) -> bool:
    """Tell whether a request may change records (its transaction then takes the write lock)."""
    return request.method not in READING_METHODS


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error.

    A reading request (GET) reads without SQLite's write lock, so it never waits on a
    writer. The request's audit events are written afterwards in a transaction of their
    own, so that a rollback never erases them (and SQLite never sees two writers at once).
    """
    request.state.audit = []
    request.state.touch_token = None
    try:
        with session_scope(write=writes(request)) as session:
            yield session
    finally:
        write_audit(request.state.audit)
        if request.state.touch_token:
            touch_after(request.state.touch_token)


def touch_after(token: str) -> None:
    """Mark a reading request's token used, once its own transaction has ended: a request
    holds one database connection at a time (a second one, taken while the first is held,
    ran the pool dry under load: every thread held one and waited for another)."""
    with session_scope() as session:
        auth_service.touch_token(session, token)


# scope="function": the transaction is committed (or rolled back) before the answer leaves.
# FastAPI's default for a dependency with `yield` ends it after the response is sent: a
# client then read "done" (or followed a 303 to a page still showing the old state) before
# the commit, and a failed commit went unreported.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def current_user(
    session: SessionDep,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    """The user behind the bearer token (401 otherwise)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    token = credentials.credentials
    if writes(request):
        return auth_service.resolve_token(session, token)
    user, touch_due = auth_service.read_token(session, token)
    if touch_due:  # the request's own transaction only reads: after it (get_session)
        request.state.touch_token = token
    return user


UserDep = Annotated[User, Depends(current_user)]


def require(route: str):  # type: ignore[no-untyped-def]
    """A dependency that refuses (403) a role the policy does not allow on a route (the
    refusal audited with the record the request named, and its youth), and anything but
    a password change to a user whose password an admin reset."""

    def guard(user: UserDep, request: Request, session: SessionDep) -> User:
        refuse_unless_allowed(request, session, user, route)
        if user.must_change_password and route not in BEFORE_PASSWORD_CHANGE:
            raise PasswordChangeRequired("change your password first: POST /api/v1/me/password")
        return user

    guard.policy_route = route  # type: ignore[attr-defined]  # read by GuardedRoute
    return guard


# A path (or query) parameter → the record it names; each leads to a youth.
_NAMED: dict[str, tuple[str, type[SQLModel]]] = {
    "youth_id": ("youth", Youth),
    "item_id": ("work_item", WorkItem),
    "escalation_id": ("escalation", Escalation),
    "notification_id": ("notification", Notification),
    "user_id": ("user", User),
    "referral_id": ("referral", Referral),
    "consent_id": ("consent", Consent),
    "note_id": ("case_note", CaseNote),
    "partner_id": ("partner", Partner),
    "service_id": ("service", PartnerService),
    "transfer_id": ("transfer", Transfer),
    "document_id": ("document", Document),
    "incident_id": ("incident", Incident),
}


def named_in(session: Session, request: Request) -> tuple[str, str | None, int | None]:
    """(object type, object id, youth id) of the record a request names, for its audit row:
    `("route", None, None)` when it names none. The youth is given only when it exists.
    The path names the record before the query does: a caller's `?youth_id=` cannot put
    another youth on the audit row of `/referrals/{referral_id}`."""
    named = [
        (param, raw, spec)
        for source in (request.path_params, request.query_params)
        for param, spec in _NAMED.items()
        if (raw := source.get(param)) is not None
    ]
    for _param, raw, (object_type, model) in named:
        try:
            record_id = int(raw)
        except ValueError:
            return object_type, str(raw)[:64], None
        if not 1 <= record_id <= MAX_ID:
            return object_type, str(record_id), None
        record = session.get(model, record_id)
        return object_type, str(record_id), youth_of(session, record)
    return "route", None, None


def youth_of(session: Session, record: object) -> int | None:
    """The youth a youth, work item, escalation, notification, referral, consent, note,
    transfer, document or incident is about (None: no youth)."""
    if isinstance(record, Youth):
        return record.id
    if isinstance(record, Escalation):
        record = session.get(WorkItem, record.work_item_id)
    if isinstance(
        record,
        WorkItem | Notification | Referral | Consent | CaseNote | Transfer | Document | Incident,
    ):
        return record.youth_id
    return None


def audit_shown(
    request: Request, user: User, *, action: str, youth_ids: Iterable[int | None]
) -> None:
    """Audit a list: one row per youth it showed (who looked at a youth is then one query
    on `audit_event.youth_id`, lists included); one row naming none when it showed none."""
    shown = sorted({y for y in youth_ids if y is not None})
    if not shown:
        audit(request, user, action=action, object_type="youth")
    for youth_id in shown:
        audit(request, user, action=action, object_type="youth", object_id=youth_id,
              youth_id=youth_id)  # fmt: skip


def refuse_unless_allowed(request: Request, session: Session, user: User, route: str) -> None:
    """Refuse (403) a role the policy does not allow on a route, audited with the record
    the request named and its youth (a refused export as an `export` of the list)."""
    if not allowed(route, user):
        audit_refusal(request, session, user, route)
        raise NotAllowed(f"role {user.role.value} may not use {route}")


EXPORT_FORMATS = ("csv", "xlsx")


def export_requested(request: Request) -> str | None:
    """The spreadsheet format a list request asks for (`?format=csv|xlsx`), else None."""
    fmt = request.query_params.get("format")
    return fmt if fmt in EXPORT_FORMATS else None


def audit_refusal(request: Request, session: Session, user: User, route: str) -> None:
    """Audit a refused request: the record it named and its youth, or, for an export, the
    list it asked for (action `export`, the list's route as object type)."""
    if fmt := export_requested(request):
        audit(request, user, action="export", object_type=route, object_id=fmt,
              outcome=AuditOutcome.denied,
              detail={"format": fmt, "filters": export_filters(request)})  # fmt: skip
        return
    object_type, object_id, youth_id = named_in(session, request)
    audit(request, user, action=route, object_type=object_type, object_id=object_id,
          youth_id=youth_id, outcome=AuditOutcome.denied)  # fmt: skip


def export_filters(request: Request) -> dict[str, str]:
    """The filters of a list request, as its audit row keeps them (no paging, no format;
    each value cut to 200 characters)."""
    return {
        key: value[:200]
        for key, value in request.query_params.items()
        if key not in ("format", "page", "page_size") and value
    }


class GuardedRoute(APIRoute):
    """A route whose caller is checked before its body counts: 401 and 403 come before
    400 and 422.

    FastAPI reads and decodes a JSON body before it runs any dependency, so a malformed
    body would answer a stranger (or a role the policy refuses) with a parsing error.
    When the body fails that way, the route's `require(...)` guard runs now: the caller
    gets the 401 or 403 they earn (audited once), or, allowed, the body's own error.
    Every other request meets the guard once, as a dependency.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        route = next(
            (
                d.call.policy_route  # type: ignore[union-attr]
                for d in self.dependant.dependencies
                if hasattr(d.call, "policy_route")
            ),
            None,
        )
        if route is None:
            return handler

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (RequestValidationError, HTTPException) as exc:
                if isinstance(exc, HTTPException) and exc.status_code != 400:
                    raise
                credentials = await bearer(request)
                await run_in_threadpool(check_caller, request, credentials, route)
                raise

        return guarded


def check_caller(
    request: Request, credentials: HTTPAuthorizationCredentials | None, route: str
) -> None:
    """Authenticate the caller and check the policy for a route, outside a request's session."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    with session_scope(write=False) as session:
        user, _ = auth_service.read_token(session, credentials.credentials)
        refuse_unless_allowed(request, session, user, route)  # audited apart, if denied


def audit(
    request: Request,
    user: User | None,
    *,
    action: str,
    object_type: str,
    object_id: object = None,
    youth_id: int | None = None,
    outcome: AuditOutcome = AuditOutcome.allowed,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record who read or changed what (written when the request's transaction ends)."""
    event = AuditEvent(
        occurred_at=now(),
        actor_id=user.id if user else None,
        role=user.role.value if user else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        youth_id=youth_id,
        outcome=outcome,
        request_id=getattr(request.state, "request_id", None),
        client_request_id=getattr(request.state, "client_request_id", None),
        detail=detail,
    )
    pending = getattr(request.state, "audit", None)
    if pending is None:
        write_audit([event])
    else:
        pending.append(event)


def write_audit(events: list[AuditEvent]) -> None:
    """Write audit events in their own transaction; log ids only."""
    if not events:
        return
    with session_scope() as session:
        session.add_all(events)
    for e in events:
        log.info(
            "audit action=%s object=%s:%s youth=%s actor=%s outcome=%s request=%s",
            e.action, e.object_type, e.object_id, e.youth_id, e.actor_id, e.outcome.value,
            e.request_id,
        )  # fmt: skip
