"""Real and fake files for the documents' tests, made on the spot."""

from __future__ import annotations

import io


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str = "PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, format=fmt)
    return out.getvalue()


FAKE_PDF = b"%PDF-1.7\n" + b"\x00garbage that no reader can parse\n" * 200


def store_document(session, youth, actor, data: bytes | None = None, *, declared=None,
                   name="scan.pdf", when=None, **fields):  # type: ignore[no-untyped-def]  # fmt: skip
    """Store, check and record a file as the API does (without committing)."""
    from mowakaba.casework_schemas import DocumentUpload
    from mowakaba.clock import now
    from mowakaba.services import documents as document_service
    from mowakaba.services.documents import content, storage

    data = pdf_bytes() if data is None else data
    part = storage.store_chunks([data[i : i + 4096] for i in range(0, len(data), 4096)])
    try:
        kind = content.check_content(part.part, head=part.head, declared=declared)
    except Exception:
        part.abort()
        raise
    stored = part.finish()
    values = {"kind": "national_id_card", "issued_date": "2024-01-10"} | fields
    return document_service.add_document(
        session, youth=youth, data=DocumentUpload.model_validate(values), stored=stored,
        content_type=kind, original_name=content.clean_name(name), actor=actor,
        at=when or now(),
    )  # fmt: skip
