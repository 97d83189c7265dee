"""Caseloads: each mediator's youths and work, and moving a whole caseload at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import GuardedRoute, SessionDep, audit, require
from api.export_tables import caseloads_table
from api.exporting import (
    EXPORT_RESPONSES,
    FormatQuery,
    Words,
    check_total,
    export_response,
)
from api.moving import CaseloadOut, caseload_rows
from api.routes.common import MAX_ID, IdempotencyKey, IdQuery, idempotent
from api.schemas import Strict
from mowakaba.clock import now
from mowakaba.models import User
from mowakaba.services import caseloads as caseload_service

router = APIRouter(tags=["caseloads"], route_class=GuardedRoute)

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class ReassignIn(Strict):
    from_mediator_id: Id
    to_mediator_id: Id | None = None
    spread: bool = Field(
        default=False, description="spread evenly over the institution's other active mediators"
    )
    youth_ids: list[Id] | None = Field(
        default=None, max_length=1000, description="a subset of the caseload (default: all)"
    )


class MovedYouth(BaseModel):
    youth_id: int
    mediator_id: int


class ReassignOut(BaseModel):
    from_mediator_id: int
    youths: list[MovedYouth]
    work_items: list[int]
    notified: int


@router.get("/caseloads", response_model=list[CaseloadOut], responses=EXPORT_RESPONSES)
def list_caseloads(
    session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("caseloads.view"))],
    institution_id: IdQuery = None,
    format: FormatQuery = None,
) -> list[CaseloadOut] | Response:  # fmt: skip
    """Each mediator's open files, open and overdue work items, per institution in scope;
    a line without a mediator holds the youths without one and the coordinators' pool.
    `format`: the same as a spreadsheet (docs/api.md "Exports")."""
    rows = caseload_rows(session, user, institution_id)
    if format:
        check_total(len(rows))
        return export_response(request, user, caseloads_table(rows, Words.of(user)),
                               name="caseloads.view", fmt=format, day=now().date())  # fmt: skip
    audit(request, user, action="caseloads.view", object_type="institution",
          object_id=institution_id)  # fmt: skip
    return rows


@router.post("/caseloads/reassign", response_model=ReassignOut)
def reassign(
    body: ReassignIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("caseloads.reassign"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Move a mediator's youths in your institutions (all, or `youth_ids`) to
    `to_mediator_id`, or with `spread: true` evenly over the institution's other active
    mediators, in one transaction: their open work follows, the timeline of each says
    `mediator_changed`, and each receiving mediator gets one summary notification."""
    moved: list[int] = []

    def create() -> dict[str, object]:
        move = caseload_service.reassign_caseload(
            session, actor=user, from_mediator_id=body.from_mediator_id,
            to_mediator_id=body.to_mediator_id, spread=body.spread, youth_ids=body.youth_ids,
        )  # fmt: skip
        moved.extend(move.moved)
        return move.to_json()

    response = idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create,
        status_code=200,
    )  # fmt: skip
    for youth_id in moved:
        audit(request, user, action="caseloads.reassign", object_type="youth",
              object_id=youth_id, youth_id=youth_id)  # fmt: skip
    return response
