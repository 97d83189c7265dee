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

from mowakaba import migrate
from mowakaba.db import get_engine, session_scope
from mowakaba.services import indicators as indicator_service
from mowakaba.sim.bench import fresh_home
from mowakaba.sim.national import AS_OF, seed_national
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
) -> list[Figure]:
    """Seed `youths` youths, then time each indicator over every institution.

    `fresh`: in a throw-away SQLite data directory; else in the database configured
    (migrated and empty: the caller made it)."""
    where: AbstractContextManager[None] = fresh_home() if fresh else _migrated()
    with where:
        progress(f"writing {youths} youths...")
        seed_national(youths, progress=progress)
        query = indicator_service.IndicatorQuery(None, PERIOD_START, AS_OF)
        figures = []
        for key in indicator_service.INDICATOR_KEYS:
            progress(f"timing {key}...")
            seconds = []
            for _ in range(runs):
                with session_scope() as session:
                    started = time.perf_counter()
                    indicator_service.compute_indicator(session, key=key, query=query)
                    seconds.append(time.perf_counter() - started)
            figures.append(Figure(f"{key} ({youths:,} youths)", seconds, TARGET_SECONDS))
        return figures
