"""Caseloads: each mediator's youths and work, and moving a whole caseload at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlmodel import col, select

from api.deps import GuardedRoute, SessionDep, audit, require
from api.policy import institution_ids_in_scope
from api.routes.common import MAX_ID, IdempotencyKey, IdQuery, idempotent
from api.schemas import Strict
from mowakaba.errors import NotFound
from mowakaba.models import Institution, User
from mowakaba.services import caseloads as caseload_service

router = APIRouter(tags=["caseloads"], route_class=GuardedRoute)

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class CaseloadOut(BaseModel):
    institution_id: int
    institution: str
    mediator_id: int | None = Field(description="None: youths without a mediator, the pool")
    mediator: str | None
    active: bool
    youths: int = Field(description="open files (youths not closed)")
    open_items: int
    overdue_items: int = Field(description="open items due before today (local)")


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


def institutions_of(session, user: User, institution_id: int | None) -> list[Institution]:  # type: ignore[no-untyped-def]
    """The institutions whose caseloads the caller reads (one of them, if named)."""
    ids = institution_ids_in_scope(session, user)
    query = select(Institution)
    if ids is not None:
        query = query.where(col(Institution.id).in_(ids))
    if institution_id is not None:
        query = query.where(Institution.id == institution_id)
    found = list(session.exec(query.order_by(col(Institution.name), col(Institution.id))))
    if institution_id is not None and not found:
        raise NotFound(f"institution {institution_id} not found")
    return found


def caseload_rows(session, user: User, institution_id: int | None) -> list[CaseloadOut]:  # type: ignore[no-untyped-def]
    institutions = {i.pk: i for i in institutions_of(session, user, institution_id)}
    loads = caseload_service.caseloads(session, institution_ids=list(institutions))
    people = {
        u.pk: u
        for u in session.exec(
            select(User).where(col(User.id).in_([x.mediator_id for x in loads if x.mediator_id]))
        )
    }
    return [
        CaseloadOut(
            institution_id=x.institution_id, institution=institutions[x.institution_id].name,
            mediator_id=x.mediator_id,
            mediator=people[x.mediator_id].display_name if x.mediator_id else None,
            active=people[x.mediator_id].is_active if x.mediator_id else True,
            youths=x.youths, open_items=x.open_items, overdue_items=x.overdue_items,
        )
        for x in loads
    ]  # fmt: skip


@router.get("/caseloads", response_model=list[CaseloadOut])
def list_caseloads(
    session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("caseloads.view"))],
    institution_id: IdQuery = None,
) -> list[CaseloadOut]:  # fmt: skip
    """Each mediator's open files, open and overdue work items, per institution in scope;
    a line without a mediator holds the youths without one and the coordinators' pool."""
    rows = caseload_rows(session, user, institution_id)
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
