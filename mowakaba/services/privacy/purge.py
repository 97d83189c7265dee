"""Purge one youth's records of some classes, in the caller's transaction, audited.

The same code serves the retention flow and an approved objection or deletion request.
Each class purged writes one audit row (action `purge`, the class as object type, the
row counts in `detail`, never content); a class with nothing left writes nothing, so a
second purge changes and audits nothing. Documents' files are removed by the caller
after the commit (`PurgeResult.files`; a file left by a crash is an orphan the next
retention run removes). The youth's Prefect runs are deleted by the flow's task, outside
the core: the purge leaves a `pending` mark, which the task clears (and audits) once
Prefect has answered, or the next run retries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, func, select, update

from mowakaba.clock import local_date, now
from mowakaba.enums import EventKind, RecordClass, Sensitivity, Stage
from mowakaba.errors import NotFound, OnLegalHold
from mowakaba.models import CaseNote, CaseNoteVersion, Document, RetentionPurge, User, Youth
from mowakaba.services.privacy.audit import privacy_audit
from mowakaba.services.privacy.holds import active_hold
from mowakaba.services.privacy.pseudonymise import pseudonymise_case_file
from mowakaba.services.reconciliation import lock_youth
from mowakaba.services.timeline import record_event
from mowakaba.settings import get_settings

# The classes of one youth's file, in the order they are purged.
YOUTH_CLASSES = (
    RecordClass.documents,
    RecordClass.sensitive_notes,
    RecordClass.case_file,
    RecordClass.run_history,
)


@dataclass
class PurgeResult:
    """What a purge of one youth did (or, dry, would do): rows per class and table."""

    youth_id: int
    code: str
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # stored names to remove after commit
    runs_pending: bool = False  # Prefect's runs of the youth still to delete

    def to_json(self) -> dict[str, object]:
        return {
            "youth_id": self.youth_id,
            "code": self.code,
            "rows": self.rows,
            "files": self.files,
            "runs_pending": self.runs_pending,
        }


def _mark(session: Session, youth_id: int, record_class: RecordClass) -> RetentionPurge | None:
    return session.exec(
        select(RetentionPurge).where(
            RetentionPurge.youth_id == youth_id, RetentionPurge.record_class == record_class
        )
    ).first()


def _documents(session: Session, youth: Youth, dry: bool, result: PurgeResult) -> dict[str, int]:
    names = list(session.exec(select(Document.stored_name).where(Document.youth_id == youth.pk)))
    if names and not dry:
        # A replaced document points at its replacement: unlink before deleting.
        session.exec(
            update(Document)
            .where(col(Document.youth_id) == youth.pk)  # type: ignore[call-overload]
            .values(replaced_by_id=None)
        )
        session.exec(sa.delete(Document).where(col(Document.youth_id) == youth.pk))  # type: ignore[call-overload]
        result.files.extend(names)
    return {"document": len(names)} if names else {}


def _sensitive_notes(
    session: Session, youth: Youth, dry: bool, result: PurgeResult
) -> dict[str, int]:
    # A note is sensitive if any of its versions is: a note corrected from "none" to
    # "health" keeps the same text in its first version, so the whole note goes.
    notes = select(CaseNote.id).where(col(CaseNote.youth_id) == youth.pk)
    note_ids = sorted(
        {
            int(i)
            for i in session.exec(
                select(CaseNoteVersion.note_id).where(
                    col(CaseNoteVersion.note_id).in_(notes),
                    col(CaseNoteVersion.sensitivity) != Sensitivity.none,
                )
            )
        }
    )
    if not note_ids:
        return {}
    of_them = col(CaseNoteVersion.note_id).in_(note_ids)
    versions = int(session.exec(select(func.count()).where(of_them)).one())
    counts = {"case_note_version": versions, "case_note": len(note_ids)}
    if not dry:
        session.exec(sa.delete(CaseNoteVersion).where(of_them))  # type: ignore[call-overload]
        session.exec(sa.delete(CaseNote).where(col(CaseNote.id).in_(note_ids)))  # type: ignore[call-overload]
    return counts


def _case_file(session: Session, youth: Youth, dry: bool, result: PurgeResult) -> dict[str, int]:
    if _mark(session, youth.pk, RecordClass.case_file) is not None:
        return {}
    if dry:
        return {"youth": 1}
    counts = pseudonymise_case_file(session, youth=youth)
    session.add(
        RetentionPurge(youth_id=youth.pk, record_class=RecordClass.case_file, purged_at=now())
    )
    return counts


def _run_history(session: Session, youth: Youth, dry: bool, result: PurgeResult) -> dict[str, int]:
    mark = _mark(session, youth.pk, RecordClass.run_history)
    if mark is None and not dry:
        session.add(
            RetentionPurge(
                youth_id=youth.pk,
                record_class=RecordClass.run_history,
                pending=True,
                purged_at=now(),
            )
        )
    result.runs_pending = mark is None or mark.pending
    return {}  # audited by `finish_run_history`, with the runs Prefect deleted


PURGERS: dict[RecordClass, Callable[[Session, Youth, bool, PurgeResult], dict[str, int]]] = {
    RecordClass.documents: _documents,
    RecordClass.sensitive_notes: _sensitive_notes,
    RecordClass.case_file: _case_file,
    RecordClass.run_history: _run_history,
}


def purge_youth(
    session: Session,
    *,
    youth_id: int,
    classes: Iterable[RecordClass],
    actor: User | None,
    cause: str,
    dry_run: bool = False,
) -> PurgeResult:
    """Purge (or, dry, count) a youth's records of some classes; refuse a held file.

    `cause` says why, ids only: "retention" or "request:<id>". Never commits.
    """
    youth = session.get(Youth, youth_id) if dry_run else lock_youth(session, youth_id)
    if youth is None:
        raise NotFound(f"youth {youth_id} not found")
    hold = active_hold(session, youth_id=youth_id)
    if hold is not None:
        # The hold's reason stays on the youth's privacy page: an admin deciding a request
        # holds no case data (docs/privacy.md).
        raise OnLegalHold(f"youth {youth_id} is on legal hold (placed {hold.placed_at:%Y-%m-%d})")
    result = PurgeResult(youth_id=youth_id, code=youth.code)
    wanted = set(classes)
    if RecordClass.case_file in wanted:  # a pseudonymised file keeps no scans, no sensitive notes
        wanted |= {RecordClass.documents, RecordClass.sensitive_notes}
    for record_class in (c for c in YOUTH_CLASSES if c in wanted):
        rows = PURGERS[record_class](session, youth, dry_run, result)
        if rows:
            result.rows[record_class.value] = rows
            if not dry_run:
                privacy_audit(
                    session,
                    actor=actor,
                    action="purge",
                    object_type=record_class.value,
                    object_id=youth_id,
                    youth_id=youth_id,
                    detail={"rows": rows, "cause": cause},
                )
    if result.rows and not dry_run:
        record_event(
            session,
            youth,
            EventKind.records_purged,
            on=local_date(now(), get_settings().default_time_zone),
            actor_id=actor.id if actor else None,
            data={"classes": sorted(result.rows), "cause": cause},
        )
    session.flush()
    return result


def pending_run_history(session: Session, *, youth_ids: Iterable[int] | None = None) -> list[int]:
    """Return the youths whose Prefect runs are still to delete."""
    query = select(RetentionPurge.youth_id).where(
        RetentionPurge.record_class == RecordClass.run_history, col(RetentionPurge.pending)
    )
    if youth_ids is not None:
        query = query.where(col(RetentionPurge.youth_id).in_(list(youth_ids)))
    return list(session.exec(query.order_by(col(RetentionPurge.youth_id))))


def closed_among(session: Session, youth_ids: Iterable[int]) -> set[int]:
    """The youths of a list whose file is closed."""
    ids = list(youth_ids)
    if not ids:
        return set()
    closed = select(Youth.id).where(col(Youth.id).in_(ids), col(Youth.stage) == Stage.closed)
    return {int(i) for i in session.exec(closed) if i is not None}


def finish_run_history(session: Session, *, youth_id: int, deleted: int) -> None:
    """Record that Prefect deleted a youth's runs: clear the mark, audit the count."""
    mark = _mark(session, youth_id, RecordClass.run_history)
    if mark is None or not mark.pending:
        return
    mark.pending = False
    mark.purged_at = now()
    session.add(mark)
    privacy_audit(
        session,
        actor=None,
        action="purge",
        object_type=RecordClass.run_history.value,
        object_id=youth_id,
        youth_id=youth_id,
        detail={"rows": {"flow_run": deleted}, "cause": "retention"},
    )
    session.flush()


def record_old_runs(session: Session, *, deleted: int) -> None:
    """Audit the deletion of Prefect runs past their age (no youth: every flow's)."""
    if deleted:
        privacy_audit(
            session,
            actor=None,
            action="purge",
            object_type=RecordClass.run_history.value,
            detail={"rows": {"flow_run": deleted}, "cause": "retention"},
        )
        session.flush()
