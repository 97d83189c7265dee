"""The nightly indicators' snapshot: every figure of every indicator per institution per
day, a task per batch of institutions; run twice on a day, one row per figure."""

from __future__ import annotations

from prefect import flow

from mowakaba import clock
from mowakaba.settings import get_settings
from tasks.indicators import find_institutions, store_snapshot_batch


@flow(name="indicators_snapshot", persist_result=False)
def indicators_snapshot(as_of: str | None = None) -> dict[str, int]:
    """Store today's indicators of every institution (`as_of`: an ISO day, or an instant
    whose local date each institution takes; now by default)."""
    at = as_of or clock.now().isoformat()
    size = get_settings().indicators_snapshot_batch_size
    ids = find_institutions()
    figures = 0
    for start in range(0, len(ids), size):
        figures += store_snapshot_batch(ids[start : start + size], at)
    return {"institutions": len(ids), "figures": figures}
