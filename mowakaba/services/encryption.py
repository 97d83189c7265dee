"""Key rotation and key status: what is under which key, and re-encryption in batches.

The values themselves are encrypted by `mowakaba/crypto.py` (note versions through their
column type, document files by `services/documents/storage.py`). Rotation reads the raw
stored values (`type_coerce` to plain TEXT: no decryption on the way in), re-encrypts
those not under the current key (legacy plaintext included) and writes them back only
if unchanged meanwhile. The edge commits one batch at a time (`mowakaba keys rotate`):
a rotation killed half-way leaves every value readable, under the old key or the new,
and the next run goes on where it is needed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from mowakaba import crypto
from mowakaba.models import CaseNoteVersion
from mowakaba.services.documents import storage

PLAINTEXT = "plaintext"
_VERSIONS = CaseNoteVersion.__table__  # type: ignore[attr-defined]
_ENCRYPTED = ("text", "reason")


@dataclass(frozen=True)
class Batch:
    """One batch done: the last id (or file) looked at, how many were looked at and
    re-encrypted; `last` is None when there was nothing left to look at."""

    last: int | str | None
    seen: int
    changed: int


def _raw(column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    return sa.type_coerce(column, sa.Text())


def key_status(session: Session) -> dict[str, Counter[str]]:
    """Count the stored values under each key id (`plaintext`: not yet encrypted)."""
    counts: dict[str, Counter[str]] = {
        "note texts": Counter(), "correction reasons": Counter(), "document files": Counter(),
    }  # fmt: skip
    rows = session.connection().execute(sa.select(_raw(_VERSIONS.c.text), _raw(_VERSIONS.c.reason)))
    for text, reason in rows:
        counts["note texts"][crypto.text_key_id(text) or PLAINTEXT] += 1
        if reason is not None:
            counts["correction reasons"][crypto.text_key_id(reason) or PLAINTEXT] += 1
    for name in storage.stored_names():
        counts["document files"][crypto.file_key_id(storage.path_of(name)) or PLAINTEXT] += 1
    return counts


def rotate_note_batch(session: Session, *, after_id: int, limit: int) -> Batch:
    """Re-encrypt under the current key the next `limit` note versions after `after_id`
    whose text or reason is under another key or in the clear (the caller commits)."""
    current = crypto.require_key().id
    columns = [_raw(_VERSIONS.c[name]).label(name) for name in _ENCRYPTED]
    rows = (
        session.connection()
        .execute(
            sa.select(_VERSIONS.c.id, *columns)
            .where(_VERSIONS.c.id > after_id)
            .order_by(_VERSIONS.c.id)
            .limit(limit)
        )
        .all()
    )
    changed = 0
    for row in rows:
        values = {}
        for name in _ENCRYPTED:
            stored = getattr(row, name)
            if stored is not None and crypto.text_key_id(stored) != current:
                values[name] = crypto.encrypt_text(crypto.decrypt_text(stored))
        if not values:
            continue
        # Written raw (the column type would encrypt again), and only over what was read.
        unchanged = [_raw(_VERSIONS.c[name]) == getattr(row, name) for name in values]
        session.connection().execute(
            sa.update(_VERSIONS)
            .where(_VERSIONS.c.id == row.id, *unchanged)
            .values({_VERSIONS.c[name]: sa.literal(v, sa.Text()) for name, v in values.items()})
        )
        changed += 1
    return Batch(rows[-1].id if rows else None, len(rows), changed)


def rotate_document_batch(*, after: str, limit: int) -> Batch:
    """Re-encrypt under the current key the next `limit` document files (by name, after
    `after`) that are under another key or in the clear; each file is replaced whole."""
    current = crypto.require_key().id
    names = [name for name in storage.stored_names() if name > after][:limit]
    changed = 0
    for name in names:
        path = storage.path_of(name)
        if crypto.file_key_id(path) != current:
            crypto.encrypt_file_in_place(path)
            changed += 1
    return Batch(names[-1] if names else None, len(names), changed)


def plaintext_remaining(session: Session) -> tuple[int, bool]:
    """How many note versions still hold plaintext (one SQL count on the raw values), and
    whether any document file is still in the clear (a 22-byte read per file, stopping at
    the first); what `mowakaba up` warns about."""

    def clear(column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
        return sa.and_(column.is_not(None), sa.not_(column.startswith(crypto.TEXT_PREFIX)))

    raw_text, raw_reason = _raw(_VERSIONS.c.text), _raw(_VERSIONS.c.reason)
    notes = (
        session.connection()
        .execute(
            sa.select(sa.func.count())
            .select_from(_VERSIONS)
            .where(sa.or_(clear(raw_text), clear(raw_reason)))
        )
        .scalar_one()
    )
    files = any(crypto.file_key_id(storage.path_of(n)) is None for n in storage.stored_names())
    return int(notes), files


def plaintext_warning(session: Session) -> str | None:
    """One line advising `mowakaba keys rotate` when plaintext remains, else None."""
    notes, files = plaintext_remaining(session)
    if not notes and not files:
        return None
    what = [f"{notes} note version(s)"] if notes else []
    what += ["document files"] if files else []
    return (f"warning: {' and '.join(what)} still stored in the clear (written before "
            "encryption): run `mowakaba keys rotate` to encrypt them")  # fmt: skip
