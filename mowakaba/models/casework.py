"""The case file's notes: a note and its versions (a correction is a new version).

A note is never edited: each correction adds a version (who, when, why) and moves the
note's `current_version`; every version stays readable. The text lives in a sensitive
column (never logged, never shared), encrypted at rest (`columns.encrypted`,
mowakaba/crypto.py): every version, whatever its sensitivity, since a correction can
change the sensitivity and nothing searches notes' text in SQL.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mowakaba.db import enum_type
from mowakaba.enums import NoteKind, Sensitivity
from mowakaba.models.columns import Keyed, encrypted, fk, utc_field


class CaseNote(Keyed, SQLModel, table=True):
    """A dated note on a youth: who wrote it first, and which version is current."""

    __tablename__ = "case_note"
    __table_args__ = (sa.UniqueConstraint("youth_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = fk("youth.id", ondelete="CASCADE")
    number: int  # 1, 2, ... per youth: "note 3" on the file
    author_id: int = fk("user_account.id", index=False)
    current_version: int = 1
    created_at: datetime = utc_field(default_now=True)


class CaseNoteVersion(Keyed, SQLModel, table=True):
    """One version of a note: what it says, and who wrote this version, when and why."""

    __tablename__ = "case_note_version"
    __table_args__ = (sa.UniqueConstraint("note_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    note_id: int = fk("case_note.id", ondelete="CASCADE")
    version: int
    kind: NoteKind = Field(sa_type=enum_type(NoteKind))
    with_whom: list[str] = Field(default_factory=list, sa_type=sa.JSON)  # NoteParty values
    contact_date: date
    sensitivity: Sensitivity = Field(sa_type=enum_type(Sensitivity))
    text: str = encrypted(default="", max_length=10_000)
    reason: str | None = encrypted(max_length=500)  # why it was corrected (None: the first)
    written_by_id: int = fk("user_account.id", index=False)
    written_at: datetime = utc_field(default_now=True)
