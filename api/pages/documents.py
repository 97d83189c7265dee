"""The documents section of the youth file: the list (with expiry), the upload form, the
downloads and the retirement of a document (policy routes "documents.*").

The upload form is multipart: it is read as it arrives (api/uploads.py), its CSRF token
(the form's first field) checked before any byte of the file is written. A refused file
brings the file page back with the reason in the documents section; nothing is kept.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, audit, named_in
from api.documenting import file_response, read_upload, save_upload, scoped_document, upload_fields
from api.pages.common import (
    CSRF_FIELD,
    N_,
    PasswordChangeFirst,
    check_csrf,
    page_guard,
    page_router,
    page_user,
)
from api.policy import BEFORE_PASSWORD_CHANGE, allowed, youth_scope
from mowakaba import document_rules
from mowakaba.case_labels import DOCUMENT_KIND_LABELS
from mowakaba.casework_schemas import DocumentRetirement
from mowakaba.enums import (
    AuditOutcome,
    ChecklistItem,
    DocumentKind,
    DocumentStatus,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import AlreadyClosed, InvalidInput, MowakabaError, NotAllowed, NotFound
from mowakaba.models import User, WorkItem, Youth
from mowakaba.services import documents as document_service
from mowakaba.services.documents import storage
from mowakaba.settings import get_settings

router = page_router()
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]

KIND_LABELS = DOCUMENT_KIND_LABELS  # shared with the printed exit checklist
STATUS_LABELS = {
    DocumentStatus.current: N_("In force"),
    DocumentStatus.replaced: N_("Replaced"),
    DocumentStatus.withdrawn: N_("Withdrawn"),
}
# What the documents section says after an upload or a retirement (?doc=...).
NOTICES = {
    "uploaded": N_("The document was added to the file."),
    "retired": N_("The document was retired: it stays in the file's history."),
}
PROBLEMS = {
    "document_refused": N_(
        "The file was refused: only PDF, JPEG and PNG files are accepted, and the file must be "
        "what it claims to be."),
    "document_too_large": N_("The file is too large: %(mb)s MB at most."),
    "invalid_input": N_("Check the kind and the dates: the expiry comes after the issue date."),
    "already_closed": N_("This document was retired already."),
}  # fmt: skip
# Show a document's expiry as near from this many days before it.
EXPIRY_WARNING_DAYS = 60


def document_rows(session: Session, youth: Youth, today: date) -> list[dict[str, Any]]:
    """A youth's documents as the file lists them: in force first, each with its state."""
    rows = []
    for doc in document_service.list_documents(session, youth_id=youth.pk):
        expired = doc.expiry_date is not None and doc.expiry_date < today
        soon = (
            doc.expiry_date is not None
            and not expired
            and doc.expiry_date <= today + timedelta(days=EXPIRY_WARNING_DAYS)
        )
        rows.append({"document": doc, "expired": expired, "expires_soon": soon})
    return rows


def documents_context(
    session: Session, youth: Youth, user: User, today: date, notice: str
) -> dict[str, Any]:
    """What the documents section of the youth file needs."""
    return {
        "documents": document_rows(session, youth, today) if allowed("documents.list", user)
        else [],
        "sees_documents": allowed("documents.list", user),
        "uploads": allowed("documents.upload", user),
        "downloads": allowed("documents.download", user),
        "retires": allowed("documents.retire", user),
        "document_kinds": list(DocumentKind), "document_kind_labels": KIND_LABELS,
        "document_status_labels": STATUS_LABELS,
        "document_notice": NOTICES.get(notice), "document_problem": PROBLEMS.get(notice),
        "document_max_mb": get_settings().document_max_bytes // (1024 * 1024),
    }  # fmt: skip


def document_options(session: Session, item: WorkItem, today: date) -> tuple[tuple[str, str], ...]:
    """The documents that may meet a checklist item, as (id, label) options: in force and
    not expired while it is open; the document that met it once it is done."""
    if (
        item.kind != WorkItemKind.exit_checklist_item
        or item.subject not in ChecklistItem.__members__
    ):
        return ()
    kind = document_rules.DOCUMENT_FOR.get(ChecklistItem(item.subject))
    if kind is None:
        return ()
    documents = document_service.list_documents(session, youth_id=item.youth_id)
    return tuple(
        (str(d.id), f"{d.original_name} · {d.issued_date.isoformat()}")
        for d in documents
        if d.kind == kind and (
            item.status != WorkItemStatus.open
            or document_rules.is_valid(status=d.status, expiry_date=d.expiry_date, today=today)
        )
    )  # fmt: skip


