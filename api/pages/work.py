"""My work: a person's open work items, overdue first, then by due date."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from api.deps import SessionDep, audit_shown
from api.export_tables import work_table
from api.exporting import MAX_ROWS, FormatQuery, Words, check_total, export_response
from api.pages.common import page_guard, page_router, render
from mowakaba import labels
from mowakaba.clock import now
from mowakaba.enums import Role, WorkItemKind, WorkItemStatus
from mowakaba.models import User
from mowakaba.services import calendars as calendar_service
from mowakaba.services import users as user_service
from mowakaba.services import work_items as work_service

router = page_router()
PAGE_SIZE = 20

# The kinds' names are the notifications' too: defined, translation-marked, in the core.
KIND_LABELS = labels.WORK_ITEM_KINDS


def parse_kind(value: str) -> WorkItemKind | None:
    return WorkItemKind(value) if value in WorkItemKind.__members__ else None


def parse_id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


@router.get("/work")
def my_work(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(page_guard("work_items.list"))],
    kind: Annotated[str, Query(max_length=40)] = "",
    youth: Annotated[str, Query(max_length=12)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: Annotated[str, Query(max_length=12)] = "",
    format: FormatQuery = None,
) -> Response:
    """Open work items assigned to me (and my pools'), with filters by kind and youth."""
    mine: dict[str, object] = {"assignee_id": user.id, "status": WorkItemStatus.open}
    if user.role == Role.coordinator:
        mine["pool_institution_ids"] = user_service.institution_ids_of(session, user.pk)
    youths = {y.pk: y for y in work_service.youths_with_work(session, **mine)}
    chosen_kind, chosen_youth = parse_kind(kind), parse_id(youth)
    filters = {**mine, "kind": chosen_kind, "youth_id": chosen_youth}
    limit, offset = (MAX_ROWS, 0) if format else (PAGE_SIZE, (page - 1) * PAGE_SIZE)
    rows, total = work_service.page_work_items(session, **filters, limit=limit, offset=offset)
    if format:
        check_total(total)
        table = work_table(rows, youths, Words.of(user))
        return export_response(request, user, table, name="work_items.list", fmt=format,
                               day=now().date(), youth_ids=(i.youth_id for i in rows))  # fmt: skip
    # The youth filter names every youth of my work: they are all shown, so all audited.
    audit_shown(request, user, action="work_items.list", youth_ids=youths)
    at, today = now(), {}
    items = []
    for item in rows:
        if item.institution_id not in today:
            today[item.institution_id] = calendar_service.local_day(
                session, institution_id=item.institution_id, at=at
            ).today
        items.append({
            "item": item, "youth": youths[item.youth_id], "kind": KIND_LABELS[item.kind],
            "days": (item.due_date - today[item.institution_id]).days,
        })  # fmt: skip
    return render(
        request,
        "pages/work.html",
        {
            "items": items, "total": total, "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "kinds": list(KIND_LABELS.items()), "youths": list(youths.values()),
            "chosen_kind": chosen_kind.value if chosen_kind else "",
            "chosen_youth": chosen_youth, "done": parse_id(done) is not None,
            "export_query": {k: v for k, v in (("kind", kind), ("youth", youth)) if v},
        },
        session=session,
    )  # fmt: skip
