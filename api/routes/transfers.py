"""Transfers between institutions: ask, accept (choosing the mediator), refuse, cancel."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.deps import GuardedRoute, SessionDep, audit, require
from api.export_tables import transfers_export
from api.exporting import (
    EXPORT_RESPONSES,
    MAX_ROWS,
    FormatQuery,
    check_total,
)
from api.moving import scoped_transfer
from api.policy import institution_ids_in_scope
from api.routes.common import (
    MAX_ID,
    IdempotencyKey,
    IdPath,
    PageNo,
    PageSize,
    idempotent,
    page_of,
    scoped_youth,
)
from api.schemas import Page, Strict
from flows import launch
from mowakaba.enums import Stage, TransferStatus
from mowakaba.models import Institution, Transfer, User, Youth
from mowakaba.schemas import Text
from mowakaba.services import transfers as transfer_service

router = APIRouter(tags=["transfers"], route_class=GuardedRoute)


class TransferIn(Strict):
    to_institution_id: int = Field(ge=1, le=MAX_ID)
    reason: Text = Field(min_length=1)


class AcceptIn(Strict):
    mediator_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="None: the coordinators' pool"
    )
    comment: Text = ""


class RefuseIn(Strict):
    reason: Text = Field(min_length=1)


class TransferCancelIn(Strict):
    reason: Text = ""


class TransferOut(BaseModel):
    id: int
    youth_id: int
    youth_code: str
    youth_stage: Stage
    from_institution_id: int
    from_institution: str
    to_institution_id: int
    to_institution: str
    status: TransferStatus
    reason: str
    requested_by_id: int | None
    requested_at: datetime
    decided_by_id: int | None
    decided_at: datetime | None
    decision_comment: str | None
    effective_date: date | None
    mediator_id: int | None


class TransferMoveOut(TransferOut):
    pathway_run: Literal["started", "deferred"] | None = None


def transfer_out(session: Session, transfer: Transfer) -> TransferOut:
    youth = session.get(Youth, transfer.youth_id)
    source = session.get(Institution, transfer.from_institution_id)
    target = session.get(Institution, transfer.to_institution_id)
    assert youth is not None and source is not None and target is not None
    return TransferOut(
        **transfer.model_dump(exclude={"history_until_event_id"}),
        youth_code=youth.code, youth_stage=youth.stage,
        from_institution=source.name, to_institution=target.name,
    )  # fmt: skip


@router.get("/transfers", response_model=Page[TransferOut], responses=EXPORT_RESPONSES)
def list_transfers(
    session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("transfers.list"))],
    direction: Literal["incoming", "outgoing"] | None = None,
    status: TransferStatus | None = None,
    page: PageNo = 1, page_size: PageSize = 50,
    format: FormatQuery = None,
) -> dict | Response:  # fmt: skip
    """Transfers to (`incoming`) or from (`outgoing`) your institutions, newest first;
    `format`: all of them as a spreadsheet (docs/api.md "Exports")."""
    limit, offset = (MAX_ROWS, 0) if format else (page_size, (page - 1) * page_size)
    rows, total = transfer_service.page_transfers(
        session, institution_ids=institution_ids_in_scope(session, user), direction=direction,
        status=status, limit=limit, offset=offset,
    )  # fmt: skip
    if format:
        check_total(total)
        return transfers_export(session, request, user, rows, format)
    for t in rows:
        audit(request, user, action="transfers.list", object_type="transfer", object_id=t.id,
              youth_id=t.youth_id)  # fmt: skip
    return page_of([transfer_out(session, t) for t in rows], total, page, page_size)


@router.get("/transfers/{transfer_id}", response_model=TransferOut)
def read_transfer(
    transfer_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("transfers.read"))],
) -> TransferOut:  # fmt: skip
    """A transfer to or from one of your institutions."""
    return transfer_out(session, scoped_transfer(session, request, user, transfer_id,
                                                 "transfers.read"))  # fmt: skip


@router.post("/youths/{youth_id}/transfers", response_model=TransferOut, status_code=201)
def request_transfer(
    youth_id: IdPath, body: TransferIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("transfers.request"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Ask another institution to take the youth in (a coordinator of the youth's
    institution); its coordinators are told and decide."""
    scoped_youth(session, request, user, youth_id, "transfers.request")

    def create() -> TransferOut:
        transfer = transfer_service.request_transfer(
            session, youth_id=youth_id, actor=user, to_institution_id=body.to_institution_id,
            reason=body.reason,
        )  # fmt: skip
        return transfer_out(session, transfer)

    return idempotent(
        session, request=request, user=user, key=idempotency_key, body=body, create=create
    )


@router.post("/transfers/{transfer_id}/accept", response_model=TransferMoveOut)
def accept_transfer(
    transfer_id: IdPath, body: AcceptIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("transfers.decide"))],
) -> TransferMoveOut:  # fmt: skip
    """Take the youth in (a coordinator of the receiving institution), with the mediator
    who will accompany them: the file, the plan, the open work and the history move in
    one transaction; the youth's pathway run starts after the commit."""
    scoped_transfer(session, request, user, transfer_id, "transfers.decide")
    transfer = transfer_service.accept_transfer(
        session, transfer_id=transfer_id, actor=user, mediator_id=body.mediator_id,
        comment=body.comment,
    )  # fmt: skip
    answer = transfer_out(session, transfer)
    session.commit()
    run = launch.start_pathway_after_commit(transfer.youth_id, f"transfer-{transfer_id}")
    return TransferMoveOut(**answer.model_dump(), pathway_run="started" if run else "deferred")


@router.post("/transfers/{transfer_id}/refuse", response_model=TransferOut)
def refuse_transfer(
    transfer_id: IdPath, body: RefuseIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("transfers.decide"))],
) -> TransferOut:  # fmt: skip
    """Say no, with a reason (a coordinator of the receiving institution)."""
    scoped_transfer(session, request, user, transfer_id, "transfers.decide")
    transfer = transfer_service.refuse_transfer(
        session, transfer_id=transfer_id, actor=user, reason=body.reason
    )
    return transfer_out(session, transfer)


@router.post("/transfers/{transfer_id}/cancel", response_model=TransferOut)
def cancel_transfer(
    transfer_id: IdPath, body: TransferCancelIn, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("transfers.cancel"))],
) -> TransferOut:  # fmt: skip
    """Withdraw a request while it waits (a coordinator of the sending institution)."""
    scoped_transfer(session, request, user, transfer_id, "transfers.cancel")
    transfer = transfer_service.cancel_transfer(
        session, transfer_id=transfer_id, actor=user, reason=body.reason
    )
    return transfer_out(session, transfer)
