"""Tasks of the pathway flow: each opens its own session, calls one service, commits."""

from __future__ import annotations

from typing import Any

from prefect import task

from mowakaba import clock
from mowakaba.db import session_scope
from mowakaba.models import Youth
from mowakaba.services import reconciliation as reconciliation_service


@task(retries=2, retry_delay_seconds=1)
def reconcile(
    youth_id: int, as_of: str | None = None, flow_run_id: str | None = None
) -> dict[str, Any]:
    """Bring one youth up to date and return what changed (ids, codes and dates only)."""
    with session_scope() as session:
        result = reconciliation_service.reconcile_youth(
            session, youth_id, clock.from_iso(as_of), flow_run_id=flow_run_id
        )
        youth = session.get(Youth, youth_id)
        assert youth is not None
        return {
            "youth_id": youth_id,
            "code": youth.code,
            "institution_id": youth.institution_id,
            "stage_before": result.stage_before.value,
            "stage_after": result.stage_after.value,
            "moves": [[stage.value, on.isoformat()] for stage, on in result.moves],
            "created": len(result.created),
            "cancelled": len(result.cancelled),
        }
