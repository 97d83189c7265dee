"""Tasks of the indicators' snapshot flow: the institutions, then a batch of them at a time."""

from __future__ import annotations

from datetime import date

from prefect import task

from mowakaba.clock import from_iso
from mowakaba.db import session_scope
from mowakaba.services import indicator_snapshots as snapshot_service


@task
def find_institutions() -> list[int]:
    """Return the id of every institution."""
    with session_scope() as session:
        return snapshot_service.all_institution_ids(session)


@task(retries=2, retry_delay_seconds=[1, 10], task_run_name="snapshot-{institution_ids[0]}")
def store_snapshot_batch(institution_ids: list[int], as_of: str) -> int:
    """Store the day's figures of some institutions (`as_of`: a day, or an instant whose
    local date each institution's snapshot takes); return how many were written."""
    with session_scope() as session:
        if len(as_of) == 10:
            return snapshot_service.store_snapshot(
                session, day=date.fromisoformat(as_of), institution_ids=institution_ids
            )
        return snapshot_service.store_snapshot(
            session, at=from_iso(as_of), institution_ids=institution_ids
        )
