"""The sweep's task: one batch of one phase, committed on its own."""

from __future__ import annotations

from typing import Any

from prefect import task

from mowakaba.clock import from_iso
from mowakaba.db import session_scope
from mowakaba.services import sweep as sweep_service


@task(retries=2, retry_delay_seconds=1, task_run_name="sweep-{phase}")
def sweep_batch(phase: str, as_of: str, after_id: int, limit: int) -> dict[str, Any]:
    """Run one batch of a sweep phase (missed checkpoints, stage changes, reminders,
    escalations) and return what it did as plain values."""
    with session_scope() as session:
        batch = sweep_service.run_batch(
            session, phase, from_iso(as_of), after_id=after_id, limit=limit
        )
        return batch.to_json()
