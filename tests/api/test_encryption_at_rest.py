"""Encryption at rest through the app: the database does not hold a note's text (SQLite:
the file and its WAL after a checkpoint; PostgreSQL: the raw column), the API still shows
it; a document file on disk does not hold its bytes, and downloads identical to the upload."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import select

from mowakaba import crypto
from mowakaba.db import get_engine, session_scope
from mowakaba.models import CaseNoteVersion, Document, IdempotencyRecord
from mowakaba.services.documents import storage
from tests.api.notes_world import add_note
from tests.documents_files import pdf_bytes

SECRET = "Hospitalisation psychiatrique — الأسرة لا تعلم"
REASON = "La date était fausse (hôpital Ibn Rochd)"


def stored_bytes() -> bytes:
    """Everything the database holds for the note versions and the idempotency answers,
    as stored."""
    engine = get_engine()
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        checkpoint = sqlite3.connect(path)  # outside the app's pool: no transaction open
        checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        checkpoint.close()
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    table = CaseNoteVersion.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                sa.type_coerce(table.c.text, sa.Text), sa.type_coerce(table.c.reason, sa.Text)
            )
        ).all()
        rows += connection.exec_driver_sql("SELECT response::text FROM idempotency_record").all()
    return "\n".join(str(v) for row in rows for v in row).encode("utf-8")


def test_a_sensitive_note_is_not_in_the_database_and_still_reads(world):
    w = add_note(world)
    y1 = w.ids["y1"]
    note = {"kind": "visit", "with_whom": ["youth"], "contact_date": "2026-11-02",
            "text": SECRET, "sensitivity": "health"}  # fmt: skip
    written = w.post("m1", f"/youths/{y1}/notes", json=note)
    assert written.status_code == 201, written.text
    corrected = w.post("coord_a", f"/youths/{y1}/notes/{written.json()['id']}/versions",
                       json={"reason": REASON, "contact_date": "2026-11-01"})  # fmt: skip
    assert corrected.status_code == 201, corrected.text
    raw = stored_bytes()
    for plain in (SECRET, REASON, "Rendez-vous au centre de santé"):
        assert plain.encode("utf-8") not in raw
    assert crypto.TEXT_PREFIX.encode() in raw
    shown = w.get("m1", f"/youths/{y1}/notes/{written.json()['id']}").json()
    assert shown["current"]["text"] == SECRET and shown["current"]["reason"] == REASON
    listed = w.get("coord_a", f"/youths/{y1}/notes").json()["items"]
    assert SECRET in {n["current"]["text"] for n in listed}
    with session_scope() as s:  # and through the model, for the services that read it
        assert SECRET in {v.text for v in s.exec(select(CaseNoteVersion))}


def test_a_document_is_encrypted_on_disk_and_downloads_identical(world):
    w = world
    data = pdf_bytes()
    sent = w.post("m1", f"/youths/{w.ids['y1']}/documents",
                  files={"file": ("cnie.pdf", data, "application/pdf")},
                  data={"kind": "national_id_card", "issued_date": "2024-01-10"})  # fmt: skip
    assert sent.status_code == 201, sent.text
    with session_scope() as s:
        document = s.get(Document, sent.json()["id"])
        assert document is not None
        assert document.size == len(data)  # the plaintext's size and checksum
        on_disk = storage.path_of(document.stored_name).read_bytes()
    assert data[:200] not in on_disk and b"%PDF" not in on_disk
    assert crypto.file_key_id(storage.path_of(document.stored_name)) == crypto.keyring().current.id
    assert not list(storage.documents_dir().glob("*.part"))  # no plaintext left beside it
    got = w.get("m1", f"/youths/{w.ids['y1']}/documents/{document.id}/file")
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-length"] == str(len(data))


def test_an_idempotency_answer_holding_a_note_is_encrypted_and_replays(world):
    w = world
    y1, headers = w.ids["y1"], {"Idempotency-Key": "note-with-secret"}
    note = {"kind": "visit", "with_whom": ["youth"], "contact_date": "2026-11-02",
            "text": SECRET, "sensitivity": "health"}  # fmt: skip
    first = w.post("m1", f"/youths/{y1}/notes", json=note, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["current"]["text"] == SECRET
    raw = stored_bytes()  # the answer kept for the key is in it: the note's text is not
    for plain in (SECRET, "Hospitalisation psychiatrique", "\\u0627\\u0644"):  # JSON-escaped
        assert plain.encode("utf-8") not in raw
    assert crypto.TEXT_PREFIX.encode() in raw
    again = w.post("m1", f"/youths/{y1}/notes", json=note, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    with session_scope() as s:
        (record,) = s.exec(select(IdempotencyRecord))
        assert record.response == first.json()


def test_sqlite_overwrites_what_it_deletes(engine, tmp_path):
    from mowakaba.db import _sqlite_pragmas

    # Whatever the build's default (Debian's is ON, the upstream default OFF): the hook sets it.
    raw = sqlite3.connect(tmp_path / "x.db")
    raw.execute("PRAGMA secure_delete=OFF")
    _sqlite_pragmas(raw, None)
    assert raw.execute("PRAGMA secure_delete").fetchone() == (1,)
    raw.close()
    if engine.dialect.name == "sqlite":  # and the app's connections have it
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1
