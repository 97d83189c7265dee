"""Importing an institution's register (coordinators of the institution; admins for any):
upload -> mapping -> report -> import -> done. docs/imports.md.

The file stays on the server between the steps (`api.registering`); the steps carry only
its token and the mapping. Checking the rows runs each registration in a savepoint rolled
back; importing commits them all at once, or nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from api import registering
from api.deps import SessionDep, audit_shown
from api.pages.common import N_, page_guard, page_router, render
from mowakaba.errors import (
    RegisterHasErrors,
    RegisterMapping,
    RegisterUnreadable,
)
from mowakaba.models import User
from mowakaba.services import registers
from mowakaba.services import youths as youth_service

router = page_router()
Token = Annotated[str, Path(min_length=1, max_length=64)]
PREVIEW_ROWS = 50

UNREADABLE = {
    "empty": N_("The file is empty."),
    "too_large": N_("The file is too large: 5 MB and 1,000 rows at most."),
    "too_many_rows": N_("The file is too large: 5 MB and 1,000 rows at most."),
    "xls": N_("An old Excel file (.xls): save it as .xlsx or .csv and try again."),
    "format": N_("Only .csv and .xlsx files can be imported; this one cannot be read."),
    "encoding": N_("The file's encoding is not recognised: save it as CSV UTF-8."),
    "no_header": N_("No header row: the first row must name the columns."),
    "no_rows": N_("The file has a header but no rows."),
    "merged_header": N_("The header row has merged cells: unmerge them."),
}
NO_FILE = N_("Choose a .csv or .xlsx file.")
NO_INSTITUTION = N_("Choose an institution from the list.")


def _upload_page(request: Request, session: SessionDep, user: User, *,
                 error: str | None = None, chosen: str = "") -> Response:  # fmt: skip
    institutions = registering.institutions_for(session, user)
    return render(request, "pages/registers/upload.html", {
        "institutions": institutions, "error": error,
        "chosen": chosen or (str(institutions[0].id) if len(institutions) == 1 else ""),
        "max_rows": registers.MAX_ROWS,
    }, session=session, status=422 if error else 200)  # fmt: skip


@router.get("/youths/import")
def upload_form(
    session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("youths.import"))],
) -> Response:  # fmt: skip
    """The first step: choose the institution and the file."""
    return _upload_page(request, session, user)


@router.post("/youths/import")
async def upload(
    session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("youths.import"))],
) -> Response:  # fmt: skip
    """Keep the uploaded register and go to the mapping step (or say why it cannot be read)."""
    form = await request.form()
    chosen = form.get("institution_id")
    chosen = chosen if isinstance(chosen, str) else ""
    file = form.get("file")
    ids = {str(i.id): i.pk for i in registering.institutions_for(session, user)}
    if chosen not in ids:
        return _upload_page(request, session, user, error=NO_INSTITUTION)
    if not isinstance(file, UploadFile) or not file.filename:
        return _upload_page(request, session, user, error=NO_FILE, chosen=chosen)
    data = await file.read(registers.MAX_BYTES + 1)
    try:
        kept = registering.keep_upload(
            data, filename=file.filename, user=user, institution_id=ids[chosen]
        )
    except RegisterUnreadable as exc:
        return _upload_page(request, session, user, error=UNREADABLE[exc.reason], chosen=chosen)
    return RedirectResponse(f"/youths/import/{kept.token}", status_code=303)


def _columns(kept: registering.KeptFile, mapping: list[str | None]) -> list[dict[str, Any]]:
    samples = kept.table.rows[:3]
    return [
        {"index": i, "header": header, "field": mapping[i] or "",
         "samples": [t for r in samples if (t := registers.cell_text(r.cells[i]))]}
        for i, header in enumerate(kept.table.headers)
    ]  # fmt: skip


def _mapping_of(kept: registering.KeptFile, chosen: list[str]) -> list[str | None]:
    if not chosen:
        return list(registers.suggest_mapping(kept.table.headers))
    return [value or None for value in chosen]


@router.get("/youths/import/{token}")
def mapping_step(
    token: Token, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("youths.import"))],
) -> Response:  # fmt: skip
    """The second step: which column feeds which field, suggested from the headers."""
    kept = registering.load_upload(token, user=user)
    mapping = _mapping_of(kept, [])
    return _mapping_page(request, session, user, kept, mapping)


def _mapping_page(request: Request, session: SessionDep, user: User, kept: registering.KeptFile,
                  mapping: list[str | None], error: str | None = None) -> Response:  # fmt: skip
    institution = registering.check_institution(session, user, kept.institution_id)
    return render(request, "pages/registers/mapping.html", {
        "kept": kept, "institution": institution, "columns": _columns(kept, mapping),
        "fields": registers.FIELDS, "required": registers.REQUIRED, "error": error,
        "row_count": len(kept.table.rows),
    }, session=session, status=422 if error else 200)  # fmt: skip


def _report_page(request: Request, session: SessionDep, user: User, kept: registering.KeptFile,
                 mapping: list[str | None], report: registers.RegisterReport,
                 status: int = 200, refused: bool = False) -> Response:  # fmt: skip
    registered = [r.youth_id for r in report.rows if r.status == "registered" and r.youth_id]
    audit_shown(request, user, action="youths.import", youth_ids=registered)
    institution = registering.check_institution(session, user, kept.institution_id)
    fields = [name for name in mapping if name]
    return render(request, "pages/registers/report.html", {
        "kept": kept, "institution": institution, "report": report, "mapping": mapping,
        "fields": registers.FIELDS, "shown": fields, "refused": refused,
        "rows": report.rows[:PREVIEW_ROWS], "more": max(0, len(report.rows) - PREVIEW_ROWS),
        "valid": report.count("valid"), "invalid": report.count("invalid"),
        "registered": report.count("registered"),
    }, session=session, status=status)  # fmt: skip


@router.post("/youths/import/{token}/report")
async def report_step(
    token: Token, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("youths.import"))],
) -> Response:  # fmt: skip
    """The third step: every row checked (each registration tried in a savepoint rolled
    back: nothing saved), errors by row and column. A POST: it runs the registrations."""
    form = await request.form()
    chosen = [v[:40] for v in form.getlist("map")[:60] if isinstance(v, str)]
    kept = registering.load_upload(token, user=user)
    mapping = _mapping_of(kept, chosen)
    try:
        report = registers.run_register(
            session, table=kept.table, mapping=mapping, institution_id=kept.institution_id,
            actor=user,
        )  # fmt: skip
    except RegisterMapping:
        return _mapping_page(request, session, user, kept, mapping, error=MAPPING_ERROR)
    finally:
        session.rollback()  # a check keeps nothing
    return _report_page(request, session, user, kept, mapping, report)


MAPPING_ERROR = N_(
    "Choose a column for each field marked required, for the first and last names "
    "(in Latin or Arabic script), and each field for one column only."
)


@router.post("/youths/import/{token}")
async def import_step(
    token: Token, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("youths.import"))],
) -> Response:  # fmt: skip
    """The last step: import every row (only when clean) or the valid rows only."""
    form = await request.form()
    chosen = [v[:40] for v in form.getlist("map") if isinstance(v, str)]
    valid_only = form.get("rows") == "valid"
    kept = registering.load_upload(token, user=user)
    mapping = _mapping_of(kept, chosen)
    try:
        report = registering.import_register(
            session, request, user, kept=kept, mapping=mapping, valid_only=valid_only
        )
    except RegisterMapping:
        session.rollback()
        return _mapping_page(request, session, user, kept, mapping, error=MAPPING_ERROR)
    except RegisterHasErrors:
        session.rollback()
        report = registers.run_register(session, table=kept.table, mapping=mapping,
                                        institution_id=kept.institution_id, actor=user)  # fmt: skip
        session.rollback()
        return _report_page(request, session, user, kept, mapping, report, 409, refused=True)
    imported = [r for r in report.rows if r.status == "imported"]
    return render(request, "pages/registers/done.html", {
        "report": report, "imported": imported, "registered": report.count("registered"),
        "skipped": report.count("invalid"), "youths": youth_service.youths_among(
            session, youth_ids=[r.youth_id for r in imported if r.youth_id], institution_ids=None),
    }, session=session)  # fmt: skip
