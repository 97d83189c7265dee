"""What every page shares: the cookie session, CSRF, the language, rendering, error pages.

The session is the API's bearer token kept in an HttpOnly cookie: the same throttled
sign-in, idle expiry and lifetime, and it dies with logout, a disabled account or a
change of role. Every form carries a CSRF token: an HMAC of the session token (keyed
by the token itself, so only a holder of the cookie can compute it), or, before
signing in, a random value that must match a cookie of its own (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import SessionDep, audit_refusal, writes
from api.errors import STATUS
from api.policy import BEFORE_PASSWORD_CHANGE, allowed
from api.templating import LANGUAGE_COOKIE, language_context, request_language, templates
from mowakaba import i18n
from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.errors import MowakabaError, NotAllowed, Throttled, TooManyRows, Unauthenticated
from mowakaba.labels import N_
from mowakaba.models import User
from mowakaba.services import auth as auth_service
from mowakaba.services import notifications as notification_service

log = logging.getLogger("mowakaba.pages")
SESSION_COOKIE = "mowakaba_session"
ANONYMOUS_CSRF_COOKIE = "mowakaba_csrf"
CSRF_FIELD = "csrf_token"
ONE_YEAR = 365 * 24 * 3600


# The navigation: (page, path, the policy route that opens it, its label).
NAVIGATION = (
    ("admin", "/admin", "admin.index", N_("Administration")),
    ("dashboard", "/dashboard", "dashboard.view", N_("Dashboard")),
    ("work", "/work", "work_items.list", N_("My work")),
    ("youths", "/youths", "youths.list", N_("Young people")),
    ("caseloads", "/caseloads", "caseloads.view", N_("Caseloads")),
    ("transfers", "/transfers", "transfers.list", N_("Transfers")),
    ("referrals", "/referrals", "referrals.list", N_("Referrals")),
    ("incidents", "/incidents", "incidents.list", N_("Incidents")),
    ("partners", "/partners", "partners.pages", N_("Partners")),
    ("inbox", "/inbox", "notifications.list", N_("Notifications")),
    ("indicators", "/indicators", "indicators.read", N_("Indicators")),
    ("runs", "/runs", "flow_runs.monitor", N_("Flow runs")),
)


class SignInRequired(Exception):
    """No live session: the page answers with a way to the sign-in page."""


class CsrfRefused(Exception):
    """A form posted without its CSRF token, or with another session's."""


class PasswordChangeFirst(Exception):
    """An admin set this account's password: the browser goes to /password first."""


# The policy routes a user whose password an admin set may use (the API's list): the
# password page ("me.password"), signing out ("auth.logout"); /language has no guard.
PASSWORD_CHANGE_PAGE = "/password"


# ---------------------------------------------------------------- language


