"""Backups: one archive of the database and the documents, and its restore.

An archive (`.tar.gz`) holds `manifest.json` (format version, database kind, Alembic
revision, when, rows per table, the keys the encrypted values need, and the size and
sha256 of every member), then `database/` and `documents/`:
- SQLite: a copy made through SQLite's online backup API (consistent while the app runs);
- PostgreSQL: `pg_dump -Fc` on a snapshot exported by the transaction that also counts the
  rows (the counts and the dump see the same state).
The documents are copied after the database: every document row in the copy has its file
(uploads write the file before the row). It is written to `<name>.part` and renamed when
whole: a half-written archive never has the final name. Notes and documents stay encrypted
in it; the key never goes in (it lives in the settings or in `secrets/`, left out): a
restore needs the same keys, and checks that it has them before changing anything.
The default folder, `backups/` under the data directory, sits beside the key file: the
command warns, and archives are to be copied off the machine (docs/privacy.md, Backups).

A restore checks everything first (manifest, kind, revision known to this code, keys;
every member's size against the manifest, and the free disk space, before extracting
anything; every member's checksum; on SQLite the staged copy's row counts), then replaces
the database in one transaction (SQLite: the backup API in reverse; PostgreSQL: the schema
dropped and the dump loaded by `psql --single-transaction`, the row counts checked before
its commit) and swaps the documents folder. The caller makes sure the system is not
running on this data directory (`mowakaba restore` holds its lock).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mowakaba import crypto, migrate
from mowakaba.clock import now
from mowakaba.db import get_engine, reset_engine
from mowakaba.errors import ArchiveRefused, InvalidInput
from mowakaba.home import DIR_MODE, FILE_MODE
from mowakaba.services.documents import storage
from mowakaba.settings import get_settings

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database/mowakaba.db", "postgresql": "database/mowakaba.pgdump"}
# The encrypted values, raw: the manifest names the keys they need.
NOTE_VALUES = "SELECT text, reason FROM case_note_version"


@dataclass(frozen=True)
class Backup:
    """A backup written: where, and its manifest."""

    path: Path
    manifest: dict[str, Any]


def default_target() -> Path:
    """`backups/mowakaba-<UTC time>.tar.gz` under the data directory."""
    folder = get_settings().home / "backups"
    return folder / f"mowakaba-{now():%Y%m%dT%H%M%SZ}.tar.gz"


def under_data_directory(path: Path) -> bool:
    """Whether an archive lies under the data directory (beside `secrets/`, on the same
    disk): a thief of the disk gets both; archives belong off the machine."""
    return path.resolve().is_relative_to(get_settings().home.resolve())


def create_backup(target: Path | None = None) -> Backup:
    """Write a consistent archive of the database and the documents to `target`."""
    dest = target or default_target()
    if dest.is_dir():
        dest = dest / default_target().name
    if dest.exists():
        raise InvalidInput(f"{dest}: exists already; name a new file")
    dest.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    kind = get_engine().dialect.name
    staging = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".backup-"))
    part = dest.with_name(dest.name + ".part")
    try:
        database = staging / DATABASE_MEMBER[kind]
        database.parent.mkdir()
        if kind == "sqlite":
            revision, counts, keys = _copy_sqlite(database)
        else:
            revision, counts, keys = _dump_postgres(database)
        members = {DATABASE_MEMBER[kind]: _measure(database)}
        (staging / "documents").mkdir()
        for name in storage.stored_names():
            copy = staging / "documents" / name
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile: its row too
                shutil.copyfile(storage.path_of(name), copy)
                keys.add(crypto.file_key_id(copy) or "")
                members[f"documents/{name}"] = _measure(copy)
        manifest = {
            "format_version": FORMAT_VERSION, "database_kind": kind, "alembic_revision": revision,
            "created_at": now().isoformat(), "counts": counts,
            "key_ids": sorted(k for k in keys if k), "members": members,
        }  # fmt: skip
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as archive:
                archive.add(staging / MANIFEST, arcname=MANIFEST)
                for member in members:
                    archive.add(staging / member, arcname=member)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(part, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        part.unlink(missing_ok=True)
    return Backup(dest, manifest)


def _measure(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def _note_keys(rows: Any) -> set[str]:
    return {crypto.text_key_id(v) or "" for row in rows for v in row if v is not None}


def _copy_sqlite(copy: Path) -> tuple[str | None, dict[str, int], set[str]]:
    source = sqlite3.connect(_sqlite_file())
    target = sqlite3.connect(copy)
    try:
        source.backup(target)  # one step: a consistent copy; writers go on meanwhile (WAL)
        return _describe_sqlite(target)
    finally:
        target.close()
        source.close()


def _sqlite_file() -> Path:
    database = get_engine().url.database
    if not database:
        raise InvalidInput("the SQLite database has no file to back up")
    return Path(database)


def _describe_sqlite(db: sqlite3.Connection) -> tuple[str | None, dict[str, int], set[str]]:
    tables = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )]  # fmt: skip
    counts = {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}
    revision = _one(db.execute("SELECT version_num FROM alembic_version").fetchall())
    keys = _note_keys(db.execute(NOTE_VALUES)) if "case_note_version" in tables else set()
    return revision, counts, keys


def _one(rows: Sequence[Any]) -> str | None:
    return str(rows[0][0]) if rows else None


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string (no password: that goes in PGPASSWORD, not on argv)."""
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


