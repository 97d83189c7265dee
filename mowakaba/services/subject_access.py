"""Subject access (Law 09-08, right of access): everything held on one young person.

`gather_subject_access` reads, for one youth and nothing of any other, every record class
of the file: identity, guardianship, contacts (current and past), consents, assessments,
plans (every version), milestones, work items and their escalations, extensions, case
notes (every version, sensitive ones flagged), documents (their records and files), the
timeline, referrals and what was shared with which partner under which consent,
incidents, transfers, follow-up checkpoints, the SMS sent to the youth, and the staff
these records name. Notes' text is read through `case_notes.note_history` and documents'
bytes through `documents.storage.read_bytes` (decrypted), never from the column or the file.

`archive` packs it as a zip: `subject-access.json` (one key per record class) and the
documents' files under `documents/<id>-<cleaned original name>`. The PDF is
mowakaba/access_report.py. The edge audits the export (format and counts, never content).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from mowakaba.clock import now
from mowakaba.errors import NotFound
from mowakaba.models import (
    Assessment,
    AssessmentAxis,
    CaseNote,
    Consent,
    Contact,
    Document,
    Escalation,
    ExitExtension,
    FollowUp,
    Guardianship,
    Incident,
    Institution,
    Milestone,
    Partner,
    PartnerService,
    Plan,
    Referral,
    ReferralTransition,
    SmsMessage,
    Transfer,
    User,
    WorkItem,
    Youth,
)
from mowakaba.services import case_notes as note_service
from mowakaba.services import timeline as timeline_service
from mowakaba.services.case_notes import SensitiveRead
from mowakaba.services.documents import content as document_content
from mowakaba.services.documents import storage as document_storage

FORMAT = "mowakaba-subject-access/1"
JSON_NAME = "subject-access.json"
# Record classes, in the order the export shows them (the JSON's keys under "records").
SECTIONS = (
    "youth", "guardianships", "contacts", "consents", "assessments", "assessment_axes",
    "plans", "milestones", "work_items", "escalations", "exit_extensions", "case_notes",
    "case_note_versions", "documents", "timeline", "referrals", "referral_transitions",
    "shared_with", "incidents", "transfers", "follow_ups", "sms_messages", "people",
)  # fmt: skip
# Internal columns that say nothing about the person: an index, a random file name.
DROPPED = {"search_name", "stored_name", "idempotency_key"}
# Columns naming a staff member: the export says who they are (name and role).
USER_FIELDS = {
    "mediator_id", "recorded_by_id", "withdrawn_by_id", "assessed_by_id", "submitted_by_id",
    "decided_by_id", "agreement_recorded_by_id", "assignee_id", "completed_by_id",
    "author_id", "written_by_id", "uploaded_by_id", "retired_by_id", "actor_id",
    "created_by_id", "override_by_id", "reported_by_id", "requested_by_id", "decision_by_id",
    "acknowledged_by_id", "approved_by_id", "recipient_id", "owner_id", "recipient_ids",
}  # fmt: skip
ALL = 1_000_000  # the whole timeline in one page


@dataclass
class SubjectAccess:
    """One youth's whole file: records by class, and the documents' files by archive name."""

    youth: Youth
    generated_at: datetime
    records: dict[str, list[dict[str, Any]]]
    files: dict[str, bytes] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many records of each class (what the audit row keeps: never content)."""
        return {name: len(rows) for name, rows in self.records.items()}


def row(record: SQLModel) -> dict[str, Any]:
    """A record's columns, as Python values (the internal ones dropped)."""
    return record.model_dump(exclude=DROPPED)


def _rows(session: Session, model: type[SQLModel], *where: Any, order: Any = None) -> list[Any]:
    query = select(model).where(*where).order_by(order if order is not None else col(model.id))  # type: ignore[attr-defined]
    return list(session.exec(query).all())


def gather_subject_access(
    session: Session,
    *,
    youth_id: int,
    reader: User,
    on_sensitive_read: SensitiveRead,
    with_files: bool = True,
) -> SubjectAccess:
    """Everything held on one youth, read as `reader` (who must read the case's notes);
    the documents' files too unless `with_files` is False (a count of the records)."""
    youth = session.get(Youth, youth_id)
    if youth is None:
        raise NotFound(f"youth {youth_id} not found")
    institution = session.get(Institution, youth.institution_id)
    identity = {**row(youth), "institution": institution.name if institution else None}
    records: dict[str, list[dict[str, Any]]] = {"youth": [identity]}
    for name, model in (("guardianships", Guardianship), ("contacts", Contact),
                        ("consents", Consent), ("assessments", Assessment), ("plans", Plan),
                        ("milestones", Milestone), ("work_items", WorkItem),
                        ("exit_extensions", ExitExtension), ("incidents", Incident),
                        ("transfers", Transfer), ("follow_ups", FollowUp),
                        ("sms_messages", SmsMessage), ("referrals", Referral)):  # fmt: skip
        records[name] = [row(r) for r in _rows(session, model, model.youth_id == youth_id)]  # type: ignore[attr-defined]
    assessment_ids = [r["id"] for r in records["assessments"]]
    records["assessment_axes"] = [
        row(r) for r in _rows(session, AssessmentAxis,
                              col(AssessmentAxis.assessment_id).in_(assessment_ids))
    ]  # fmt: skip
    item_ids = [r["id"] for r in records["work_items"]]
    records["escalations"] = [
        row(r) for r in _rows(session, Escalation, col(Escalation.work_item_id).in_(item_ids))
    ]
    referral_ids = [r["id"] for r in records["referrals"]]
    records["referral_transitions"] = [
        row(r) for r in _rows(session, ReferralTransition,
                              col(ReferralTransition.referral_id).in_(referral_ids))
    ]  # fmt: skip
    records["shared_with"] = shared_with(session, records["referrals"])
    records["case_notes"], records["case_note_versions"] = notes_of(
        session, youth_id=youth_id, reader=reader, on_sensitive_read=on_sensitive_read
    )
    events, _ = timeline_service.page_events(session, youth_id=youth_id, limit=ALL)
    records["timeline"] = [row(e) for e in reversed(events)]  # oldest first, as it happened
    records["documents"], files = documents_of(session, youth_id=youth_id, with_files=with_files)
    records["people"] = people_named(session, records)
    ordered = {name: records[name] for name in SECTIONS}
    return SubjectAccess(youth=youth, generated_at=now(), records=ordered, files=files)


