"""`mowakaba keys rotate`: a new key, every note version and document re-encrypted under it
(legacy plaintext too), notes and files still read; a rotation killed half-way leaves
everything readable and the rerun finishes it. `keys status` counts what is under which key."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import select
from typer.testing import CliRunner

from mowakaba import crypto
from mowakaba.casework_schemas import NoteCorrectionIn, NoteIn
from mowakaba.db import session_scope
from mowakaba.models import CaseNoteVersion, Document
from mowakaba.services import case_notes as note_service
from mowakaba.services import encryption
from mowakaba.services.documents import storage
from tests.crypto_keys import keys_set
from tests.documents_files import image_bytes, pdf_bytes, store_document
from tests.factories import at, make_world

runner = CliRunner()
OLD, NEW = crypto.new_key(), crypto.new_key()
TABLE = CaseNoteVersion.__table__  # type: ignore[attr-defined]
TODAY = date(2026, 11, 30)


def run(*args: str, ok: bool = True):  # type: ignore[no-untyped-def]
    from mowakaba.cli import app

    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def build_file() -> tuple[dict[int, str], dict[int, bytes]]:
    """Five notes (one corrected), two documents, under OLD; one note version and one file
    put back in the clear as if written before encryption. The documents folder outlives
    each test: files other tests left (under their keys) are removed first, as the rotation
    goes over every stored file."""
    for name in storage.stored_names():
        storage.discard(name)
    with session_scope() as s:
        w = make_world(s, as_of=at(date(2026, 9, 1)))
        for number in range(5):
            data = NoteIn(kind="call", with_whom=["youth"], contact_date=TODAY,
                          text=f"Note {number}: suivi santé", sensitivity="health")  # fmt: skip
            note = note_service.write_note(s, youth=w["youth"], data=data, actor=w["mediator"],
                                           today=TODAY)  # fmt: skip
        note_service.correct_note(s, youth=w["youth"], note_id=note.pk, actor=w["mediator"],
                                  today=TODAY, data=NoteCorrectionIn(reason="typo", text="Note 4 bis"))  # fmt: skip
        store_document(s, w["youth"], w["mediator"], pdf_bytes())
        store_document(s, w["youth"], w["mediator"], image_bytes(), declared="image/png",
                       name="photo.png", kind="other")  # fmt: skip
    with session_scope() as s:
        s.connection().execute(
            sa.update(TABLE).where(TABLE.c.id == 1).values(text=sa.literal("en clair", sa.Text))
        )
        notes = {v.pk: v.text for v in s.exec(select(CaseNoteVersion))}
        files = {d.pk: storage.read_bytes(d.stored_name) for d in s.exec(select(Document))}
        first = s.get(Document, 1)
        assert first is not None
        storage.path_of(first.stored_name).write_bytes(files[1])  # legacy plaintext file
    return notes, files


def raw_keys() -> set[str | None]:
    with session_scope() as s:
        rows = s.connection().execute(sa.select(sa.type_coerce(TABLE.c.text, sa.Text))).all()
        kids = {crypto.text_key_id(text) for (text,) in rows}
        # The files this test's rows name (the documents folder outlives each test).
        names = [d.stored_name for d in s.exec(select(Document))]
    return kids | {crypto.file_key_id(storage.path_of(n)) for n in names}


def reads_back(notes: dict[int, str], files: dict[int, bytes]) -> None:
    with session_scope() as s:
        assert {v.pk: v.text for v in s.exec(select(CaseNoteVersion))} == notes
        assert {d.pk: storage.read_bytes(d.stored_name) for d in s.exec(select(Document))} == files


def test_rotation_puts_everything_under_the_new_key_and_notes_still_read(committed):
    with keys_set(OLD):
        notes, files = build_file()
        assert notes[1] == "en clair" and raw_keys() == {None, crypto.key_id(OLD)}
    with keys_set(f"{NEW},{OLD}"):
        status = run("keys", "status").output
        assert "plaintext: 1" in status and f"{crypto.key_id(OLD)}: 5" in status
        done = run("keys", "rotate", "--batch-size", "2").output
        assert "6 note versions and 2 document files re-encrypted" in done
        assert raw_keys() == {crypto.key_id(NEW)}
        assert "plaintext" not in run("keys", "status").output
        assert "0 note versions and 0 document files" in run("keys", "rotate").output
    with keys_set(NEW):  # the old key gone: everything still reads
        reads_back(notes, files)


def test_a_rotation_killed_half_way_leaves_all_readable_and_the_rerun_finishes(
    committed, monkeypatch
):
    with keys_set(OLD):
        notes, files = build_file()
    real, calls = encryption.rotate_note_batch, []

    def dies_on_the_second_batch(session, **kw):  # type: ignore[no-untyped-def]
        calls.append(kw)
        if len(calls) == 2:
            raise KeyboardInterrupt  # a kill between two batches' transactions
        return real(session, **kw)

    with keys_set(f"{NEW},{OLD}"):
        monkeypatch.setattr(encryption, "rotate_note_batch", dies_on_the_second_batch)
        killed = run("keys", "rotate", "--batch-size", "2", ok=False)
        assert killed.exit_code != 0
        # The first batch is under the new key; the rest (and the plaintext file) as it was.
        assert raw_keys() == {crypto.key_id(NEW), crypto.key_id(OLD), None}
        reads_back(notes, files)
        monkeypatch.setattr(encryption, "rotate_note_batch", real)
        assert "4 note versions and 2 document files" in run("keys", "rotate").output
        assert raw_keys() == {crypto.key_id(NEW)}
    with keys_set(NEW):
        reads_back(notes, files)


def test_a_note_under_a_missing_key_is_a_clear_error(committed):
    with keys_set(OLD):
        build_file()
    with keys_set(NEW):
        status = run("keys", "status", ok=False)
        assert status.exit_code == 2 and "not listed" in status.output
        rotate = run("keys", "rotate", ok=False)
        assert rotate.exit_code == 2 and crypto.key_id(OLD) in rotate.output


def test_without_a_key_no_note_is_written(committed, tmp_path):
    with keys_set(None, MOWAKABA_HOME=str(tmp_path)), session_scope() as s:
        w = make_world(s, as_of=at(date(2026, 9, 1)))
        data = NoteIn(kind="call", with_whom=["youth"], contact_date=TODAY, text="x",
                      sensitivity="none")  # fmt: skip
        try:
            note_service.write_note(s, youth=w["youth"], data=data, actor=w["mediator"],
                                    today=TODAY)  # fmt: skip
        except Exception as exc:  # noqa: BLE001
            assert "no encryption key" in str(exc)
        else:
            raise AssertionError("a note was written without a key")
