"""Case notes and the contact log: dated notes on a youth, corrected only by new versions.

Who reads what (DESIGN.md §5, issue 13): the youth's mediator and the coordinators of
its institution read every note; a supervisor sees that a note exists (date, kind,
sensitivity, author) and reads the text of a note whose sensitivity is `none` only,
in every version (a note made sensitive once is sensitive in all its versions);
partners and admins read no note (the policy refuses them). Every time the text of a
sensitive version is shown, `on_sensitive_read` is called with the note: the edge
writes the audit row, so no path can show a sensitive text without one.

A version's text and reason are encrypted at rest by their column type
(`models.columns.EncryptedText`): this module reads and writes plain text; a missing key
is reported before anything is written (`crypto.require_key`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, func, select

from mowakaba import crypto
from mowakaba.casework_schemas import NoteCorrectionIn, NoteIn
from mowakaba.clock import now
from mowakaba.enums import EventKind, NoteKind, Role, Sensitivity
from mowakaba.errors import ImplausibleDates, InvalidInput, NotAllowed, NotFound
from mowakaba.models import CaseNote, CaseNoteVersion, User, Youth
from mowakaba.services import referrals as referral_service
from mowakaba.services.timeline import record_event

SensitiveRead = Callable[[CaseNote], None]


@dataclass(frozen=True)
class VersionView:
    """A version as a reader may see it: `text`, `with_whom` and `reason` are None when hidden."""

    version: int
    kind: NoteKind
    contact_date: date
    sensitivity: Sensitivity
    written_by_id: int
    written_at: datetime
    hidden: bool
    text: str | None
    with_whom: list[str] | None
    reason: str | None


@dataclass(frozen=True)
class NoteView:
    """A note with its current version, as a reader may see it."""

    note: CaseNote
    current: VersionView
    versions: int


def may_write(session: Session, *, user: User, youth: Youth) -> bool:
    """The youth's mediator, or a coordinator of the youth's institution, writes notes
    (the people who refer: one rule)."""
    return referral_service.may_refer(session, user=user, youth=youth)


def reads_text(user: User, sensitive: bool) -> bool:
    """Whether a role reads a note's text (the youth in its scope): mediators and
    coordinators all of them, supervisors those never sensitive, nobody else."""
    if user.role in (Role.mediator, Role.coordinator):
        return True
    return user.role == Role.supervisor and not sensitive


def write_note(
    session: Session, *, youth: Youth, data: NoteIn, actor: User, today: date,
    at: datetime | None = None,
) -> CaseNote:  # fmt: skip
    """Write a note (version 1) on the youth's file."""
    _check_writer(session, actor, youth)
    crypto.require_key()
    _check_date(data.contact_date, today)
    last = session.exec(
        select(func.max(CaseNote.number)).where(CaseNote.youth_id == youth.pk)
    ).one()
    moment = at or now()
    note = CaseNote(youth_id=youth.pk, number=(last or 0) + 1, author_id=actor.pk,
                    current_version=1, created_at=moment)  # fmt: skip
    session.add(note)
    session.flush()
    session.add(CaseNoteVersion(
        note_id=note.pk, version=1, kind=data.kind,
        with_whom=sorted({p.value for p in data.with_whom}), contact_date=data.contact_date,
        sensitivity=data.sensitivity, text=data.text, written_by_id=actor.pk, written_at=moment,
    ))  # fmt: skip
    record_event(session, youth, EventKind.case_note_written, on=today, actor_id=actor.id,
                 data={"note_id": note.id, "number": note.number, "note_kind": data.kind.value,
                       "sensitivity": data.sensitivity.value})  # fmt: skip
    session.flush()
    return note


def correct_note(
    session: Session, *, youth: Youth, note_id: int, data: NoteCorrectionIn, actor: User,
    today: date, at: datetime | None = None,
) -> CaseNote:  # fmt: skip
    """Correct a note: a new version (the fields sent change, the others are kept), with
    who, when and why; the earlier versions stay as they were."""
    _check_writer(session, actor, youth)
    crypto.require_key()
    note = _note_of(session, youth.pk, note_id)
    last = _version(session, note.pk, note.current_version)
    new = CaseNoteVersion(
        note_id=note.pk, version=last.version + 1,
        kind=data.kind or last.kind,
        with_whom=sorted({p.value for p in data.with_whom}) if data.with_whom else last.with_whom,
        contact_date=data.contact_date or last.contact_date,
        sensitivity=data.sensitivity or last.sensitivity,
        text=data.text if data.text is not None else last.text,
        reason=data.reason, written_by_id=actor.pk, written_at=at or now(),
    )  # fmt: skip
    _check_date(new.contact_date, today)
    fields = ("kind", "with_whom", "contact_date", "sensitivity", "text")
    if all(getattr(new, f) == getattr(last, f) for f in fields):
        raise InvalidInput(f"note {note_id}: the correction changes nothing")
    session.add(new)
    note.current_version = new.version
    session.add(note)
    record_event(session, youth, EventKind.case_note_corrected, on=today, actor_id=actor.id,
                 data={"note_id": note.id, "number": note.number, "version": new.version,
                       "sensitivity": new.sensitivity.value})  # fmt: skip
    session.flush()
    return note


