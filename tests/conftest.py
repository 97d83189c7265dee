"""Session-wide database (SQLite file or throw-away PostgreSQL), per-test rollback sessions."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before Prefect is imported anywhere: no telemetry, no ephemeral server, state in a temp dir.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "false")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="mowakaba-prefect-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# The test server's task-run recorder fights the API for its SQLite file (503s, ~2 s
# retries per flow run); tests read flow runs, not task runs, so it is off here.
os.environ.setdefault("PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED", "false")
os.environ.pop("PREFECT_API_URL", None)

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

import api.main
from tests import dbsetup

# One application for the whole run. FastAPI analyses every route's parameters on an app's
# first request (~0.5 s, then ~5 ms a request), and hundreds of tests each built their own.
# The app keeps no state between requests (settings, the database and Prefect are read per
# request), so tests share it; a test that changes an app builds its own with `fresh_app`.
fresh_app = api.main.create_app
_shared: list[FastAPI] = []


def _shared_app() -> FastAPI:
    if not _shared:
        _shared.append(fresh_app())
    return _shared[0]


api.main.create_app = _shared_app


TEST_ENCRYPTION_KEY = "dGVzdC1rZXktb2YtbW93YWthYmEtMzItYnl0ZXMhISE="


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home: Path = tmp_path_factory.mktemp("mowakaba-home")
    os.environ["MOWAKABA_HOME"] = str(home)
    if dbsetup.backend() == "postgresql":
        url = dbsetup.create_postgres_database()
    else:
        url = f"sqlite:///{home / 'test.db'}"
    os.environ["DATABASE_URL"] = url
    # Cheap Argon2 in tests: the cost is a setting, the algorithm is the same.
    os.environ["MOWAKABA_ARGON2_TIME_COST"] = "1"
    os.environ["MOWAKABA_ARGON2_MEMORY_KIB"] = "1024"
    # Notes and documents are encrypted at rest: one fixed key for the run (tests of the
    # key file and of rotation set their own).
    os.environ["MOWAKABA_ENCRYPTION_KEYS"] = TEST_ENCRYPTION_KEY
    _reset_caches()
    yield url
    from mowakaba.db import reset_engine

    reset_engine()
    if dbsetup.backend() == "postgresql":
        dbsetup.drop_postgres_database(url)


def _reset_caches() -> None:
    from mowakaba.db import reset_engine
    from mowakaba.settings import get_settings

    get_settings.cache_clear()
    reset_engine()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Engine:
    from mowakaba import migrate
    from mowakaba.db import get_engine

    engine = get_engine()
    migrate.upgrade(engine)
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits become savepoints)."""
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as session:
            yield session
        transaction.rollback()


@pytest.fixture
def postgres_only() -> None:
    if dbsetup.backend() != "postgresql":
        pytest.skip("PostgreSQL only")


@pytest.fixture
def committed(engine: Engine) -> Iterator[Engine]:
    """For tests whose code opens and commits its own sessions: empty tables, ids from 1."""
    _empty_tables(engine)
    yield engine
    _empty_tables(engine)


def _empty_tables(engine: Engine) -> None:
    from sqlmodel import SQLModel

    import mowakaba.models  # noqa: F401

    tables = [t for t in reversed(SQLModel.metadata.sorted_tables) if t.name != "audit_event"]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                connection.execute(table.delete())
            if _has_sequence(connection):
                connection.exec_driver_sql("DELETE FROM sqlite_sequence")


def _has_sequence(connection) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
        ).first()
    )


@pytest.fixture(autouse=True)
def _unfrozen_clock() -> Iterator[None]:
    """A command's --as-of freezes the clock; no test leaves it frozen for the next."""
    yield
    from mowakaba import clock

    clock.set_now(None)


@pytest.fixture(scope="session")
def prefect_api(database_url: str) -> Iterator[str]:
    """One Prefect test server for the whole session (it costs ~10 s); heartbeats off."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        url = PREFECT_API_URL.value()
        os.environ["PREFECT_API_URL"] = url  # for the subprocesses a test starts
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield url
        os.environ.pop("PREFECT_API_URL", None)


@pytest.fixture(autouse=True)
def _fresh_calendars() -> Iterator[None]:
    """Calendars are cached per institution id; ids come back after a rollback."""
    yield
    from mowakaba.services.calendars import forget_cached_rules
    from mowakaba.services.sweep import forget_kept_timings

    forget_cached_rules()
    forget_kept_timings()


@pytest.fixture(autouse=True)
def _no_stray_prefect(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The API and page tests that do not ask for the Prefect test server talk to none, even
    when an earlier test of the session started it: a run they started there would wait,
    scheduled, for a later test that runs the scheduled runs (tests/prefect_helpers.py) and
    move that test's youth (ids come back after a rollback). Nothing listens on the port."""
    path = request.node.nodeid
    if not path.startswith(("tests/api/", "tests/pages/")):
        return
    if {"deployed", "prefect_api"} & set(request.fixturenames):
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MOWAKABA_PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    from mowakaba.settings import get_settings

    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)


@pytest.fixture(scope="session")
def deployed(prefect_api: str) -> Iterator[str]:
    """Register the deployments on the test server (nothing serves them: tests run them)."""
    from flows.serve import build_deployments

    for deployment in build_deployments():
        deployment.apply(_sync=True)  # a sync answer, even beside Playwright's event loop
    yield prefect_api


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests run last: Playwright's sync API keeps an event loop on the main
    thread for the rest of the session, and Prefect's sync calls made after it (the
    `deployed` fixture, the flows' tests) would get coroutines instead of answers."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)


def pytest_configure(config: pytest.Config) -> None:
    """SIGTERM ends the run like Ctrl-C: fixtures are torn down, so the Prefect test
    server and the browser a run started are stopped with it (not left behind)."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
