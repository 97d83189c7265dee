"""Benchmarks: speed and memory targets are measured here, not in timed unit tests.

`mowakaba bench sweep` checks that the sweep's memory stays flat however many
rows there are: the same sweep over N and 4N youths, each in a fresh SQLite
data directory, with Python's peak allocation measured by tracemalloc.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import func, select

from mowakaba import migrate
from mowakaba.db import get_engine, reset_engine, session_scope
from mowakaba.enums import EducationLevel, Role, Sex, VocationalLevel
from mowakaba.models import Notification
from mowakaba.schemas import YouthRegistration
from mowakaba.services import institutions as institution_service
from mowakaba.services import sweep as sweep_service
from mowakaba.services import users as user_service
from mowakaba.services import youths as youth_service
from mowakaba.settings import get_settings
from mowakaba.sim.behaviour import draw_names
from mowakaba.sim.cohort import morning


@dataclass
class SweepFigure:
    youths: int
    rows_written: int
    seconds: float
    peak_mib: float


@contextmanager
def pointed_at(home: str | None = None, database_url: str | None = None) -> Iterator[None]:
    """This process's settings and engine on a data directory and/or a database for the
    block's length (a `home` without a `database_url`: the directory's SQLite file; either
    None: left as it is); then back to what they were."""
    saved = {k: os.environ.get(k) for k in ("MOWAKABA_HOME", "DATABASE_URL")}
    if home is not None:
        os.environ["MOWAKABA_HOME"] = home
        os.environ.pop("DATABASE_URL", None)
    if database_url is not None:
        os.environ["DATABASE_URL"] = database_url
    get_settings.cache_clear()
    reset_engine()
    try:
        yield
    finally:
        reset_engine()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


@contextmanager
def fresh_home() -> Iterator[None]:
    """A throw-away SQLite data directory for the block's length."""
    home = tempfile.mkdtemp(prefix="mowakaba-bench-")
    try:
        with pointed_at(home):
            migrate.upgrade(get_engine())
            yield
    finally:
        shutil.rmtree(home, ignore_errors=True)


def sweep_once(youths: int, *, batch_size: int, seed: int = 1) -> SweepFigure:
    """Register `youths` 14-year-olds, then time one sweep at their intake's D−7 reminder."""
    with fresh_home():
        rng = random.Random(seed)
        registered = date(2026, 1, 5)
        with session_scope() as session:
            institution = institution_service.create_institution(session, name="Bench", region="R")
            mediator = user_service.create_user(
                session, username="bench.med", password="bench-only-1", role=Role.mediator,
                institution_ids=[institution.pk],
            )  # fmt: skip
        for n in range(youths):
            sex = rng.choice(list(Sex))
            with session_scope() as session:
                youth_service.register_youth(
                    session,
                    data=YouthRegistration(
                        **draw_names(rng, sex),
                        date_of_birth=date(2011, 6, 1) + timedelta(days=n % 150),
                        sex=sex,
                        institution_id=institution.id,
                        admission_date=date(2020, 1, 1),
                        education_level=EducationLevel.primary,
                        vocational_level=VocationalLevel.none,
                        mediator_id=mediator.id,
                    ),  # fmt: skip
                    as_of=morning(registered),
                )
        at = morning(registered + timedelta(days=24))  # D−7 of every intake (due 4 Feb)

        def commit(session):  # type: ignore[no-untyped-def]
            session.commit()
            session.expunge_all()

        tracemalloc.start()
        started = time.perf_counter()
        with session_scope() as session:
            sweep_service.sweep(session, at, batch_size=batch_size, after_batch=commit)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        with session_scope() as session:
            written = session.exec(select(func.count()).select_from(Notification)).one()
        return SweepFigure(youths, written, seconds, peak / 2**20)