def list_notes(
    session: Session, *, youth_id: int, viewer: User, on_sensitive_read: SensitiveRead,
    limit: int = 1000, offset: int = 0,
) -> tuple[list[NoteView], int]:  # fmt: skip
    """A page of the youth's notes (current versions), the latest contact first, and the
    total; only the page's notes count as read."""
    notes = {n.pk: n for n in session.exec(select(CaseNote).where(CaseNote.youth_id == youth_id))}
    if not notes:
        return [], 0
    current = session.exec(
        select(CaseNoteVersion)
        .join(CaseNote, col(CaseNote.id) == col(CaseNoteVersion.note_id))
        .where(CaseNote.youth_id == youth_id,
               col(CaseNoteVersion.version) == col(CaseNote.current_version))
    ).all()  # fmt: skip
    current = sorted(current, key=lambda v: (v.contact_date, notes[v.note_id].number),
                     reverse=True)  # fmt: skip
    # A note sensitive in any version is sensitive in all of them (its earlier text too).
    sensitive = set(
        session.exec(
            select(CaseNoteVersion.note_id)
            .where(col(CaseNoteVersion.note_id).in_(list(notes)),
                   CaseNoteVersion.sensitivity != Sensitivity.none)
            .distinct()
        ).all()
    )  # fmt: skip
    views = []
    for version in current[offset : offset + limit]:
        note = notes[version.note_id]
        shown = _shown(version, viewer, note.pk in sensitive)
        if not shown.hidden and note.pk in sensitive:
            on_sensitive_read(note)
        views.append(NoteView(note=note, current=shown, versions=note.current_version))
    return views, len(current)


def note_history(
    session: Session, *, youth_id: int, note_id: int, viewer: User,
    on_sensitive_read: SensitiveRead,
) -> tuple[NoteView, list[VersionView]]:  # fmt: skip
    """A note and every version of it, the newest first (one sensitive read if any
    sensitive text is shown)."""
    note = _note_of(session, youth_id, note_id)
    rows = session.exec(
        select(CaseNoteVersion)
        .where(CaseNoteVersion.note_id == note.pk)
        .order_by(col(CaseNoteVersion.version).desc())
    ).all()
    sensitive = any(v.sensitivity != Sensitivity.none for v in rows)
    versions = [_shown(v, viewer, sensitive) for v in rows]
    if sensitive and not versions[0].hidden:
        on_sensitive_read(note)
    return NoteView(note=note, current=versions[0], versions=len(versions)), versions


def _shown(version: CaseNoteVersion, viewer: User, sensitive: bool) -> VersionView:
    """The version as the viewer reads it: `sensitive` is the note's, any version's."""
    reads = reads_text(viewer, sensitive)
    return VersionView(
        version=version.version, kind=version.kind, contact_date=version.contact_date,
        sensitivity=version.sensitivity, written_by_id=version.written_by_id,
        written_at=version.written_at, hidden=not reads,
        text=version.text if reads else None,
        with_whom=list(version.with_whom) if reads else None,
        reason=version.reason if reads else None,
    )  # fmt: skip


def _note_of(session: Session, youth_id: int, note_id: int) -> CaseNote:
    note = session.get(CaseNote, note_id)
    if note is None or note.youth_id != youth_id:
        raise NotFound(f"note {note_id} not found")
    return note


def _version(session: Session, note_id: int, version: int) -> CaseNoteVersion:
    found = session.exec(
        select(CaseNoteVersion).where(
            CaseNoteVersion.note_id == note_id, CaseNoteVersion.version == version
        )
    ).one()
    return found


def _check_writer(session: Session, actor: User, youth: Youth) -> None:
    if not may_write(session, user=actor, youth=youth):
        raise NotAllowed(f"user {actor.id} may not write notes on youth {youth.id}")


def _check_date(day: date, today: date) -> None:
    if day > today:
        raise ImplausibleDates(f"a contact dated {day}, after today ({today})")
