"""The database: engine from settings, sessions, SQLite pragmas, column types."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from mowakaba import home as data_home
from mowakaba.errors import InvalidInput
from mowakaba.settings import get_settings

# Constraint names by convention, so that migrations can name what they drop.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores it naive, in UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum: type[StrEnum]) -> sa.Enum:
    """Store a StrEnum as its value in a VARCHAR (no native enum type to migrate)."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=max(32, *(len(m.value) for m in enum)),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, open transactions: savepoints then work, and a
    # RELEASE never commits behind our back.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted content (a purged note, plaintext replaced by `keys rotate`) is overwritten
    # with zeros in the file, whatever the SQLite build's default (docs/privacy.md).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


READ_ONLY = "mowakaba_read_only"


def _sqlite_begin(connection: sa.Connection) -> None:
    # A writing transaction takes the write lock at the start (waiting up to busy_timeout),
    # so it never fails half-way when it turns from reading to writing. A reading one
    # takes no lock at all: in WAL mode it reads a snapshot while others write.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN DEFERRED")
        connection.exec_driver_sql("PRAGMA query_only=ON")
    else:
        connection.exec_driver_sql("PRAGMA query_only=OFF")
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    try:
        return _make_engine(url, echo=echo)
    except (ModuleNotFoundError, sa.exc.NoSuchModuleError, sa.exc.ArgumentError, ValueError) as exc:
        try:
            shown = sa.engine.make_url(url).render_as_string(hide_password=True)
        except (sa.exc.ArgumentError, ValueError):
            shown = "(unparsable)"
        raise InvalidInput(
            f"DATABASE_URL {shown} cannot be used ({exc}): write postgresql+psycopg://... "
            "or sqlite:///..."
        ) from None


def _make_engine(url: str, *, echo: bool) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    # More connections than the web app lets requests in at once (api.main.IN_FLIGHT, 24):
    # with fewer, requests each waiting for a connection held every thread, and the
    # `get_session` teardowns that would have given connections back waited for a thread:
    # 500s after the pool's 30 s (`mowakaba bench api`, 200 requests/s). At most 30 per
    # process: size PostgreSQL's max_connections to the processes (docs/operations.md).
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache
def get_engine() -> Engine:
    """Return the process-wide engine for the configured database."""
    settings = get_settings()
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        # Minors' records: the directory 0700, the file 0600 (its -wal and -shm follow it).
        if data_home.make_private(settings.home, walk=False):
            print(data_home.notice(settings.home), file=sys.stderr)
        if not settings.database_url:
            data_home.create_private_file(settings.sqlite_path)
    return make_engine(url, echo=settings.sql_echo)


def reset_engine() -> None:
    """Forget the cached engine (after settings change, in tests and commands)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    _read_only_engine.cache_clear()


@lru_cache
def _read_only_engine() -> Engine:
    # The same pool, with an option the begin hook reads (no write lock, writes refused).
    return get_engine().execution_options(**{READ_ONLY: True})


@contextmanager
def session_scope(*, write: bool = True) -> Iterator[Session]:
    """Open a session, commit on success, roll back on error: the edge's transaction.

    `write=False` reads without taking SQLite's write lock (and refuses writes), so a
    reader never waits on a writer nor holds one up.
    """
    engine = get_engine() if write else _read_only_engine()
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