def _describe_postgres(connection: sa.Connection) -> tuple[str | None, dict[str, int], set[str]]:
    tables = sorted(sa.inspect(connection).get_table_names())
    counts = {
        t: int(connection.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one())
        for t in tables
    }
    revision = _one(connection.exec_driver_sql("SELECT version_num FROM alembic_version").all())
    keys = set()
    if "case_note_version" in tables:
        keys = _note_keys(connection.exec_driver_sql(NOTE_VALUES))
    return revision, counts, keys


def _dump_postgres(out: Path) -> tuple[str | None, dict[str, int], set[str]]:
    engine = get_engine()
    dsn, env = _libpq(engine.url)
    repeatable = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with repeatable as connection, connection.begin():
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        described = _describe_postgres(connection)
        _run(["pg_dump", "-Fc", "--no-owner", "--no-acl", f"--snapshot={snapshot}",
              "-f", str(out), "-d", dsn], env, "pg_dump")  # fmt: skip
    return described


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        if COUNTS_DIFFER in (done.stderr or ""):
            raise ArchiveRefused(COUNTS_DIFFER)
        lines = [line for line in lines if "ERROR" in line] or lines
        raise InvalidInput(f"{what} failed: {lines[-1] if lines else done.returncode}")


# --- restore ---------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict[str, Any]:
    """The archive's manifest, checked against this system (nothing is changed)."""
    with _open_archive(archive) as tar:
        manifest = _manifest_of(tar, archive)
    _check_fits(manifest)
    return manifest


@contextlib.contextmanager
def _open_archive(archive: Path) -> Iterator[tarfile.TarFile]:
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            yield tar
    except FileNotFoundError:
        raise ArchiveRefused(f"{archive}: no such file") from None
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveRefused(f"{archive}: not a Mowakaba backup archive ({exc})") from None


def _manifest_of(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
        manifest = json.load(io.TextIOWrapper(member, encoding="utf-8")) if member else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or "format_version" not in manifest:
        raise ArchiveRefused(f"{archive}: not a Mowakaba backup archive (no manifest)")
    if manifest["format_version"] != FORMAT_VERSION:
        raise ArchiveRefused(
            f"{archive}: archive format {manifest['format_version']!r}, this version reads "
            f"{FORMAT_VERSION}"
        )
    return manifest


def _check_fits(manifest: dict[str, Any]) -> None:
    kind = get_engine().dialect.name
    if manifest.get("database_kind") != kind:
        raise ArchiveRefused(
            f"the archive holds a {manifest.get('database_kind')} database; this system "
            f"uses {kind} (restore it where it came from, then move the data)"
        )
    revision = manifest.get("alembic_revision")
    if revision not in migrate.known_revisions():
        raise ArchiveRefused(
            f"the archive's schema revision {revision!r} is newer than (or unknown to) this "
            "version of Mowakaba: restore it with the version that made it"
        )
    ring = crypto.keyring()
    known = {key.id for key in ring.keys}
    missing = sorted(set(manifest.get("key_ids", [])) - known)
    if missing:
        raise ArchiveRefused(
            f"the archive's notes and documents are encrypted under key(s) {', '.join(missing)},"
            f" not in {ring.source}: add the key(s) the backup was made with"
        )


def restore_backup(archive: Path) -> dict[str, Any]:
    """Replace the database and the documents with the archive's state (all checked
    first: a bad archive changes nothing); return the manifest."""
    settings = get_settings()
    settings.home.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=settings.home, prefix=".restore-"))
    try:
        with _open_archive(archive) as tar:
            manifest = _manifest_of(tar, archive)
            _check_fits(manifest)
            _extract(tar, manifest, staging)
        kind = manifest["database_kind"]
        reset_engine()  # no pooled connection of ours holds the old database
        if kind == "sqlite":
            _restore_sqlite(staging / DATABASE_MEMBER[kind], manifest)
        else:
            _restore_postgres(staging / DATABASE_MEMBER[kind], staging, manifest)
        _swap_documents(staging / "documents")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _extract(tar: tarfile.TarFile, manifest: dict[str, Any], staging: Path) -> None:
    members: dict[str, Any] = manifest.get("members") or {}
    database = DATABASE_MEMBER.get(str(manifest.get("database_kind")))
    _check_sizes(tar, members, database, staging)
    (staging / "database").mkdir()
    (staging / "documents").mkdir(mode=DIR_MODE)
    for name, expected in members.items():
        source = tar.extractfile(name)  # a regular file of the size listed: checked above
        if source is None:
            raise ArchiveRefused(f"the archive lacks {name} (incomplete or damaged)")
        path = staging / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        if _measure(path) != expected:
            raise ArchiveRefused(f"the archive's {name} does not match its checksum (damaged)")
    if database not in members:
        raise ArchiveRefused("the archive holds no database")


