"""Transfers between institutions, as pages: the request form (from the youth's file),
the list of transfers (the receiving coordinators accept, choosing the mediator, or
refuse), one transfer (and, for the institution the youth left, the history up to the
transfer: the only part of the file it still reads)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from api.deps import SessionDep, audit
from api.export_tables import transfers_export
from api.exporting import MAX_ROWS, FormatQuery, check_total
from api.moving import scoped_transfer
from api.pages.common import N_, page_guard, page_router, render
from api.pages.youth_file import file_youth
from api.pages.youth_labels import EVENT_LABELS
from api.policy import institution_ids_in_scope, youth_scope
from flows import launch
from mowakaba.enums import Role, TransferStatus
from mowakaba.errors import AlreadyClosed, InvalidInput, InvalidMediator, NotAllowed
from mowakaba.list_labels import TRANSFER_STATUS_LABELS
from mowakaba.models import Institution, Transfer, User, Youth
from mowakaba.services import caseloads as caseload_service
from mowakaba.services import timeline as timeline_service
from mowakaba.services import transfers as transfer_service
from mowakaba.services import users as user_service

router = page_router()
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PER_PAGE = 25
STATUS_LABELS = TRANSFER_STATUS_LABELS
DONE = {
    "requested": N_("The transfer was asked for: the receiving coordinators are told."),
    "accepted": N_("The young person is now in your institution, with their file and open work."),
    "refused": N_("The transfer was refused: the sending institution is told."),
    "cancelled": N_("The transfer request was withdrawn."),
}  # fmt: skip


def names_of(session: Session) -> dict[int, str]:
    return dict(session.exec(select(Institution.id, Institution.name)).all())  # type: ignore[arg-type]


def request_page(
    session: Session, request: Request, youth: Youth, *, errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    institutions = [
        (i.pk, i.name)
        for i in session.exec(select(Institution).order_by(col(Institution.name)))
        if i.pk != youth.institution_id
    ]
    return render(request, "pages/transfers/new.html", {
        "youth": youth, "institutions": institutions, "errors": errors or {},
        "typed": typed or {"to_institution_id": "", "reason": ""},
    }, session=session, status=status)  # fmt: skip


@router.get("/youths/{youth_id}/transfer")
def new_transfer(
    youth_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("transfers.request"))],
) -> Response:  # fmt: skip
    """The form that asks another institution to take the youth in."""
    youth = file_youth(session, request, user, youth_id)
    return request_page(session, request, youth)


@router.post("/youths/{youth_id}/transfer")
def ask_transfer(
    youth_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("transfers.request"))],
    to_institution_id: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:  # fmt: skip
    """Ask for the transfer; back to the youth's file."""
    youth = file_youth(session, request, user, youth_id)
    errors: dict[str, str] = {}
    target = (
        int(to_institution_id) if to_institution_id.isdigit() and len(to_institution_id) < 10 else 0
    )
    if not target:
        errors["to_institution_id"] = N_("Choose the institution that takes the young person in.")
    if not reason.strip():
        errors["reason"] = N_("Say why the young person moves.")
    if not errors:
        try:
            transfer = transfer_service.request_transfer(
                session, youth_id=youth_id, actor=user, to_institution_id=target, reason=reason
            )
        except InvalidInput as exc:
            field = "to_institution_id" if "institution" in exc.message else "reason"
            errors[field] = (N_("Choose another institution.") if field == "to_institution_id"
                             else N_("The reason cannot be saved as written."))  # fmt: skip
            if "awaiting" in exc.message or "not in care" in exc.message:
                errors = {"to_institution_id": N_(
                    "This young person cannot be transferred now (not in care, or a "
                    "transfer already waits).")}  # fmt: skip
        else:
            audit(request, user, action="transfers.request", object_type="transfer",
                  object_id=transfer.pk, youth_id=youth_id)  # fmt: skip
            return RedirectResponse(f"/transfers/{transfer.pk}?done=requested", status_code=303)
    session.rollback()
    youth = file_youth(session, request, user, youth_id)
    typed = {"to_institution_id": to_institution_id, "reason": reason}
    return request_page(session, request, youth, errors=errors, status=422, typed=typed)


