"""Recording a youth's documents: the row of an uploaded file, and retiring one.

The file is written and checked before any row exists (`storage`, `content`); `add_document`
records it, retires the older document it replaces (cancelling that one's renewal),
meets the exit checklist item it answers, and — a signed plan — records the youth's
agreement to that plan version (`voice.signed_copy_uploaded`). Nothing is ever deleted: a
document is retired. The edge commits, and removes the file when the commit fails.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from mowakaba import document_rules
from mowakaba.casework_schemas import DocumentRetirement, DocumentUpload
from mowakaba.clock import now
from mowakaba.enums import DocumentKind, DocumentStatus, EventKind, WorkItemKind
from mowakaba.errors import AlreadyClosed, InvalidPayload
from mowakaba.models import Document, Plan, User, Youth
from mowakaba.services import calendars as calendar_service
from mowakaba.services import voice
from mowakaba.services.documents import checklist
from mowakaba.services.documents.queries import current_documents, get_document
from mowakaba.services.documents.storage import StoredFile
from mowakaba.services.timeline import record_event
from mowakaba.services.work_items import cancel_work_item, open_items


def add_document(
    session: Session,
    *,
    youth: Youth,
    data: DocumentUpload,
    stored: StoredFile,
    content_type: str,
    original_name: str,
    actor: User,
    at: datetime | None = None,
) -> Document:
    """Record a stored file as a youth's document; retire what it replaces; meet the
    checklist item it answers (see `checklist.meet_checklist_items`)."""
    at = at or now()
    plan: Plan | None = None
    if data.plan_id is not None:
        plan = session.get(Plan, data.plan_id)
        if plan is None or plan.youth_id != youth.id:
            raise InvalidPayload(f"plan_id: plan {data.plan_id} not found for youth {youth.id}")
    elif data.kind == DocumentKind.signed_plan:  # the version the youth is asked to agree to
        plan = voice.plan_to_sign(session, youth_id=youth.pk)
    document = Document(
        youth_id=youth.pk, kind=data.kind, issued_date=data.issued_date,
        expiry_date=data.expiry_date, original_name=original_name,
        stored_name=stored.stored_name, content_type=content_type, size=stored.size,
        sha256=stored.sha256, uploaded_by_id=actor.id, uploaded_at=at,
        plan_id=plan.id if plan else None,
    )  # fmt: skip
    session.add(document)
    session.flush()
    today = calendar_service.local_day(session, institution_id=youth.institution_id, at=at).today
    for older in current_documents(session, youth_id=youth.pk):
        if older.id != document.id and document_rules.replaces(
            document.kind, older.kind, new_plan=document.plan_id, old_plan=older.plan_id
        ):
            _retire(session, youth=youth, document=older, status=DocumentStatus.replaced,
                    reason=f"replaced by document {document.id}", actor=actor, at=at,
                    replaced_by=document.id)  # fmt: skip
    record_event(
        session, youth, EventKind.document_uploaded, on=today, actor_id=actor.id,
        data={"document_id": document.id, "kind": document.kind.value},
    )  # fmt: skip
    checklist.meet_checklist_items(session, youth=youth, at=at, actor=actor)
    if plan is not None:  # a signed copy: the youth's agreement to that version, if not yet
        voice.signed_copy_uploaded(session, plan=plan, youth=youth, document=document,
                                   actor=actor, today=today, at=at)  # fmt: skip
    session.flush()
    return document


def retire_document(
    session: Session,
    *,
    youth: Youth,
    document_id: int,
    data: DocumentRetirement,
    actor: User,
    at: datetime | None = None,
) -> Document:
    """Retire a document in force (replaced or withdrawn); its renewal item is cancelled.

    A checklist item it met stays met: it was true when it was ticked."""
    document = get_document(session, youth_id=youth.pk, document_id=document_id)
    if document.status != DocumentStatus.current:
        raise AlreadyClosed(f"document {document_id} is {document.status.value} already")
    _retire(session, youth=youth, document=document, status=DocumentStatus(data.status),
            reason=data.reason, actor=actor, at=at or now())  # fmt: skip
    session.flush()
    return document


def _retire(
    session: Session,
    *,
    youth: Youth,
    document: Document,
    status: DocumentStatus,
    reason: str,
    actor: User,
    at: datetime,
    replaced_by: int | None = None,
) -> None:
    today = calendar_service.local_day(session, institution_id=youth.institution_id, at=at).today
    document.status, document.retired_at, document.retired_by_id = status, at, actor.id
    document.retire_reason, document.replaced_by_id = reason[:500], replaced_by
    session.add(document)
    for item in open_items(session, youth_id=youth.pk, kinds={WorkItemKind.document_renewal}):
        if item.subject == f"d{document.id}":
            cancel_work_item(session, item=item, reason=f"document {status.value}", on=today,
                             youth=youth, actor_id=actor.id)  # fmt: skip
    record_event(
        session, youth, EventKind.document_retired, on=today, actor_id=actor.id,
        data={"document_id": document.id, "kind": document.kind.value, "status": status.value},
    )  # fmt: skip