def _check_sizes(
    tar: tarfile.TarFile, members: dict[str, Any], database: str | None, staging: Path
) -> None:
    """Before anything is written: every member listed is a regular file in the archive
    whose size is the manifest's, and they all fit on the disk (a hostile or damaged
    archive cannot fill it)."""
    total = 0
    for name, expected in members.items():
        documents = name.startswith("documents/") and len(name) == len("documents/") + 32
        if name != database and not documents:
            raise ArchiveRefused(f"the archive lists an unexpected member {name[:80]!r}")
        if documents:
            storage.path_of(name.removeprefix("documents/"))  # a stored name, or refused
        try:
            member = tar.getmember(name)
        except KeyError:
            raise ArchiveRefused(f"the archive lacks {name} (incomplete or damaged)") from None
        size = expected.get("size") if isinstance(expected, dict) else None
        if not member.isfile() or not isinstance(size, int) or member.size != size:
            raise ArchiveRefused(
                f"the archive's {name} is {member.size} bytes, its manifest says {size!r} "
                "(damaged or altered): nothing extracted"
            )
        total += size
    free = shutil.disk_usage(staging).free
    if total > free:
        raise ArchiveRefused(
            f"the archive needs {total} bytes to unpack, {free} are free where the data "
            "directory is: nothing extracted"
        )


def _restore_sqlite(copy: Path, manifest: dict[str, Any]) -> None:
    source = sqlite3.connect(copy)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise ArchiveRefused("the archive's database fails SQLite's integrity check")
        # Checked on the staged copy, before it replaces anything.
        _check_counts(_describe_sqlite(source)[1], manifest)
        target = sqlite3.connect(_sqlite_file())
        try:
            source.backup(target)  # one transaction: the whole file or nothing
        finally:
            target.close()
    finally:
        source.close()


def _restore_postgres(dump: Path, staging: Path, manifest: dict[str, Any]) -> None:
    dsn, env = _libpq(get_engine().url)
    script = staging / "restore.sql"
    fd = os.open(script, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w") as out:
        # Tables made after the backup (a later migration) go too: exactly the backed-up state.
        out.write("DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
    _run(["pg_restore", "--no-owner", "--no-acl", "-f", str(staging / "dump.sql"), str(dump)],
         env, "pg_restore")  # fmt: skip
    with script.open("a") as out, (staging / "dump.sql").open() as body:
        shutil.copyfileobj(body, out)
        # The counts are checked in the same transaction, before its commit: a mismatch
        # rolls the whole restore back (the schema drop included).
        out.write("\n" + _counts_check_sql(manifest))
    _run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", dsn,
          "-f", str(script)], env, "psql (restore)")  # fmt: skip


COUNTS_DIFFER = (
    "the archive's database does not hold the row counts its manifest lists (damaged or "
    "altered): nothing restored"
)


def _expected_counts(manifest: dict[str, Any]) -> dict[str, int]:
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not all(
        isinstance(t, str) and t.isascii() and t.replace("_", "a").isalnum() and t[:1].isalpha()
        and isinstance(n, int) and not isinstance(n, bool) and n >= 0
        for t, n in counts.items()
    ):  # fmt: skip
        raise ArchiveRefused("the archive's manifest lists no valid row counts")
    return counts


def _counts_check_sql(manifest: dict[str, Any]) -> str:
    """A PL/pgSQL block that raises (so psql rolls back) unless the public schema holds
    exactly the manifest's tables with its row counts."""
    counts = _expected_counts(manifest)
    refuse = "RAISE EXCEPTION '" + COUNTS_DIFFER.replace("'", "''") + "'"
    lines = [
        "DO $mowakaba$ DECLARE n bigint; BEGIN",
        "SELECT count(*) INTO n FROM information_schema.tables WHERE table_schema = 'public'"
        " AND table_type = 'BASE TABLE';",
        f"IF n <> {len(counts)} THEN {refuse}; END IF;",
    ]
    for table, rows in sorted(counts.items()):
        lines += [
            f"IF to_regclass('public.\"{table}\"') IS NULL THEN {refuse}; END IF;",
            f"EXECUTE 'SELECT count(*) FROM public.\"{table}\"' INTO n;",
            f"IF n <> {rows} THEN {refuse}; END IF;",
        ]
    return "\n".join([*lines, "END $mowakaba$;", ""])


def _check_counts(counts: dict[str, int], manifest: dict[str, Any]) -> None:
    if counts != _expected_counts(manifest):
        raise ArchiveRefused(COUNTS_DIFFER)


def _swap_documents(restored: Path) -> None:
    documents = get_settings().documents_dir
    previous = documents.with_name(".documents-before-restore")
    shutil.rmtree(previous, ignore_errors=True)
    if documents.exists():
        os.replace(documents, previous)
    os.replace(restored, documents)
    shutil.rmtree(previous, ignore_errors=True)
