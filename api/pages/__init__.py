"""The HTML pages: a cookie session over the API's services and policy table.

`router` gathers every page; `api/main.py` includes it. How pages are built:
docs/pages.md.
"""

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import writes
from api.pages import (
    admin,
    auth,
    caseloads,
    common,
    consents,
    dashboard,
    documents,
    escalations,
    forms,
    inbox,
    incidents,
    indicators,
    letters,
    notes,
    partners,
    password,
    printing,
    privacy,
    referrals,
    registers,
    retention,
    runs,
    transfers,
    work,
    youth_file,
    youths,
)
from mowakaba.db import session_scope

__all__ = ["install", "router"]

router = APIRouter(include_in_schema=False)
PAGES = (
    auth.router,
    password.router,
    work.router,
    forms.router,
    inbox.router,
    dashboard.router,
    escalations.router,
    registers.router,  # before youth_file: /youths/import is not a youth id
    youths.router,
    caseloads.router,
    transfers.router,
    partners.router,
    youth_file.router,
    consents.router,
    notes.router,
    incidents.router,
    documents.router,
    privacy.router,
    referrals.router,
    letters.router,
    printing.router,
    retention.router,
    runs.router,
    indicators.router,
    admin.router,
)
for pages in PAGES:
    router.include_router(pages)

API_PREFIX = "/api/"


def install(app: FastAPI) -> None:
    """Answer the pages' errors in HTML, and a path no route matches outside the API with
    the 404 page (under /api/ it stays the API's JSON). After `api.errors.install`."""
    common.install(app)
    api_answer = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code != 404 or request.url.path.startswith(API_PREFIX):
            return await api_answer(request, exc)  # type: ignore[no-any-return]
        return not_found_page(request)

    app.add_exception_handler(StarletteHTTPException, http_error)


def not_found_page(request: Request) -> Response:
    """The 404 page, in the language and with the header of whoever is signed in."""
    if not hasattr(request.state, "user"):  # no page ran: nobody looked at the cookie yet
        try:
            with session_scope(write=writes(request)) as session:
                common.session_user(session, request)
        except OperationalError:
            request.state.user = None  # the database is away: the page still answers
    return common.page_error(request, common.PageError(404, "not_found"))
