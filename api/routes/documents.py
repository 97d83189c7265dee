"""A youth's documents: upload (multipart, streamed), list, read, download, retire.

Every route loads the youth through the caller's scope first: another caseload's or
institution's document answers 404 exactly like a missing id. Every download is audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from api.deps import GuardedRoute, SessionDep, audit, require
from api.documenting import file_response, read_upload, save_upload, scoped_document, upload_fields
from api.routes.common import IdempotencyKey, IdPath, idempotent, scoped_youth
from mowakaba.casework_schemas import DocumentRetirement
from mowakaba.enums import DocumentKind, DocumentStatus
from mowakaba.errors import NotFound
from mowakaba.models import Document, User
from mowakaba.services import documents as document_service
from mowakaba.services.documents import storage

router = APIRouter(tags=["documents"], route_class=GuardedRoute)

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "issued_date", "file"],
                    "properties": {
                        "kind": {"type": "string", "enum": [k.value for k in DocumentKind]},
                        "issued_date": {"type": "string", "format": "date"},
                        "expiry_date": {"type": "string", "format": "date"},
                        "plan_id": {"type": "integer", "minimum": 1},
                        "file": {"type": "string", "format": "binary",
                                 "description": "PDF, JPEG or PNG, checked by its content"},
                    },
                }
            }
        },
    }
}  # fmt: skip


class DocumentOut(BaseModel):
    id: int
    youth_id: int
    kind: DocumentKind
    issued_date: date
    expiry_date: date | None
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by_id: int | None
    uploaded_at: datetime
    plan_id: int | None
    status: DocumentStatus
    retired_at: datetime | None
    retire_reason: str | None
    replaced_by_id: int | None


def document_out(document: Document) -> DocumentOut:
    return DocumentOut.model_validate(document, from_attributes=True)


@router.post("/youths/{youth_id}/documents", status_code=201, response_model=DocumentOut,
             openapi_extra=UPLOAD_BODY)  # fmt: skip
async def upload_document(
    youth_id: IdPath, request: Request, session: SessionDep,
    user: Annotated[User, Depends(require("documents.upload"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    """Upload a document (multipart: kind, issued_date, expiry_date, plan_id, file). PDF,
    JPEG or PNG only, checked by content; limited in size; stored under a random name. An ID
    card, birth certificate or health-coverage card in force meets its exit checklist item.
    The same Idempotency-Key with the same fields and file replays the first answer."""
    youth = await run_in_threadpool(
        scoped_youth, session, request, user, youth_id, "documents.upload"
    )
    # No transaction (nor SQLite's write lock) stays open while the file arrives.
    await run_in_threadpool(session.commit)
    form = await read_upload(request)
    created: list[int] = []
    try:
        data = upload_fields(form.fields)
        # The key's request: the fields and the file's digest (the file itself is not kept).
        body = {**data.model_dump(mode="json"), "file_sha256": form.digest()}

        def create() -> dict:
            document = save_upload(session, youth=youth, form=form, data=data, actor=user)
            created.append(document.pk)
            return document_out(document).model_dump(mode="json")

        response = await run_in_threadpool(
            lambda: idempotent(session, request=request, user=user, key=idempotency_key,
                               body=body, create=create)
        )  # fmt: skip
    finally:
        form.abort()  # a replay or a refusal keeps no file (a saved one was renamed already)
    for document_id in created:
        audit(request, user, action="documents.upload", object_type="document",
              object_id=document_id, youth_id=youth_id)  # fmt: skip
    return response


@router.get("/youths/{youth_id}/documents", response_model=list[DocumentOut])
def list_documents(
    youth_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("documents.list"))],
) -> list[DocumentOut]:  # fmt: skip
    """The youth's documents: in force first, then the retired ones, newest first."""
    scoped_youth(session, request, user, youth_id, "documents.list")
    return [document_out(d) for d in document_service.list_documents(session, youth_id=youth_id)]


@router.get("/youths/{youth_id}/documents/{document_id}", response_model=DocumentOut)
def read_document(
    youth_id: IdPath, document_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("documents.read"))],
) -> DocumentOut:  # fmt: skip
    """One document's record (not its file)."""
    return document_out(
        scoped_document(session, request, user, youth_id, document_id, "documents.read")
    )


@router.get("/youths/{youth_id}/documents/{document_id}/file")
def download_document(
    youth_id: IdPath, document_id: IdPath, session: SessionDep, request: Request,
    user: Annotated[User, Depends(require("documents.download"))],
) -> StreamingResponse:  # fmt: skip
    """The document's file, as an attachment; every download is audited."""
    document = scoped_document(session, request, user, youth_id, document_id, "documents.download")
    if not storage.path_of(document.stored_name).is_file():
        raise NotFound(f"document {document_id}: its file is missing")
    return file_response(document)


@router.post("/youths/{youth_id}/documents/{document_id}/retire", response_model=DocumentOut)
def retire_document(
    youth_id: IdPath, document_id: IdPath, body: DocumentRetirement, session: SessionDep,
    request: Request, user: Annotated[User, Depends(require("documents.retire"))],
    idempotency_key: IdempotencyKey = None,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Retire a document in force: replaced or withdrawn, with a reason (never deleted)."""
    youth = scoped_youth(session, request, user, youth_id, "documents.retire")

    def retire() -> DocumentOut:
        document = document_service.retire_document(
            session, youth=youth, document_id=document_id, data=body, actor=user
        )
        audit(request, user, action="documents.retire", object_type="document",
              object_id=document_id, youth_id=youth_id)  # fmt: skip
        return document_out(document)

    return idempotent(session, request=request, user=user, key=idempotency_key, body=body,
                      create=retire, status_code=200)  # fmt: skip