@router.get("/transfers")
def transfers(
    session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("transfers.list"))],
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    format: FormatQuery = None,
) -> Response:  # fmt: skip
    """The transfers waiting for my institutions' decision, then every transfer to or
    from them, newest first (`format`: all of them as a file)."""
    scope = institution_ids_in_scope(session, user)
    if format:
        rows, total = transfer_service.page_transfers(session, institution_ids=scope,
                                                      limit=MAX_ROWS)  # fmt: skip
        check_total(total)
        return transfers_export(session, request, user, rows, format)
    waiting, _ = transfer_service.page_transfers(
        session, institution_ids=scope, direction="incoming", status=TransferStatus.requested,
        limit=100,
    )  # fmt: skip
    rows, total = transfer_service.page_transfers(
        session, institution_ids=scope, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    for t in {t.pk: t for t in (*waiting, *rows)}.values():
        audit(request, user, action="transfers.list", object_type="transfer", object_id=t.id,
              youth_id=t.youth_id)  # fmt: skip
    return render(request, "pages/transfers/list.html", {
        "waiting": [decision_row(session, user, t) for t in waiting],
        "rows": [{"transfer": t, "youth": session.get(Youth, t.youth_id)} for t in rows],
        "total": total, "page": page, "pages": max(1, -(-total // PER_PAGE)),
        "names": names_of(session), "status_labels": STATUS_LABELS,
    }, session=session)  # fmt: skip


def decision_row(session: Session, user: User, transfer: Transfer) -> dict[str, Any]:
    """A waiting transfer, with the mediators the receiving coordinator may choose."""
    decides = user.role == Role.coordinator and transfer.to_institution_id in (
        user_service.institution_ids_of(session, user.pk))  # fmt: skip
    return {
        "transfer": transfer, "youth": session.get(Youth, transfer.youth_id), "decides": decides,
        "mediators": caseload_service.mediators_of(session, transfer.to_institution_id)
        if decides else [],
    }  # fmt: skip


def transfer_page(
    session: Session, request: Request, user: User, transfer: Transfer, *,
    done: str = "", error: str = "", status: int = 200,
) -> Response:  # fmt: skip
    youth = session.get(Youth, transfer.youth_id)
    assert youth is not None
    in_scope = youth_scope(session, user).sees(youth)
    history: list[Any] = []
    if not in_scope and transfer.status == TransferStatus.accepted:
        until = transfer_service.history_until(
            session, youth_id=youth.pk, institution_ids=institution_ids_in_scope(session, user)
        )
        if until is not None:
            history, _ = timeline_service.page_events(
                session, youth_id=youth.pk, limit=200, until_event_id=until
            )
    sender = user.role == Role.coordinator and transfer.from_institution_id in (
        user_service.institution_ids_of(session, user.pk))  # fmt: skip
    people = {
        u.pk: u.display_name or u.username
        for u in session.exec(select(User).where(col(User.id).in_(
            [i for i in (transfer.requested_by_id, transfer.decided_by_id, transfer.mediator_id)
             if i])))
    }  # fmt: skip
    return render(request, "pages/transfers/transfer.html", {
        "transfer": transfer, "youth": youth, "in_scope": in_scope, "history": history,
        "names": names_of(session), "people": people, "status_labels": STATUS_LABELS,
        "event_labels": EVENT_LABELS, "row": decision_row(session, user, transfer),
        "cancels": sender and transfer.status == TransferStatus.requested,
        "done": DONE.get(done, ""), "error": error,
    }, session=session, status=status)  # fmt: skip


@router.get("/transfers/{transfer_id}")
def transfer(
    transfer_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("transfers.read"))],
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:  # fmt: skip
    """One transfer; for the institution the youth left, the history up to it."""
    found = scoped_transfer(session, request, user, transfer_id, "transfers.read")
    return transfer_page(session, request, user, found, done=done)


@router.post("/transfers/{transfer_id}/decide")
def decide(
    transfer_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("transfers.decide"))],
    decision: Annotated[str, Form(max_length=20)] = "",
    mediator_id: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:  # fmt: skip
    """Accept (with the mediator chosen, or the coordinators' pool) or refuse (a reason)."""
    found = scoped_transfer(session, request, user, transfer_id, "transfers.decide")
    error = ""
    try:
        if decision == "accept":
            chosen = int(mediator_id) if mediator_id.isdigit() and len(mediator_id) < 10 else None
            transfer_service.accept_transfer(session, transfer_id=transfer_id, actor=user,
                                             mediator_id=chosen, comment=reason)  # fmt: skip
        elif decision == "refuse":
            transfer_service.refuse_transfer(session, transfer_id=transfer_id, actor=user,
                                             reason=reason)  # fmt: skip
        else:
            error = N_("Choose to accept or to refuse.")
    except InvalidMediator:
        error = N_("Choose a mediator of your institution.")
    except InvalidInput:
        error = N_("Say why the transfer is refused.")
    except AlreadyClosed:
        error = N_("This transfer was decided already.")
    except NotAllowed:
        error = N_("Only a coordinator of the receiving institution decides.")
    if error:
        session.rollback()
        found = scoped_transfer(session, request, user, transfer_id, "transfers.decide")
        return transfer_page(session, request, user, found, error=error, status=422)
    session.commit()
    if decision == "accept":
        launch.start_pathway_after_commit(found.youth_id, f"transfer-{transfer_id}")
    done = "accepted" if decision == "accept" else "refused"
    return RedirectResponse(f"/transfers/{transfer_id}?done={done}", status_code=303)


@router.post("/transfers/{transfer_id}/cancel")
def cancel(
    transfer_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("transfers.cancel"))],
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:  # fmt: skip
    """Withdraw a request while it waits (the sending institution's coordinators)."""
    scoped_transfer(session, request, user, transfer_id, "transfers.cancel")
    try:
        transfer_service.cancel_transfer(session, transfer_id=transfer_id, actor=user,
                                         reason=reason)  # fmt: skip
    except (AlreadyClosed, NotAllowed, InvalidInput):
        session.rollback()
        found = scoped_transfer(session, request, user, transfer_id, "transfers.cancel")
        return transfer_page(session, request, user, found, status=422,
                             error=N_("This transfer cannot be withdrawn."))  # fmt: skip
    return RedirectResponse(f"/transfers/{transfer_id}?done=cancelled", status_code=303)
