"""A youth's access log in the API: who read or changed the file, refusals included."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.accessing import log_page_or_file, log_rows, logged_youth
from api.deps import GuardedRoute, SessionDep, require
from api.exporting import EXPORT_RESPONSES, FormatQuery, Words
from api.routes.common import DateQuery, IdPath, PageNo, PageSize, page_of
from api.schemas import AccessLogEntryOut, Page
from mowakaba.models import User

router = APIRouter(tags=["youths"], route_class=GuardedRoute)


@router.get(
    "/youths/{youth_id}/access-log",
    response_model=Page[AccessLogEntryOut],
    responses=EXPORT_RESPONSES,
)
def access_log(
    youth_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("youths.access_log"))],
    since: DateQuery = None, until: DateQuery = None,
    outcome: Annotated[Literal["all", "allowed", "refused"], Query()] = "all",
    page: PageNo = 1, page_size: PageSize = 50,
    format: FormatQuery = None,
) -> dict | Response:  # fmt: skip
    """The youth's audit rows, newest first, in the caller's words: `since`/`until` are
    local days of the youth's institution; `outcome=refused` keeps the refused attempts;
    `format`: all of them as a spreadsheet. Reading the log is itself audited."""
    youth = logged_youth(session, request, user, youth_id)
    found = log_page_or_file(session, request, user, youth, days=(since, until),
                             outcome=outcome, page=page, page_size=page_size,
                             fmt=format)  # fmt: skip
    if isinstance(found, Response):
        return found
    entries, total = found
    return page_of(log_rows(entries, Words.of(user)), total, page, page_size)
