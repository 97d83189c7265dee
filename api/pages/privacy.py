"""A youth's privacy pages: answering an access request, and who looked at the file.

GET /youths/{id}/access-request says what the export holds (each record class and how
many) and offers the PDF (in the youth's language) and the JSON archive: from the youth
file, two clicks. GET /youths/{id}/access-log lists the youth's audit rows (when, who,
what, outcome; refusals included), paged, filtered by period and outcome, and exports
them (`?format=csv|xlsx`). Every read, download and export is audited (api/accessing.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response

from api.accessing import (
    OUTCOME_FILTERS,
    PAGE_ACTION,
    exported_youth,
    log_page_or_file,
    log_rows,
    logged_youth,
    subject_access_download,
)
from api.deps import SessionDep
from api.exporting import FormatQuery, Words
from api.pages.admin_forms import FormErrors
from api.pages.common import N_, page_guard, page_router, render
from api.pages.printing import scoped
from api.policy import allowed
from api.templating import request_language
from mowakaba.access_labels import SECTION_LABELS
from mowakaba.models import User
from mowakaba.services import subject_access as access_service

router = page_router()
YouthId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PER_PAGE = 50
ENDS_BEFORE = N_("The period ends before it starts.")


@router.get("/youths/{youth_id}/access-request")
def access_request(
    youth_id: YouthId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("youths.subject_access"))],
) -> Response:  # fmt: skip
    """What the export of the whole file holds, and its two downloads."""
    youth = scoped(session, request, user, youth_id, PAGE_ACTION)
    counted = access_service.gather_subject_access(
        session, youth_id=youth.pk, reader=user, on_sensitive_read=lambda _note: None,
        with_files=False,
    )  # no text is shown here: only how many records of each class  # fmt: skip
    sections = [(SECTION_LABELS[key], count) for key, count in counted.counts().items()]
    return render(request, "pages/youths/access_request.html",
                  {"youth": youth, "sections": sections}, session=session)  # fmt: skip


@router.get("/youths/{youth_id}/access-request/{kind}")
def access_download(
    youth_id: YouthId, kind: Literal["pdf", "zip"], session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("youths.subject_access"))],
) -> Response:  # fmt: skip
    """The whole file as a PDF in the youth's language, or as a JSON archive (zip)."""
    youth = exported_youth(session, request, user, youth_id)
    return subject_access_download(session, request, user, youth, kind)


@router.get("/youths/{youth_id}/access-log")
def access_log(
    youth_id: YouthId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("youths.access_log"))],
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    outcome: Annotated[str, Query(max_length=10)] = "all",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    format: FormatQuery = None,
) -> Response:  # fmt: skip
    """Who read or changed the youth's file, when, and refused attempts; as a file too."""
    youth = logged_youth(session, request, user, youth_id)
    errors = FormErrors()  # an empty field: no bound
    start_day = errors.day("since", since) if since.strip() else None
    end_day = errors.day("until", until) if until.strip() else None
    if start_day and end_day and end_day < start_day:
        errors["until"] = ENDS_BEFORE
    if outcome not in OUTCOME_FILTERS:
        outcome = "all"
    form = {"since": since, "until": until, "outcome": outcome}
    if errors:
        return render(request, "pages/youths/access_log.html",
                      {"youth": youth, "rows": [], "total": 0, "page": 1, "pages": 1,
                       "form": form, "errors": errors, "query": {},
                       "reads_file": allowed("youths.read", user)},
                      session=session, status=422)  # fmt: skip
    found = log_page_or_file(session, request, user, youth, days=(start_day, end_day),
                             outcome=outcome, page=page, page_size=PER_PAGE,
                             fmt=format)  # fmt: skip
    if isinstance(found, Response):
        return found
    entries, total = found
    query = {k: v for k, v in form.items() if v and not (k == "outcome" and v == "all")}
    return render(
        request, "pages/youths/access_log.html",
        {"youth": youth, "rows": log_rows(entries, Words(request_language(request))),
         "total": total, "page": page, "pages": max(1, -(-total // PER_PAGE)), "form": form,
         "errors": {}, "query": query, "reads_file": allowed("youths.read", user)},
        session=session,
    )  # fmt: skip
