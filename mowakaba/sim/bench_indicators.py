"""`mowakaba bench indicators`: every indicator over N youths, each beside its 1 s target.

The national data set (`mowakaba.sim.national`: youths, their work, exits, checkpoints,
escalations, extensions and referrals, written in bulk, no pathway runs) goes into a
fresh SQLite data directory, or the database `database_url` names; then each indicator
is computed three times over every institution, its median kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date

import sqlalchemy as sa
from sqlmodel import col, func, select

from mowakaba import migrate
from mowakaba.db import get_engine, session_scope
from mowakaba.models import Youth
from mowakaba.services import indicators as indicator_service
from mowakaba.sim.bench import fresh_home
from mowakaba.sim.bench_pages import Latency, time_dashboard
from mowakaba.sim.national import AS_OF, NATIONAL_PASSWORD, seed_national
from mowakaba.sim.timing import Figure

TARGET_SECONDS = 1.0
PERIOD_START = date(AS_OF.year, 1, 1)


@contextmanager
def _migrated() -> Iterator[None]:
    migrate.upgrade(get_engine())
    yield


def time_indicators(
    youths: int,
    *,
    runs: int = 3,
    progress: Callable[[str], None] = lambda _: None,
    fresh: bool = True,
    dashboard_requests: int = 0,
) -> list[Figure | Latency]:
    """Seed `youths` youths, then time each indicator over every institution (and the
    dashboard through the app, `dashboard_requests` times, if not 0).

    `fresh`: in a throw-away SQLite data directory; else in the database configured
    (migrated and empty: the caller made it)."""
    where: AbstractContextManager[None] = fresh_home() if fresh else _migrated()
    with where:
        progress(f"writing {youths} youths...")
        seed_national(youths, progress=progress)
        if get_engine().dialect.name == "postgresql":
            with get_engine().connect() as connection:
                connection.execute(sa.text("ANALYZE"))
                connection.commit()
        figures: list[Figure | Latency] = list(_indicators(youths, runs, progress))
        if dashboard_requests:
            with session_scope(write=False) as session:
                largest = session.exec(
                    select(Youth.institution_id)
                    .group_by(col(Youth.institution_id))
                    .order_by(func.count().desc())
                ).first()
            accounts = [
                ("sup.national", f"national supervisor ({youths:,} youths)"),
                (f"coord.{largest}.0", "coordinator, largest institution"),
            ]
            figures += time_dashboard(
                accounts, NATIONAL_PASSWORD, requests=dashboard_requests, progress=progress
            )
        return figures


def _indicators(youths: int, runs: int, progress: Callable[[str], None]) -> Iterator[Figure]:
    """Time each indicator over every institution, `runs` times."""
    query = indicator_service.IndicatorQuery(None, PERIOD_START, AS_OF)
    for key in indicator_service.INDICATOR_KEYS:
        progress(f"timing {key}...")
        seconds = []
        for _ in range(runs):
            with session_scope() as session:
                started = time.perf_counter()
                indicator_service.compute_indicator(session, key=key, query=query)
                seconds.append(time.perf_counter() - started)
        yield Figure(f"{key} ({youths:,} youths)", seconds, TARGET_SECONDS)
