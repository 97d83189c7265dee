"""Where the test suite's database comes from: a SQLite file, or a throw-away PostgreSQL database.

`make test` runs the suite once per backend, choosing with MOWAKABA_TEST_DATABASE
(sqlite | postgresql). TEST_POSTGRES_URL names the PostgreSQL server to create the
throw-away database on (default: postgres@127.0.0.1:5432, trust auth).
"""

from __future__ import annotations

import os
import secrets
import socket
import sys

import sqlalchemy as sa

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def backend() -> str:
    return os.environ.get("MOWAKABA_TEST_DATABASE", "sqlite")


def server_url() -> sa.URL:
    url = sa.make_url(os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def postgres_available() -> bool:
    url = server_url()
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=2):
            pass
        engine = sa.create_engine(url.set(database="postgres"))
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        engine.dispose()
        return True
    except Exception:
        return False


def create_postgres_database() -> str:
    """Create a throw-away database and return its URL."""
    name = f"mowakaba_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(server_url().set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server_url().set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = sa.make_url(url).database
    admin = sa.create_engine(server_url().set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


if __name__ == "__main__":
    # `python -m tests.dbsetup`: exit 0 when PostgreSQL answers (used by the Makefile).
    sys.exit(0 if postgres_available() else 1)
