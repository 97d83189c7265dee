"""The caseload page: each mediator's open files, open and overdue work, per institution
(coordinators and supervisors); a coordinator moves a mediator's caseload (all of it or
the youths ticked) to another mediator, or spreads it evenly, in one action."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from api.deps import SessionDep, audit, audit_shown
from api.export_tables import caseloads_table
from api.exporting import FormatQuery, Words, check_total, export_response
from api.moving import caseload_rows
from api.pages.common import N_, page_guard, page_router, render
from mowakaba.clock import now
from mowakaba.enums import Role, Stage
from mowakaba.errors import InvalidInput, InvalidMediator, NotFound
from mowakaba.models import Institution, User, Youth
from mowakaba.services import caseloads as caseload_service
from mowakaba.services import users as user_service

router = page_router()
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SPREAD = "spread"


@router.get("/caseloads")
def caseloads(
    session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("caseloads.view"))],
    done: Annotated[int, Query(ge=0, le=100_000)] = -1,
    format: FormatQuery = None,
) -> Response:  # fmt: skip
    """Each mediator's load, per institution of the caller's scope (`format`: as a file)."""
    rows = caseload_rows(session, user, None)
    if format:
        check_total(len(rows))
        return export_response(request, user, caseloads_table(rows, Words.of(user)),
                               name="caseloads.view", fmt=format, day=now().date())  # fmt: skip
    audit(request, user, action="caseloads.view", object_type="institution")
    institutions: dict[int, dict[str, object]] = {}
    for row in rows:
        block = institutions.setdefault(row.institution_id, {"name": row.institution, "rows": []})
        block["rows"].append(row)  # type: ignore[attr-defined]
    return render(request, "pages/caseloads/index.html", {
        "institutions": list(institutions.values()), "done": done,
        "reassigns": user.role == Role.coordinator,
    }, session=session)  # fmt: skip


def mediator_of_mine(session: Session, user: User, mediator_id: int) -> tuple[User, list[int]]:
    """A mediator of the coordinator's institutions, and those institutions; else 404."""
    mine = user_service.institution_ids_of(session, user.pk)
    mediator = session.get(User, mediator_id)
    if mediator is None or mediator.role != Role.mediator:
        raise NotFound(f"mediator {mediator_id} not found")
    shared = [i for i in user_service.institution_ids_of(session, mediator.pk) if i in mine]
    if not shared:
        raise NotFound(f"mediator {mediator_id} not found")
    return mediator, shared


def reassign_page(
    session: Session, request: Request, user: User, mediator_id: int, *,
    error: str = "", chosen: set[int] | None = None, target: str = "", status: int = 200,
) -> Response:  # fmt: skip
    mediator, shared = mediator_of_mine(session, user, mediator_id)
    youths = list(session.exec(
        select(Youth).where(Youth.mediator_id == mediator.pk,
                            col(Youth.institution_id).in_(shared), Youth.stage != Stage.closed)
        .order_by(col(Youth.last_name), col(Youth.first_name), col(Youth.id))
    ))  # fmt: skip
    audit_shown(request, user, action="caseloads.reassign", youth_ids=(y.id for y in youths))
    others = {
        m.pk: m
        for institution_id in shared
        for m in caseload_service.mediators_of(session, institution_id)
        if m.pk != mediator.pk
    }
    names = dict(session.exec(select(Institution.id, Institution.name).where(  # type: ignore[arg-type]
        col(Institution.id).in_(shared))).all())  # fmt: skip
    return render(request, "pages/caseloads/mediator.html", {
        "mediator": mediator, "youths": youths, "others": sorted(others.values(),
        key=lambda m: (m.display_name or m.username).casefold()), "institutions": names,
        "error": error, "chosen": chosen, "target": target, "spread": SPREAD,
    }, session=session, status=status)  # fmt: skip


@router.get("/caseloads/{mediator_id}")
def mediator_caseload(
    mediator_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("caseloads.reassign"))],
) -> Response:  # fmt: skip
    """A mediator's open files, to move: all ticked at first."""
    return reassign_page(session, request, user, mediator_id)


@router.post("/caseloads/{mediator_id}/reassign")
def reassign(
    mediator_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("caseloads.reassign"))],
    target: Annotated[str, Form(max_length=20)] = "",
    youth_ids: Annotated[list[str] | None, Form()] = None,
) -> Response:  # fmt: skip
    """Move the youths ticked to the mediator chosen (or spread them); back to /caseloads."""
    mediator_of_mine(session, user, mediator_id)
    chosen = {int(y) for y in (youth_ids or [])[:2000] if y.isdigit() and 0 < int(y) < 2**31}
    error = ""
    if not chosen:
        error = N_("Tick at least one young person.")
    elif target != SPREAD and not (target.isdigit() and 0 < int(target) < 2**31):
        error = N_("Choose who takes the young people over.")
    else:
        try:
            move = caseload_service.reassign_caseload(
                session, actor=user, from_mediator_id=mediator_id,
                to_mediator_id=None if target == SPREAD else int(target),
                spread=target == SPREAD, youth_ids=sorted(chosen),
            )  # fmt: skip
        except InvalidMediator:
            error = N_("This mediator cannot take them over: choose another.")
        except (InvalidInput, NotFound):
            error = N_("Some of these young people are no longer in this caseload.")
        else:
            for youth_id in move.moved:
                audit(request, user, action="caseloads.reassign", object_type="youth",
                      object_id=youth_id, youth_id=youth_id)  # fmt: skip
            return RedirectResponse(f"/caseloads?done={len(move.moved)}", status_code=303)
    session.rollback()
    return reassign_page(session, request, user, mediator_id, error=error, chosen=chosen,
                         target=target, status=422)  # fmt: skip
