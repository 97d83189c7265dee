"""Work items: my work, one item and the payload it expects, completing, rescheduling."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response
from sqlmodel import col, select

from api.completing import complete_and_start, scoped_item
from api.deps import GuardedRoute, SessionDep, audit_shown, require
from api.export_tables import work_table
from api.exporting import (
    EXPORT_RESPONSES,
    MAX_ROWS,
    FormatQuery,
    Words,
    check_total,
    export_response,
)
from api.policy import youth_scope
from api.routes.common import DateQuery, IdPath, IdQuery, PageNo, PageSize, page_of
from api.schemas import CompletionOut, EventOut, Page, RescheduleIn, WorkItemDetail, WorkItemOut
from mowakaba.clock import now
from mowakaba.enums import Role, WorkItemKind, WorkItemStatus
from mowakaba.models import User, WorkItem, Youth
from mowakaba.schemas import PAYLOADS
from mowakaba.services import users as user_service
from mowakaba.services import work_items as work_service

router = APIRouter(tags=["work items"], route_class=GuardedRoute)


def item_out(item: WorkItem) -> WorkItemOut:
    return WorkItemOut.model_validate(item, from_attributes=True)


@router.get("/work-items", response_model=Page[WorkItemOut], responses=EXPORT_RESPONSES)
def list_work_items(
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("work_items.list"))],
    status: WorkItemStatus | None = WorkItemStatus.open,
    assignee: Literal["me", "any"] = "any",
    kind: WorkItemKind | None = None,
    youth_id: IdQuery = None,
    due_before: DateQuery = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
    format: FormatQuery = None,
) -> dict | Response:
    """Work items in the caller's scope; `assignee=me` is mine and my pools'; `format`: all
    of them as a spreadsheet (docs/api.md "Exports")."""
    filters: dict[str, Any] = {
        "status": status, "kind": kind, "youth_id": youth_id, "due_before": due_before,
    }  # fmt: skip
    if assignee == "me":
        filters["assignee_id"] = user.id
        if user.role == Role.coordinator:
            filters["pool_institution_ids"] = user_service.institution_ids_of(session, user.pk)
    else:
        filters["visible_youths"] = youth_scope(session, user).filter(select(Youth.id))
    limit, offset = (MAX_ROWS, 0) if format else (page_size, (page - 1) * page_size)
    rows, total = work_service.page_work_items(session, **filters, limit=limit, offset=offset)
    if format:
        check_total(total)
        # The youth's code and name only for a youth in the caller's scope.
        scope = youth_scope(session, user).filter(select(Youth))
        ids = {i.youth_id for i in rows}
        youths = {y.pk: y for y in session.exec(scope.where(col(Youth.id).in_(ids)))}
        table = work_table(rows, youths, Words.of(user))
        return export_response(request, user, table, name="work_items.list", fmt=format,
                               day=now().date(), youth_ids=ids)  # fmt: skip
    audit_shown(request, user, action="work_items.list", youth_ids=(i.youth_id for i in rows))
    return page_of([item_out(i) for i in rows], total, page, page_size)


@router.get("/work-items/{item_id}", response_model=WorkItemDetail)
def read_work_item(
    item_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("work_items.read"))],
) -> WorkItemDetail:  # fmt: skip
    """A work item, with the JSON schema of the payload that completes it."""
    item = scoped_item(session, request, user, item_id, "work_items.read")
    return WorkItemDetail(
        **item_out(item).model_dump(), payload_schema=PAYLOADS[item.kind].model_json_schema()
    )


@router.post("/work-items/{item_id}/complete", response_model=CompletionOut)
def complete_work_item(
    item_id: IdPath,
    session: SessionDep,
    request: Request,
    user: Annotated[User, Depends(require("work_items.complete"))],
    payload: Annotated[dict[str, Any], Body(description="The payload of the item's kind")],
) -> CompletionOut:
    """Complete an item you are assigned (or your pool is); the youth's pathway run starts
    after. The answer says whether it started, or waits for the next sweep (`deferred`:
    the Prefect server did not answer within a few seconds; the completion is saved)."""
    scoped_item(session, request, user, item_id, "work_items.complete")
    completion, run_id = complete_and_start(session, item_id=item_id, user=user, payload=payload)
    event = EventOut.model_validate(completion.event, from_attributes=True)
    return CompletionOut(
        **event.model_dump(), pathway_run="started" if run_id else "deferred", pathway_run_id=run_id
    )


@router.post("/work-items/{item_id}/reschedule", response_model=EventOut)
def reschedule_work_item(
    item_id: IdPath, body: RescheduleIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("work_items.reschedule"))],
) -> EventOut:  # fmt: skip
    """Grant a new due date (a coordinator of the item's institution): the count restarts."""
    scoped_item(session, request, user, item_id, "work_items.reschedule")
    event = work_service.reschedule_work_item(
        session, work_item_id=item_id, actor=user, due_date=body.due_date, reason=body.reason
    )
    session.flush()
    return EventOut.model_validate(event, from_attributes=True)
