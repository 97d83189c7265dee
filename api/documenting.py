"""The documents' edge, shared by the API and the pages: reading a multipart upload as it
arrives, saving it, loading a document in scope, serving its file.

Reading a multipart upload as it arrives: the file part goes straight to the documents
folder (`storage.Upload`, counted chunk by chunk), the few text fields stay in memory
(bounded). No body is read whole: past the size limit the request is refused at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlmodel import Session, select

from api.deps import audit
from api.policy import youth_scope
from mowakaba.casework_schemas import DocumentUpload
from mowakaba.enums import AuditOutcome
from mowakaba.errors import DocumentTooLarge, InvalidInput, NotFound
from mowakaba.models import Document, User, Youth
from mowakaba.services import documents as document_service
from mowakaba.services.documents import content, storage
from mowakaba.settings import get_settings

# Room for the text fields and the multipart framing around the file.
OVERHEAD_BYTES = 64 * 1024
MAX_FIELD_BYTES = 4096
MAX_FIELDS = 20


@dataclass
class UploadForm:
    """The text fields of a multipart form, and its one file (written, not yet renamed)."""

    fields: dict[str, str] = field(default_factory=dict)
    upload: storage.Upload | None = None
    filename: str | None = None
    declared_type: str | None = None

    def abort(self) -> None:
        """Remove the file part (the upload was refused); nothing once it was saved."""
        if self.upload is not None:
            self.upload.abort()

    def digest(self) -> str | None:
        """The SHA-256 of the file received so far (None: no file)."""
        return self.upload.digest.hexdigest() if self.upload is not None else None


class _Collector:
    def __init__(
        self, file_field: str, max_bytes: int, before_file: Callable[[dict[str, str]], None]
    ) -> None:
        self.form = UploadForm()
        self.before_file, self.checked = before_file, False
        self.file_field, self.max_bytes = file_field, max_bytes
        self.headers: dict[bytes, bytes] = {}
        self.name = self.value = b""
        self.data = bytearray()
        self.is_file = False
        self.field_name = ""

    def on_part_begin(self) -> None:
        self.headers, self.data, self.is_file = {}, bytearray(), False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.name.lower()] = self.value
        self.name = self.value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        raw_name = options.get(b"name")
        if raw_name is None:
            raise InvalidInput("file: a form part has no name")
        self.field_name = raw_name.decode("utf-8", "replace")
        if b"filename" in options:
            if self.field_name != self.file_field or self.form.upload is not None:
                raise InvalidInput(f"file: one file only, in the field {self.file_field!r}")
            # The fields before the file (a page's CSRF token) are checked before any of
            # the file is written.
            self.before_file(self.form.fields)
            self.checked = True
            self.is_file = True
            self.form.filename = options[b"filename"].decode("utf-8", "replace")
            declared = self.headers.get(b"content-type")
            self.form.declared_type = declared.decode("latin-1")[:100] if declared else None
            self.form.upload = storage.Upload(max_bytes=self.max_bytes)
        elif len(self.form.fields) >= MAX_FIELDS:
            raise InvalidInput("too many form fields")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.is_file:
            assert self.form.upload is not None
            self.form.upload.write(data[start:end])
        else:
            self.data += data[start:end]
            if len(self.data) > MAX_FIELD_BYTES:
                raise InvalidInput(f"{self.field_name[:40]}: too long")

    def on_part_end(self) -> None:
        if self.is_file:
            assert self.form.upload is not None
            self.form.upload.close()
        else:
            try:
                self.form.fields[self.field_name] = self.data.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(f"{self.field_name[:40]}: not UTF-8 text") from None


def _nothing(_fields: dict[str, str]) -> None:
    return None


async def read_upload(
    request: Request,
    *,
    file_field: str = "file",
    before_file: Callable[[dict[str, str]], None] = _nothing,
) -> UploadForm:
    """Read a multipart/form-data request: its fields, and its file streamed to storage.

    Refuses (DocumentTooLarge) a body past the limit as soon as it is known: from its
    Content-Length before reading, or while reading a chunked one.
    """
    max_bytes = get_settings().document_max_bytes
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InvalidInput("file: send the document as multipart/form-data")
    declared_length = request.headers.get("content-length", "")
    if declared_length.isdigit() and int(declared_length) > max_bytes + OVERHEAD_BYTES:
        raise DocumentTooLarge(f"file: larger than the limit of {max_bytes // (1024 * 1024)} MB")
    collector = _Collector(file_field, max_bytes, before_file)
    callbacks = {
        name: getattr(collector, name)
        for name in ("on_part_begin", "on_header_field", "on_header_value", "on_header_end",
                     "on_headers_finished", "on_part_data", "on_part_end")
    }  # fmt: skip
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes + OVERHEAD_BYTES:
                raise DocumentTooLarge(
                    f"file: larger than the limit of {max_bytes // (1024 * 1024)} MB"
                )
            parser.write(chunk)
        parser.finalize()
        if not collector.checked:
            before_file(collector.form.fields)
    except FormParserError:
        collector.form.abort()
        raise InvalidInput("file: the multipart form could not be read") from None
    except BaseException:
        collector.form.abort()
        raise
    return collector.form


def upload_fields(fields: dict[str, str]) -> DocumentUpload:
    """The upload's text fields as a DocumentUpload (422 naming the field otherwise)."""
    known = {"kind", "issued_date", "expiry_date", "plan_id"}
    data = {k: v for k, v in fields.items() if k in known and v.strip() != ""}
    try:
        return DocumentUpload.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise InvalidInput(f"{where}: {first['msg']}") from None


