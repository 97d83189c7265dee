"""The youths list: the young people the caller may see, searched by name and filtered by
stage. The search forgives Arabic spelling variants (أ/إ/ا, ة/ه, ى/ي, diacritics)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import select

from api.deps import SessionDep, audit_shown
from api.export_tables import youths_table
from api.exporting import MAX_ROWS, FormatQuery, Words, check_total, export_response
from api.pages.common import N_, page_guard, page_router, render
from api.pages.youth_labels import STAGE_LABELS
from api.policy import allowed, youth_scope
from mowakaba.clock import now
from mowakaba.enums import Stage
from mowakaba.models import User, Youth
from mowakaba.services import youths as youth_service
from mowakaba.text import UnsafeText, clean_text

router = page_router()
PAGE_SIZE = 25
MAX_SEARCH = 200


def check_search(raw: str) -> tuple[str, str | None]:
    """The search words, cleaned, and the error to show next to the field (None: fine)."""
    try:
        words = clean_text(raw).strip()
    except UnsafeText:
        return raw, N_("Use letters, digits and spaces only.")
    if len(words) > MAX_SEARCH:
        return raw, N_("Type at most 200 characters.")
    return words, None


def age_on(born: date, today: date) -> int:
    """Full years from a date of birth to a day."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@router.get("/youths")
def youths(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("youths.list"))],
    q: Annotated[str, Query(max_length=2000)] = "",
    stage: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    format: FormatQuery = None,
) -> Response:
    """The youths I may see (my caseload, my institutions, my region), by name and stage."""
    words, search_error = check_search(q)
    chosen = Stage(stage) if stage in Stage.__members__ else None
    stage_error = N_("Choose a stage from the list.") if stage and chosen is None else None
    rows: list[Youth] = []
    total = 0
    today = now().date()
    if search_error is None and stage_error is None:
        limit, offset = (MAX_ROWS, 0) if format else (PAGE_SIZE, (page - 1) * PAGE_SIZE)
        rows, total = youth_service.search_youths(
            session, base=youth_scope(session, user).filter(select(Youth)), stage=chosen,
            q=words or None, limit=limit, offset=offset,
        )  # fmt: skip
        if format:
            check_total(total)
            table = youths_table(rows, Words.of(user), today=today)
            return export_response(request, user, table, name="youths.list", fmt=format,
                                   day=today, youth_ids=(y.id for y in rows))  # fmt: skip
    audit_shown(request, user, action="youths.list", youth_ids=(y.id for y in rows))
    return render(
        request,
        "pages/youths/list.html",
        {
            "rows": [{"youth": y, "age": age_on(y.date_of_birth, today)} for y in rows],
            "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
            "q": q, "chosen_stage": stage, "stages": list(STAGE_LABELS.items()),
            "stage_labels": STAGE_LABELS,
            "errors": {"q": search_error, "stage": stage_error},
            "can_import": allowed("youths.import", user),
            "export_query": {k: v for k, v in (("q", words), ("stage", stage)) if v},
        },
        session=session,
        status=422 if search_error or stage_error else 200,
    )  # fmt: skip
