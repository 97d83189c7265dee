"""What the case file's routes and pages share: the audit of sensitive reads."""

from __future__ import annotations

from fastapi import Request

from api.deps import audit
from mowakaba.models import CaseNote, User
from mowakaba.services import case_notes as note_service

SENSITIVE_READ = "notes.read_sensitive"


def sensitive_reads(request: Request, user: User) -> note_service.SensitiveRead:
    """Audit each sensitive note whose text an answer or a page shows, naming the note."""

    def read(note: CaseNote) -> None:
        audit(request, user, action=SENSITIVE_READ, object_type="case_note",
              object_id=note.id, youth_id=note.youth_id)  # fmt: skip

    return read
