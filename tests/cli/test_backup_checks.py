"""`mowakaba restore` checks before it changes: a member larger than the manifest says, or
an archive that does not fit on the disk, is refused before anything is extracted; a
database whose row counts differ from the manifest's is refused before it replaces the
live one (SQLite: on the staged copy; PostgreSQL: inside the restoring transaction). The
prompt never shows the database password; `backup` warns when the archive lands beside
the key, in the data directory."""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections import namedtuple
from pathlib import Path

from mowakaba import backup as backups
from mowakaba.db import reset_engine
from tests.cli.test_backup import build, change, files, own_database, rewritten, run, tables
from tests.crypto_keys import keys_set

__all__ = ["own_database"]  # the fixture, shared with test_backup.py


def backed_up_then_changed(tmp_path: Path) -> tuple[Path, dict[str, list[str]], dict[str, bytes]]:
    build()
    archive = tmp_path / "b.tar.gz"
    run("backup", "--to", str(archive))
    change()
    return archive, tables(), files()


def manifest_of(archive: Path) -> dict:  # type: ignore[type-arg]
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]


def refused(archive: Path, message: str, rows: dict, on_disk: dict) -> None:  # type: ignore[type-arg]
    result = run("restore", str(archive), "--yes", ok=False)
    assert result.exit_code == 2 and message in result.output, result.output
    assert tables() == rows and files() == on_disk


def test_a_member_larger_than_its_manifest_says_is_not_extracted(
    own_database, tmp_path, monkeypatch
):
    archive, rows, on_disk = backed_up_then_changed(tmp_path)
    hostile = tmp_path / "big.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(hostile, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("documents/"):
                data = bytes(4 * 1024 * 1024)  # compresses to little, unpacks to much
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    opened: list[str] = []
    real = tarfile.TarFile.extractfile

    def spy(self, member):  # type: ignore[no-untyped-def]
        opened.append(member if isinstance(member, str) else member.name)
        return real(self, member)

    monkeypatch.setattr(tarfile.TarFile, "extractfile", spy)
    refused(hostile, "its manifest says", rows, on_disk)
    assert opened and set(opened) == {"manifest.json"}  # nothing else was read out


def test_an_archive_that_does_not_fit_on_the_disk_is_refused(own_database, tmp_path, monkeypatch):
    archive, rows, on_disk = backed_up_then_changed(tmp_path)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(backups.shutil, "disk_usage", lambda _path: usage(100, 90, 10))
    refused(archive, "10 are free", rows, on_disk)


def test_row_counts_that_differ_from_the_manifest_change_nothing(own_database, tmp_path):
    archive, rows, on_disk = backed_up_then_changed(tmp_path)
    counts = manifest_of(archive)["counts"]
    for name, changed in {
        "more.tar.gz": counts | {"youth": counts["youth"] + 1},
        "table.tar.gz": counts | {"no_such_table": 0},
        "fewer.tar.gz": {t: n for t, n in counts.items() if t != "holiday"},
        "odd.tar.gz": counts | {'x"; DROP TABLE youth; --': 0},
    }.items():
        message = "row counts" if name != "odd.tar.gz" else "no valid row counts"
        refused(rewritten(archive, tmp_path / name, counts=changed), message, rows, on_disk)
    # The same archive with its own counts restores (the check passes a true archive).
    run("restore", str(archive), "--yes")
    assert tables() != rows


def test_the_restore_prompt_hides_the_database_password(own_database, tmp_path):
    archive, rows, _ = backed_up_then_changed(tmp_path)
    as_postgres = rewritten(archive, tmp_path / "pg.tar.gz", database_kind="postgresql")
    url = "postgresql+psycopg://mowakaba:s3cr3t-pw@127.0.0.1:1/mowakaba"
    try:
        with keys_set(os.environ["MOWAKABA_ENCRYPTION_KEYS"], DATABASE_URL=url):
            reset_engine()
            asked = run("restore", str(as_postgres), ok=False)
    finally:
        reset_engine()
    assert "Changes made since are lost" in asked.output, asked.output
    assert "s3cr3t" not in asked.output and "mowakaba:***@127.0.0.1:1" in asked.output
    assert tables() == rows


def test_backup_warns_when_the_archive_is_beside_the_key(own_database, tmp_path):
    build()
    inside = run("backup")  # the default: backups/ under the data directory
    assert "warning: the archive is under the data directory" in inside.output
    outside = run("backup", "--to", str(tmp_path / "elsewhere.tar.gz"))
    assert "warning" not in outside.output
    restored = run("restore", str(tmp_path / "elsewhere.tar.gz"), "--yes")
    assert "mowakaba retention run" in restored.output