def save_upload(
    session: Session, *, youth: Youth, form: UploadForm, data: DocumentUpload, actor: User
) -> Document:
    """Check the streamed file by its content, rename it to its random name, record it and
    commit; the file is removed when anything fails (no orphan, no half file). The youth's
    scope is checked again, its row locked, in the transaction that saves: the file took
    its time to arrive, and the youth may have moved meanwhile (404, as if never seen)."""
    if form.upload is None or form.upload.size == 0:
        form.abort()
        raise InvalidInput("file: a PDF, JPEG or PNG file is required")
    stored = None
    try:
        content_type = content.check_content(
            form.upload.part, head=form.upload.head, declared=form.declared_type
        )
        youth = session.exec(
            select(Youth).where(Youth.id == youth.pk).with_for_update()
            .execution_options(populate_existing=True)  # as it is now, not as first read
        ).one()  # fmt: skip
        if not youth_scope(session, actor).sees(youth):
            raise NotFound(f"youth {youth.pk} not found")
        stored = form.upload.finish()
        document = document_service.add_document(
            session, youth=youth, data=data, stored=stored, content_type=content_type,
            original_name=content.clean_name(form.filename), actor=actor,
        )  # fmt: skip
        session.commit()
    except BaseException:
        session.rollback()
        if stored is None:
            form.abort()
        else:
            storage.discard(stored.stored_name)
        raise
    return document


def scoped_document(
    session: Session, request: Request, user: User, youth_id: int, document_id: int,
    action: str,
) -> Document:  # fmt: skip
    """A document of a youth the caller sees, audited once (as the document); otherwise
    404, audited, exactly like a missing id."""
    youth = session.get(Youth, youth_id)
    document = session.get(Document, document_id)
    if (
        youth is None
        or not youth_scope(session, user).sees(youth)
        or document is None
        or document.youth_id != youth_id
    ):
        audit(request, user, action=action, object_type="document", object_id=document_id,
              youth_id=youth_id if youth else None, outcome=AuditOutcome.not_found)  # fmt: skip
        raise NotFound(f"document {document_id} not found")
    audit(request, user, action=action, object_type="document", object_id=document_id,
          youth_id=youth_id)  # fmt: skip
    return document


def file_response(document: Document) -> StreamingResponse:
    """The stored file as an attachment, decrypted as it streams: a safe name, never
    sniffed, never cached (the key is checked before the answer starts)."""
    ascii_name = content.download_name(document.original_name, document.content_type)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''" + quote(
        document.original_name.encode("utf-8"), safe=""
    )
    return StreamingResponse(
        storage.open_chunks(document.stored_name),
        media_type=document.content_type,
        headers={
            "Content-Length": str(document.size),
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store, private",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