def upload_guard(request: Request, session: SessionDep,
                 user: Annotated[User, Depends(page_user)]) -> User:  # fmt: skip
    """page_guard without reading the form: the upload checks its CSRF token as it streams."""
    if user.must_change_password and "documents.upload" not in BEFORE_PASSWORD_CHANGE:
        raise PasswordChangeFirst()
    if not allowed("documents.upload", user):
        object_type, object_id, youth_id = named_in(session, request)
        audit(request, user, action="documents.upload", object_type=object_type,
              object_id=object_id, youth_id=youth_id, outcome=AuditOutcome.denied)  # fmt: skip
        raise NotAllowed(f"role {user.role.value} may not use documents.upload")
    return user


def youth_in_scope(session: Session, request: Request, user: User, youth_id: int,
                   action: str) -> Youth:  # fmt: skip
    """A youth the caller sees, audited; the 404 of a missing one otherwise (audited)."""
    youth = session.get(Youth, youth_id)
    seen = youth is not None and youth_scope(session, user).sees(youth)
    audit(request, user, action=action, object_type="youth", object_id=youth_id,
          youth_id=youth_id if youth else None,
          outcome=AuditOutcome.allowed if seen else AuditOutcome.not_found)  # fmt: skip
    if youth is None or not seen:
        raise NotFound(f"youth {youth_id} not found")
    return youth


def back_to_file(youth_id: int, notice: str) -> RedirectResponse:
    return RedirectResponse(f"/youths/{youth_id}?doc={notice}#documents", status_code=303)


@router.post("/youths/{youth_id}/documents")
async def upload_page(
    youth_id: RecordId, request: Request, session: SessionDep,
    user: Annotated[User, Depends(upload_guard)],
) -> Response:  # fmt: skip
    """Upload a document from the file's form; back to the file, with what happened."""
    youth = await run_in_threadpool(
        youth_in_scope, session, request, user, youth_id, "documents.upload"
    )
    # No transaction (nor SQLite's write lock) stays open while the file arrives.
    await run_in_threadpool(session.commit)
    try:
        form = await read_upload(
            request, before_file=lambda fields: check_csrf(request, fields.get(CSRF_FIELD, ""))
        )
    except MowakabaError as exc:
        return back_to_file(youth_id, exc.code)
    try:
        data = upload_fields(form.fields)
        document = await run_in_threadpool(
            lambda: save_upload(session, youth=youth, form=form, data=data, actor=user)
        )
    except MowakabaError as exc:
        form.abort()
        return back_to_file(youth_id, exc.code)
    audit(request, user, action="documents.upload", object_type="document",
          object_id=document.id, youth_id=youth_id)  # fmt: skip
    return back_to_file(youth_id, "uploaded")


@router.get("/youths/{youth_id}/documents/{document_id}/file")
def download_page(
    youth_id: RecordId, document_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("documents.download"))],
) -> Response:  # fmt: skip
    """Download a document's file from the youth file (scoped and audited like the API)."""
    document = scoped_document(session, request, user, youth_id, document_id,
                               "documents.download")  # fmt: skip
    if not storage.path_of(document.stored_name).is_file():
        raise NotFound(f"document {document_id}: its file is missing")
    return file_response(document)


@router.post("/youths/{youth_id}/documents/{document_id}/retire")
async def retire_page(
    youth_id: RecordId, document_id: RecordId, session: SessionDep, request: Request,
    user: Annotated[User, Depends(page_guard("documents.retire"))],
) -> Response:  # fmt: skip
    """Retire a document (replaced or withdrawn) with a reason; back to the file."""
    posted = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}

    def retire() -> str:
        youth = youth_in_scope(session, request, user, youth_id, "documents.retire")
        try:
            data = DocumentRetirement.model_validate(
                {"status": posted.get("status", ""), "reason": posted.get("reason", "")}
            )
        except ValueError:
            return InvalidInput.code
        try:
            document_service.retire_document(
                session, youth=youth, document_id=document_id, data=data, actor=user
            )
        except AlreadyClosed:
            return AlreadyClosed.code
        audit(request, user, action="documents.retire", object_type="document",
              object_id=document_id, youth_id=youth_id)  # fmt: skip
        return "retired"

    return back_to_file(youth_id, await run_in_threadpool(retire))
