"""What is still in the clear after an upgrade: a legacy plaintext idempotency answer still
reads through `EncryptedJSON`; `mowakaba up` warns in one line, advising `keys rotate`,
while a note version or a document file is in the clear, and says nothing once all are
encrypted."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import select

from mowakaba.casework_schemas import NoteIn
from mowakaba.clock import now
from mowakaba.db import session_scope
from mowakaba.embedded import plaintext_notice
from mowakaba.models import CaseNoteVersion, IdempotencyRecord, User
from mowakaba.services import case_notes as note_service
from mowakaba.services import encryption
from mowakaba.services.documents import storage
from tests.documents_files import pdf_bytes, store_document
from tests.factories import at, make_world

TODAY = date(2026, 11, 30)
VERSIONS = CaseNoteVersion.__table__  # type: ignore[attr-defined]
ANSWERS = IdempotencyRecord.__table__  # type: ignore[attr-defined]


def build() -> str:
    """Two notes and a document, all encrypted; returns the document's stored name."""
    for name in storage.stored_names():  # the folder outlives each test
        storage.discard(name)
    with session_scope() as s:
        w = make_world(s, as_of=at(date(2026, 9, 1)))
        for text in ("Suivi santé", "Appel à la famille"):
            data = NoteIn(kind="call", with_whom=["youth"], contact_date=TODAY, text=text,
                          sensitivity="health")  # fmt: skip
            note_service.write_note(s, youth=w["youth"], data=data, actor=w["mediator"],
                                    today=TODAY)  # fmt: skip
        return store_document(s, w["youth"], w["mediator"], pdf_bytes()).stored_name


def notices() -> list[str]:
    lines: list[str] = []
    plaintext_notice(lines.append)
    return lines


def test_up_warns_while_notes_or_files_are_in_the_clear(committed):
    stored = build()
    assert notices() == []  # everything encrypted: nothing said
    with session_scope() as s:  # one version's reason written before encryption
        s.connection().execute(
            sa.update(VERSIONS).where(VERSIONS.c.id == 2).values(
                reason=sa.literal("ancien motif", sa.Text)
            )
        )  # fmt: skip
    (line,) = notices()
    assert "1 note version(s)" in line and "mowakaba keys rotate" in line
    assert "document" not in line
    with session_scope() as s:
        s.connection().execute(
            sa.update(VERSIONS).values(text=sa.literal("en clair", sa.Text), reason=None)
        )
        assert encryption.plaintext_remaining(s) == (2, False)
    storage.path_of(stored).write_bytes(pdf_bytes())  # a legacy plaintext file
    (line,) = notices()
    assert "2 note version(s) and document files" in line
    with session_scope() as s:
        for version in s.exec(select(CaseNoteVersion)):
            version.text = version.text + " "  # written again: encrypted
            s.add(version)
    storage.discard(stored)
    assert notices() == []


def test_a_plaintext_json_answer_from_before_encryption_still_reads(committed):
    build()
    with session_scope() as s:
        user_id = s.exec(select(User)).first().pk  # type: ignore[union-attr]
        s.connection().execute(
            sa.insert(ANSWERS).values(
                user_id=user_id, key="k-legacy", request_hash="0" * 64, status_code=201,
                response=sa.literal('{"id": 7, "name": "Salma"}', sa.Text), created_at=now(),
            )
        )  # fmt: skip
    with session_scope() as s:
        (record,) = s.exec(select(IdempotencyRecord))
        assert record.response == {"id": 7, "name": "Salma"}
        record.response = {"id": 8}
        s.add(record)
    with session_scope() as s:
        raw = s.connection().execute(sa.select(sa.type_coerce(ANSWERS.c.response, sa.Text)))
        assert raw.scalar_one().startswith("mwk1:")
        assert s.exec(select(IdempotencyRecord)).one().response == {"id": 8}


def test_the_upgrade_keeps_existing_answers_readable_and_back(tmp_path):
    """JSON → TEXT on the backend under test: an answer stored before still replays; the
    downgrade keeps plain answers and drops encrypted ones (not JSON)."""
    from sqlmodel import Session

    from mowakaba import migrate
    from mowakaba.db import make_engine
    from mowakaba.models.organisation import Role
    from tests import dbsetup

    before = "5e1c7a9d2b40"
    postgres = dbsetup.backend() == "postgresql"
    url = dbsetup.create_postgres_database() if postgres else f"sqlite:///{tmp_path / 'o.db'}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine, before)
        with Session(engine) as s:
            user = User(username="old", password_hash="x", role=Role.admin)
            s.add(user)
            s.commit()
            user_id = user.pk
            s.connection().exec_driver_sql(
                "INSERT INTO idempotency_record (user_id, key, request_hash, status_code, "
                f"response, created_at) VALUES ({user_id}, 'k', '{'0' * 64}', 201, "
                """'{"id": 7, "first_name": "Salma"}', '2026-11-29 09:00:00')"""
            )
            s.commit()
        migrate.upgrade(engine)
        with Session(engine) as s:
            (record,) = s.exec(select(IdempotencyRecord))
            assert record.response == {"id": 7, "first_name": "Salma"}
            s.add(IdempotencyRecord(user_id=user_id, key="new", request_hash="1" * 64,
                                    status_code=201, response={"id": 8}))  # fmt: skip
            s.commit()
        migrate.downgrade(engine, before)
        with engine.connect() as connection:
            kept = connection.exec_driver_sql("SELECT key FROM idempotency_record").all()
        assert [k for (k,) in kept] == ["k"]
    finally:
        engine.dispose()
        if postgres:
            dbsetup.drop_postgres_database(url)
