"""Retention: when each record class falls due, which youths are due, the age-based purges.

The case classes (documents, sensitive notes, case file, run history) count from the
youth's `closed_date` (DESIGN.md §2: `closed` starts the retention clock); the audit
trail and the notifications from each row's own age (settings.Retention). Once the case
file is due, the documents and sensitive notes are too: a pseudonymised file keeps none.
"""

from __future__ import annotations

import contextlib
import time
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from mowakaba.clock import local_date
from mowakaba.enums import RecordClass, Stage
from mowakaba.models import (
    AuditEvent,
    Document,
    IdempotencyRecord,
    LegalHold,
    Notification,
    RetentionPurge,
    SmsMessage,
    Youth,
)
from mowakaba.rules import add_months
from mowakaba.services.privacy.audit import privacy_audit
from mowakaba.settings import Retention, get_settings

# Never below this, whatever the settings (the audit triggers refuse younger rows).
AUDIT_FLOOR_YEARS = 5
# How long the answer to a POST with an Idempotency-Key is kept for a retry to replay.
IDEMPOTENCY_KEPT = timedelta(days=1)


def _spans(retention: Retention) -> dict[RecordClass, int]:
    """Months from closure to each case class's purge."""
    return {
        RecordClass.documents: 12 * retention.documents_years,
        RecordClass.sensitive_notes: 12 * retention.sensitive_notes_years,
        RecordClass.case_file: 12 * retention.case_file_years,
        RecordClass.run_history: retention.run_history_months,
    }


def due_dates(youth: Youth, retention: Retention | None = None) -> dict[RecordClass, date]:
    """The day each case class of a closed youth falls due (empty: not closed)."""
    if youth.closed_date is None:
        return {}
    spans = _spans(retention or get_settings().retention)
    dates = {c: add_months(youth.closed_date, months) for c, months in spans.items()}
    for record_class in (RecordClass.documents, RecordClass.sensitive_notes):
        dates[record_class] = min(dates[record_class], dates[RecordClass.case_file])
    return dates


def due_classes(youth: Youth, today: date, retention: Retention | None = None) -> list[RecordClass]:
    """The case classes of a youth due on a day."""
    return [c for c, day in due_dates(youth, retention).items() if day <= today]


def find_due_youths(session: Session, *, today: date, after_id: int, limit: int) -> list[int]:
    """A batch of closed youths, by id after `after_id`, with a class due and not yet done:
    not on hold, and not both pseudonymised and rid of their runs."""
    first = min(_spans(get_settings().retention).values())
    done = {
        c: sa.exists().where(
            col(RetentionPurge.youth_id) == col(Youth.id),
            col(RetentionPurge.record_class) == c,
            sa.not_(col(RetentionPurge.pending)),
        )
        for c in (RecordClass.case_file, RecordClass.run_history)
    }
    held = sa.exists().where(
        col(LegalHold.youth_id) == col(Youth.id), col(LegalHold.lifted_at).is_(None)
    )
    query = (
        select(Youth.id)
        .where(
            col(Youth.id) > after_id,
            col(Youth.stage) == Stage.closed,
            col(Youth.closed_date) <= add_months(today, -first),
            sa.not_(sa.and_(done[RecordClass.case_file], done[RecordClass.run_history])),
            sa.not_(held),
        )
        .order_by(col(Youth.id))
        .limit(limit)
    )
    return [int(i) for i in session.exec(query) if i is not None]


def cutoffs(at: datetime, retention: Retention | None = None) -> dict[RecordClass, datetime]:
    """Rows created before these instants are due (the age-based classes)."""
    retention = retention or get_settings().retention
    years = max(retention.audit_trail_years, AUDIT_FLOOR_YEARS)
    return {
        RecordClass.audit_trail: _months_before(at, 12 * years),
        RecordClass.notifications: _months_before(at, retention.notifications_months),
        RecordClass.run_history: _months_before(at, retention.run_history_months),
    }


def _months_before(at: datetime, months: int) -> datetime:
    return datetime.combine(add_months(at.date(), -months), at.timetz())


def purge_aged(
    session: Session, *, at: datetime, dry_run: bool = False, limit: int = 5000
) -> dict[str, dict[str, int]]:
    """Delete (or count) a batch of audit rows and notifications past their age; audited
    (one row per class, counts only). Returns rows per class and table."""
    limits = cutoffs(at)  # run_history: Prefect's, deleted by the flow's task
    tables: dict[RecordClass, list[tuple[str, Any, Any]]] = {
        RecordClass.audit_trail: [("audit_event", AuditEvent, AuditEvent.occurred_at)],
        RecordClass.notifications: [
            ("notification", Notification, Notification.created_at),
            ("sms_message", SmsMessage, SmsMessage.created_at),
        ],
    }
    found: dict[str, dict[str, int]] = {}
    for record_class, entries in tables.items():
        for table, model, created in entries:
            # A held file keeps everything, its audit rows and messages included (they
            # may be the evidence the hold is for).
            held = sa.exists().where(
                col(LegalHold.youth_id) == col(model.youth_id), col(LegalHold.lifted_at).is_(None)
            )
            ids = list(
                session.exec(
                    select(model.id)
                    .where(col(created) < limits[record_class], sa.not_(held))
                    .order_by(col(model.id))
                    .limit(limit)
                )
            )
            if not ids:
                continue
            found.setdefault(record_class.value, {})[table] = len(ids)
            if not dry_run:
                session.exec(sa.delete(model).where(col(model.id).in_(ids)))  # type: ignore[call-overload]
    # The answers kept to replay a retried POST (Idempotency-Key) serve a day: they may
    # hold what was written (encrypted), never kept longer than a retry needs.
    stale = select(IdempotencyRecord.id).where(
        col(IdempotencyRecord.created_at) < at - IDEMPOTENCY_KEPT
    )
    if answers := list(session.exec(stale.order_by(col(IdempotencyRecord.id)).limit(limit))):
        found.setdefault("idempotency", {})["idempotency_record"] = len(answers)
        if not dry_run:
            session.exec(sa.delete(IdempotencyRecord).where(col(IdempotencyRecord.id).in_(answers)))  # type: ignore[call-overload]
    if not dry_run:
        for record_class_name, rows in found.items():
            privacy_audit(
                session,
                actor=None,
                action="purge",
                object_type=record_class_name,
                detail={"rows": rows, "cause": "retention"},
            )
    session.flush()
    return found


def orphan_files(session: Session, *, older_than_seconds: float = 3600) -> list[str]:
    """The stored files no document row names (left by a purge killed before it removed
    them), older than an upload in progress could be."""
    folder = get_settings().documents_dir
    if not folder.is_dir():
        return []
    limit = time.time() - older_than_seconds
    candidates = []
    for path in folder.iterdir():
        if len(path.name) == 32 and path.is_file():
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < limit:
                    candidates.append(path.name)
    known = set()
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        known |= set(
            session.exec(select(Document.stored_name).where(col(Document.stored_name).in_(chunk)))
        )
    return sorted(set(candidates) - known)


def count_documents(session: Session, *, youth_id: int) -> int:
    """How many document rows a youth has (the privacy page)."""
    return int(session.exec(select(func.count()).where(Document.youth_id == youth_id)).one())


def local_today(at: datetime) -> date:
    """The day retention counts on: the default zone's date of an instant."""
    return local_date(at, get_settings().default_time_zone)
