"""The delivery flow: drains the outbox in batches, with retries."""

from __future__ import annotations

from collections import Counter

from prefect import flow

from mowakaba import clock
from mowakaba.settings import get_settings
from tasks.notifications import deliver_batch, find_pending


@flow(name="deliver", persist_result=False)
def deliver(as_of: str | None = None) -> dict[str, int]:
    """Send every email due for an attempt; failures back off and are tried again later."""
    at = as_of or clock.now().isoformat()
    size = get_settings().delivery_batch_size
    counts: Counter[str] = Counter()
    seen: set[int] = set()
    while True:
        ids = [i for i in find_pending(at, size) if i not in seen]
        if not ids:
            return dict(counts)
        seen.update(ids)
        counts.update(deliver_batch(ids, at))
