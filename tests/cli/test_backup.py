"""`mowakaba backup` and `restore`, end to end on the suite's backend: back up, change (a
note, a document, a youth), restore, and every table's rows and every document file are
exactly the backed-up state. A bad archive (not one, another kind, a newer revision, a
damaged member, a key missing) or a running system: a clear error, nothing changed."""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select
from typer.testing import CliRunner

from mowakaba import crypto
from mowakaba.casework_schemas import NoteIn
from mowakaba.db import get_engine, reset_engine, session_scope
from mowakaba.models import CaseNoteVersion, User, Youth
from mowakaba.services import case_notes as note_service
from mowakaba.services.documents import storage
from tests import dbsetup
from tests.crypto_keys import keys_set
from tests.documents_files import image_bytes, pdf_bytes, store_document
from tests.factories import at, make_world

runner = CliRunner()
TODAY = date(2026, 11, 30)


def run(*args: str, ok: bool = True):  # type: ignore[no-untyped-def]
    from mowakaba.cli import app

    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def own_database(engine, tmp_path) -> Iterator[Path]:
    """A database and data directory of the test's own (a restore replaces them whole)."""
    from mowakaba import migrate

    if dbsetup.backend() == "postgresql":
        url = dbsetup.create_postgres_database()
    else:
        url = f"sqlite:///{tmp_path / 'own.db'}"
    home = tmp_path / "home"
    key = os.environ["MOWAKABA_ENCRYPTION_KEYS"]
    try:
        with keys_set(key, DATABASE_URL=url, MOWAKABA_HOME=str(home)):
            reset_engine()
            migrate.upgrade(get_engine())
            yield home
            reset_engine()
    finally:
        reset_engine()
        if dbsetup.backend() == "postgresql":
            dbsetup.drop_postgres_database(url)


def note(session, w, text: str) -> None:  # type: ignore[no-untyped-def]
    data = NoteIn(kind="visit", with_whom=["youth"], contact_date=TODAY, text=text,
                  sensitivity="family")  # fmt: skip
    note_service.write_note(session, youth=w["youth"], data=data, actor=w["mediator"], today=TODAY)


def build() -> None:
    with session_scope() as s:
        w = make_world(s, as_of=at(date(2026, 9, 1)))
        note(s, w, "La famille refuse le contact")
        store_document(s, w["youth"], w["mediator"], pdf_bytes())


def change() -> None:
    """A note, a document, a youth's name changed; the first document's file removed."""
    first = storage.stored_names()[0]
    with session_scope() as s:
        youth = s.exec(select(Youth)).first()
        assert youth is not None
        w = {"youth": youth, "mediator": s.get(User, youth.mediator_id)}
        note(s, w, "Ajoutée après la sauvegarde")
        store_document(s, youth, w["mediator"], image_bytes(), declared="image/png",
                       name="p.png", kind="other")  # fmt: skip
        youth.first_name = "Changé"
        s.add(youth)
    storage.path_of(first).unlink()


def tables() -> dict[str, list[str]]:
    """Every table's rows as stored (ciphertext as it is), in a stable order."""
    engine = get_engine()
    with engine.connect() as connection:
        names = sorted(sa.inspect(connection).get_table_names())
        return {
            name: sorted(repr(tuple(row)) for row in connection.exec_driver_sql(
                f'SELECT * FROM "{name}"'
            ))
            for name in names
        }  # fmt: skip


def files() -> dict[str, bytes]:
    return {name: storage.path_of(name).read_bytes() for name in storage.stored_names()}


