"""The delivery flow: drains the outbox in batches, with retries."""

from __future__ import annotations

from collections import Counter

from prefect import flow

from mowakaba import clock
from mowakaba.settings import get_settings
from tasks.notifications import deliver_batch, deliver_sms_batch, find_pending, find_pending_sms


@flow(name="deliver", persist_result=False)
def deliver(as_of: str | None = None) -> dict[str, int]:
    """Send every email and SMS due for an attempt; failures back off and are tried again."""
    at = as_of or clock.now().isoformat()
    size = get_settings().delivery_batch_size
    counts: Counter[str] = Counter()
    seen: set[int] = set()
    while True:
        ids = [i for i in find_pending(at, size) if i not in seen]
        if not ids:
            break
        seen.update(ids)
        counts.update(deliver_batch(ids, at))
    seen_sms: set[int] = set()
    while True:
        ids = [i for i in find_pending_sms(at, size) if i not in seen_sms]
        if not ids:
            return dict(counts)
        seen_sms.update(ids)
        counts.update(deliver_sms_batch(ids, at))