def pages_of(total: int, size: int) -> int:
    """How many pages `total` rows make, `size` a page (one, even empty)."""
    return max(1, -(-total // size))


def paging_bases(path: str, pages: dict[str, int]) -> dict[str, str]:
    """For each list of a page that has several (its query parameter: its page number),
    the start of its "previous / next" links: the path with the other lists' pages kept,
    ready for `name=N` (the pagination macro's `base` and `param`)."""
    bases = {}
    for name in pages:
        kept = urlencode({other: n for other, n in pages.items() if other != name and n > 1})
        bases[name] = f"{path}?{kept}&" if kept else f"{path}?"
    return bases


def remember_language(request: Request, response: Response, language: Language) -> None:
    """Keep the language in a cookie too: the sign-in page speaks it after signing out."""
    response.set_cookie(
        LANGUAGE_COOKIE, language.value, max_age=ONE_YEAR, httponly=True, samesite="lax",
        secure=is_secure(request),
    )  # fmt: skip


# ---------------------------------------------------------------- session and CSRF


def is_secure(request: Request) -> bool:
    """Served over TLS (uvicorn's --proxy-headers makes a proxy's https count)."""
    return request.url.scheme == "https"


def start_session(request: Request, response: Response, token: str) -> None:
    """Give the browser the session cookie."""
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=is_secure(request), path="/"
    )


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def session_csrf(token: str) -> str:
    """The CSRF token of a session: unguessable without the session cookie."""
    return hmac.new(token.encode(), b"mowakaba-pages-csrf", hashlib.sha256).hexdigest()


def anonymous_csrf(request: Request) -> str:
    """The CSRF token of a form shown before signing in (its cookie is set by `render`)."""
    existing = request.cookies.get(ANONYMOUS_CSRF_COOKIE, "")
    if len(existing) == 43:
        return existing
    fresh = getattr(request.state, "fresh_csrf", None) or secrets.token_urlsafe(32)
    request.state.fresh_csrf = fresh
    return fresh


def csrf_for(request: Request) -> str:
    """The token the forms of this page carry."""
    token = getattr(request.state, "session_token", None)
    return session_csrf(token) if token else anonymous_csrf(request)


async def posted_csrf(request: Request) -> str:
    """The CSRF token a form sent (empty for a request that posts no form)."""
    if not writes(request):
        return ""
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


def check_csrf(request: Request, sent: str) -> None:
    """Refuse a form whose CSRF token is not this session's (or this browser's)."""
    if session_token := getattr(request.state, "session_token", None):
        expected = session_csrf(session_token)
    else:
        expected = request.cookies.get(ANONYMOUS_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRefused()


def session_user(session: Session, request: Request) -> User | None:
    """The user behind the session cookie, or None (no cookie, or a dead session)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        if writes(request):
            user = auth_service.resolve_token(session, token)
        else:
            user, touch_due = auth_service.read_token(session, token)
            if touch_due:  # the request's own transaction only reads: after it (get_session)
                request.state.touch_token = token
    except Unauthenticated:
        return None
    # A copy outside the transaction: an error page still shows who is signed in after
    # the request's transaction has rolled back (and expired its rows).
    request.state.user = User(
        id=user.id, username=user.username, display_name=user.display_name, role=user.role,
        language=user.language, password_hash="", must_change_password=user.must_change_password,
    )  # fmt: skip
    request.state.session_token, request.state.language = token, user.language
    return user


def page_user(session: SessionDep, request: Request) -> User:
    """The signed-in user (otherwise the page sends the browser to sign in)."""
    user = session_user(session, request)
    if user is None:
        raise SignInRequired()
    return user


def page_guard(route: str) -> Callable[..., User]:
    """A page's guard: signed in, CSRF checked on a form, the password changed when an
    admin set it (303 to /password otherwise, as the API answers 403
    password_change_required), the role allowed on the policy route (403 otherwise,
    audited with the record the request named)."""

    def guard(
        request: Request,
        session: SessionDep,
        user: Annotated[User, Depends(page_user)],
        sent: Annotated[str, Depends(posted_csrf)],
    ) -> User:
        if writes(request):
            check_csrf(request, sent)
        if user.must_change_password and route not in BEFORE_PASSWORD_CHANGE:
            raise PasswordChangeFirst()
        if not allowed(route, user):
            audit_refusal(request, session, user, route)
            raise NotAllowed(f"role {user.role.value} may not use {route}")
        return user

    return guard


def landing(user: User) -> str:
    """Where a user starts: administration for admins, the dashboard (coordinators,
    supervisors), else their work if their role has some, else their referrals (partner
    users), else their inbox; the password page first when an admin set the password."""
    if user.must_change_password:
        return PASSWORD_CHANGE_PAGE
    if allowed("admin.index", user):
        return "/admin"
    if allowed("dashboard.view", user):
        return "/dashboard"
    if allowed("work_items.list", user):
        return "/work"
    return "/referrals" if allowed("referrals.list", user) else "/inbox"


def local_path(target: str | None, default: str) -> str:
    """A path on this site to go back to (never another site's address)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 0x21 or c == "\x7f" for c in target)  # browsers drop tabs: "/\t/x"
    ):
        return default
    return target


# ---------------------------------------------------------------- rendering


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    session: Session | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page in the request's language with the layout's context (user, nav,
    unread count, CSRF token); pages hold minors' data, so nothing is stored."""
    language = request_language(request)
    user: User | None = getattr(request.state, "user", None)
    unread = None
    if user is not None and session is not None:
        _, unread = notification_service.page_inbox(
            session, user_id=user.pk, unread_only=True, limit=1
        )
    values = {
        **language_context(language),
        "languages": LANGUAGE_NAMES,
        "user": user,
        "unread": unread,
        "navigation": [
            n
            for n in NAVIGATION
            if user is not None and allowed(n[2], user) and not user.must_change_password
        ],
        "password_changed": request.query_params.get("password") == "changed",
        "path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_for(request),
        "format_date": lambda day, form="medium": i18n.format_date(day, language, form),
        "format_number": lambda number: i18n.format_number(number, language),
        "format_datetime": lambda at: i18n.format_datetime(at, language),
        **(context or {}),
    }
    response = templates.TemplateResponse(
        request, name, values, status_code=status, headers=headers
    )
    response.headers["Cache-Control"] = "no-store"
    if fresh := getattr(request.state, "fresh_csrf", None):
        response.set_cookie(ANONYMOUS_CSRF_COOKIE, fresh, httponly=True, samesite="lax",
                            secure=is_secure(request))  # fmt: skip
    return response


# Each language named in itself, for the switcher.
LANGUAGE_NAMES = ((Language.ar.value, "العربية"), (Language.fr.value, "Français"),
                  (Language.en.value, "English"))  # fmt: skip


# ---------------------------------------------------------------- error pages


class PageError(Exception):
    """An error a page answers with a translated HTML page (the reason picks its text)."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {reason}")
        self.status, self.reason, self.headers = status, reason, headers


async def html_errors() -> AsyncIterator[None]:
    """Turn a page's errors into `PageError`s, which `install` answers in HTML (the API's
    handlers answer in JSON). A router dependency, so it is entered first and left last:
    the request's transaction has seen the original error and rolled back."""
    try:
        yield
    except (PageError, SignInRequired, PasswordChangeFirst):
        raise
    except CsrfRefused as exc:
        raise PageError(403, "csrf") from exc
    except Throttled as exc:
        raise PageError(429, "throttled", {"Retry-After": str(exc.retry_after)}) from exc
    except TooManyRows as exc:
        raise PageError(422, "too_many_rows") from exc
    except MowakabaError as exc:
        status = STATUS.get(exc.code, 422)
        if status == 401:
            raise SignInRequired() from exc
        raise PageError(status, REASONS.get(status, "invalid")) from exc
    except StarletteHTTPException as exc:
        raise PageError(exc.status_code, REASONS.get(exc.status_code, "invalid")) from exc
    except RequestValidationError as exc:
        if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
            raise PageError(404, "not_found") from exc  # /work/abc names no page
        raise PageError(422, "invalid") from exc
    except OperationalError as exc:
        log.warning("database unavailable: %s", str(exc.orig)[:200])
        raise PageError(503, "unavailable", {"Retry-After": "5"}) from exc
    except Exception as exc:
        log.exception("unexpected error on a page", exc_info=exc)
        raise PageError(500, "internal") from exc


REASONS = {403: "forbidden", 404: "not_found"}


def page_router() -> APIRouter:
    """A router for pages: not in the OpenAPI schema, errors answered in HTML."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])


def page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    context = {"status": exc.status, "reason": exc.reason}
    if getattr(request.state, "user", None) is None or exc.status == 503:
        return render(request, "pages/error.html", context, status=exc.status, headers=exc.headers)
    with session_scope(write=False) as session:  # the header's unread count
        return render(request, "pages/error.html", context, session=session, status=exc.status,
                      headers=exc.headers)  # fmt: skip


def sign_in_required(request: Request, _exc: Exception) -> Response:
    target = "/"
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = f"?next={quote(target)}" if target not in ("/", "/sign-in") else ""
    response = RedirectResponse(f"/sign-in{query}", status_code=303)
    if request.cookies.get(SESSION_COOKIE):
        end_session(response)
    return response


def password_change_first(_request: Request, _exc: Exception) -> Response:
    return RedirectResponse(PASSWORD_CHANGE_PAGE, status_code=303)


def install(app: FastAPI) -> None:
    """Answer the pages' errors in HTML (the app's other handlers answer the API in JSON)."""
    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(PasswordChangeFirst, password_change_first)