def test_back_up_change_restore_gives_exactly_the_backed_up_state(own_database, tmp_path):
    build()
    before_rows, before_files = tables(), files()
    assert len(before_files) == 1 and before_rows["case_note_version"]
    archive = tmp_path / "out" / "b.tar.gz"
    done = run("backup", "--to", str(archive))
    assert "1 document files" in done.output and crypto.keyring().current.id in done.output
    assert archive.is_file() and archive.stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in archive.parent.iterdir()) == ["b.tar.gz"]  # no part left
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        assert not any("secrets" in n or "encryption-keys" in n for n in names)
        body = b"".join(tar.extractfile(n).read() for n in names if n.startswith("d"))  # type: ignore[union-attr]
    assert b"La famille refuse" not in body and pdf_bytes()[:100] not in body  # still encrypted
    assert manifest["format_version"] == 1
    assert manifest["database_kind"] == get_engine().dialect.name
    assert manifest["counts"]["case_note_version"] == 1 and manifest["alembic_revision"]

    change()
    changed_rows, changed_files = tables(), files()
    assert changed_rows != before_rows and changed_files != before_files
    # Without --yes and no terminal to ask on: refused, nothing replaced.
    asked = run("restore", str(archive), ok=False)
    assert "--yes" in asked.output and "Changes made since are lost" in asked.output
    assert tables() == changed_rows and files() == changed_files
    restored = run("restore", str(archive), "--yes")
    assert "restored the state of" in restored.output
    assert tables() == before_rows and files() == before_files
    with session_scope() as s:  # and it reads, under the same key
        assert [v.text for v in s.exec(select(CaseNoteVersion))] == ["La famille refuse le contact"]


def rewritten(archive: Path, out: Path, **changes: object) -> Path:
    """A copy of an archive with its manifest changed."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                data = json.dumps(json.loads(data) | changes).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return out


def test_a_bad_archive_is_refused_and_changes_nothing(own_database, tmp_path):
    build()
    archive = tmp_path / "b.tar.gz"
    run("backup", "--to", str(archive))
    change()
    rows, on_disk = tables(), files()
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    other = "postgresql" if manifest["database_kind"] == "sqlite" else "sqlite"
    damaged = dict(manifest["members"])
    first = next(iter(damaged))
    damaged[first] = {**damaged[first], "sha256": "0" * 64}
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive at all")
    cases = {
        tmp_path / "junk.tar.gz": "not a Mowakaba backup archive",
        tmp_path / "missing.tar.gz": "no such file",
        rewritten(archive, tmp_path / "kind.tar.gz", database_kind=other): f"holds a {other}",
        rewritten(archive, tmp_path / "new.tar.gz", alembic_revision="ffff0000ffff"): "newer",
        rewritten(archive, tmp_path / "fmt.tar.gz", format_version=9): "archive format 9",
        rewritten(archive, tmp_path / "sum.tar.gz", members=damaged): "checksum",
        rewritten(archive, tmp_path / "key.tar.gz", key_ids=["0badc0de"]): "0badc0de",
    }
    for path, message in cases.items():
        refused = run("restore", str(path), "--yes", ok=False)
        assert refused.exit_code == 2 and message in refused.output, (path, refused.output)
        assert tables() == rows and files() == on_disk
    assert not [p for p in own_database.iterdir() if p.name.startswith(".restore-")]


def test_restore_is_refused_while_the_system_runs(own_database, tmp_path):
    from mowakaba.embedded.ports import home_lock

    build()
    archive = tmp_path / "b.tar.gz"
    run("backup", "--to", str(archive))
    change()
    rows = tables()
    with home_lock(own_database, (18000, 14200)):
        refused = run("restore", str(archive), "--yes", ok=False)
    assert refused.exit_code == 2 and "is running" in refused.output
    assert tables() == rows


def test_a_backup_that_fails_half_way_leaves_no_archive(own_database, tmp_path, monkeypatch):
    from mowakaba import backup as backups

    build()
    real, seen = backups._measure, []

    def fails_on_the_document(path):  # type: ignore[no-untyped-def]
        seen.append(path)
        if "documents" in path.parts:
            raise OSError("disk full")
        return real(path)

    monkeypatch.setattr(backups, "_measure", fails_on_the_document)
    with pytest.raises(OSError, match="disk full"):
        backups.create_backup(tmp_path / "out" / "b.tar.gz")
    assert len(seen) == 2 and list((tmp_path / "out").iterdir()) == []  # no part, no staging