def notes_of(
    session: Session, *, youth_id: int, reader: User, on_sensitive_read: SensitiveRead
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The youth's notes and every version of each, the text read through the notes'
    service; a note sensitive in any version is flagged `sensitive` in all of them."""
    notes, versions = [], []
    for note in _rows(session, CaseNote, CaseNote.youth_id == youth_id, order=col(CaseNote.number)):
        _, history = note_service.note_history(
            session, youth_id=youth_id, note_id=note.pk, viewer=reader,
            on_sensitive_read=on_sensitive_read,
        )  # fmt: skip
        sensitive = any(v.sensitivity.value != "none" for v in history)
        notes.append({**row(note), "sensitive": sensitive})
        for v in reversed(history):  # first version first
            versions.append({
                "note_id": note.pk, "note_number": note.number, "version": v.version,
                "kind": v.kind, "contact_date": v.contact_date, "sensitivity": v.sensitivity,
                "sensitive": sensitive, "with_whom": v.with_whom, "text": v.text,
                "reason": v.reason, "written_by_id": v.written_by_id, "written_at": v.written_at,
            })  # fmt: skip
    return notes, versions


def documents_of(
    session: Session, *, youth_id: int, with_files: bool = True
) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """The youth's documents (current and retired) and their files, read through the
    documents' storage; a file that is not there is said so (`file`: None)."""
    rows, files = [], {}
    for document in _rows(session, Document, Document.youth_id == youth_id):
        name = f"documents/{document.pk}-{document_content.clean_name(document.original_name)}"
        kept: str | None = name
        try:
            if with_files:
                files[name] = document_storage.read_bytes(document.stored_name)
        except FileNotFoundError:
            kept = None
        rows.append({**row(document), "file": kept})
    return rows, files


def shared_with(session: Session, referrals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What was sent to which partner organisation, when, under which consent (or the
    reason given for sending without one)."""
    shared = []
    for referral in referrals:
        if referral["sent_at"] is None:
            continue  # a draft never left the institution
        partner = session.get(Partner, referral["partner_id"])
        service = session.get(PartnerService, referral["service_id"])
        consent = session.get(Consent, referral["consent_id"]) if referral["consent_id"] else None
        shared.append({
            "referral_id": referral["id"], "partner_id": referral["partner_id"],
            "partner": partner.name if partner else None,
            "service": service.name if service else None, "sent_at": referral["sent_at"],
            "need": referral["need"], "shared_fields": referral["shared_fields"],
            "shared": referral["shared"], "consent_id": referral["consent_id"],
            "consent_purpose": consent.purpose if consent else None,
            "consent_given_by": consent.given_by if consent else None,
            "consent_given_date": consent.given_date if consent else None,
            "consent_withdrawn_at": consent.withdrawn_at if consent else None,
            "override_reason": referral["override_reason"],
        })  # fmt: skip
    return shared


def people_named(
    session: Session, records: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The staff the records name (by id): their name and role, nothing else."""
    ids = {
        one
        for rows in records.values()
        for r in rows
        for key, value in r.items()
        if key in USER_FIELDS
        for one in (value if isinstance(value, list) else [value])
        if isinstance(one, int)
    }
    users = _rows(session, User, col(User.id).in_(sorted(ids))) if ids else []
    return [{"id": u.id, "name": u.display_name or u.username, "role": u.role} for u in users]


def plain(value: Any) -> Any:
    """A value as JSON holds it: dates in ISO 8601, enumerations by their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not serialisable: {type(value).__name__}")


def to_json(access: SubjectAccess) -> bytes:
    """The export's JSON document: the youth's code, when, counts, and every record."""
    document = {
        "format": FORMAT, "youth_code": access.youth.code,
        "generated_at": access.generated_at, "counts": access.counts(),
        "records": access.records,
    }  # fmt: skip
    return json.dumps(document, default=plain, ensure_ascii=False, indent=1).encode("utf-8")


def archive(access: SubjectAccess) -> bytes:
    """The JSON archive: a zip of the JSON document and the documents' files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(JSON_NAME, to_json(access))
        for name, data in access.files.items():
            zipped.writestr(name, data)
    return buffer.getvalue()
