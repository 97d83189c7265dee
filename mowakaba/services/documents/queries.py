"""Reading a youth's documents (nothing is changed here)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from mowakaba.enums import DocumentStatus
from mowakaba.errors import NotFound
from mowakaba.models import Document


def current_documents(session: Session, *, youth_id: int) -> list[Document]:
    """A youth's documents in force, newest first."""
    return list(
        session.exec(
            select(Document)
            .where(Document.youth_id == youth_id, Document.status == DocumentStatus.current)
            .order_by(col(Document.id).desc())
        )
    )


def list_documents(
    session: Session, *, youth_id: int, include_retired: bool = True
) -> list[Document]:
    """A youth's documents, in force first, then newest first."""
    query = select(Document).where(Document.youth_id == youth_id)
    if not include_retired:
        query = query.where(Document.status == DocumentStatus.current)
    rows = session.exec(query.order_by(col(Document.id).desc())).all()
    return sorted(rows, key=lambda d: d.status != DocumentStatus.current)


def get_document(session: Session, *, youth_id: int, document_id: int) -> Document:
    """A document of a youth; another youth's is NotFound like a missing one."""
    document = session.get(Document, document_id)
    if document is None or document.youth_id != youth_id:
        raise NotFound(f"document {document_id} not found")
    return document
