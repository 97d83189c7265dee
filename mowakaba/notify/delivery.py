"""Draining the outbox: pending emails and SMS in batches, through the configured transports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from mowakaba.clock import now
from mowakaba.notify.render import render_notification, render_sms
from mowakaba.notify.transports import configured_sms_transport, configured_transport
from mowakaba.services import notifications as notification_service
from mowakaba.services import sms as sms_service
from mowakaba.services.notifications import DeliveryResult, Transport
from mowakaba.settings import get_settings

# (session, at, limit) -> the ids due; (session, ids, at) -> what sending them did.
Pending = Callable[[Session, datetime, int], list[int]]
Send = Callable[[Session, list[int], datetime], DeliveryResult]


def drain(
    session: Session,
    at: datetime,
    *,
    pending: Pending,
    send: Send,
    batch_size: int | None = None,
    after_batch: Callable[[Session], None] | None = None,
    max_batches: int = 1000,
) -> DeliveryResult:
    """Send every message due for an attempt, batch by batch; the edge may commit after each."""
    size = batch_size or get_settings().delivery_batch_size
    total = DeliveryResult()
    seen: set[int] = set()
    for _ in range(max_batches):
        ids = [i for i in pending(session, at, size) if i not in seen]
        if not ids:
            break
        seen.update(ids)
        result = send(session, ids, at)
        total.sent += result.sent
        total.failed += result.failed
        total.gave_up += result.gave_up
        total.ids += result.ids
        if after_batch is not None:
            after_batch(session)
    return total


def deliver_pending(
    session: Session,
    as_of: datetime | None = None,
    *,
    transport: Transport | None = None,
    batch_size: int | None = None,
    after_batch: Callable[[Session], None] | None = None,
    max_batches: int = 1000,
) -> DeliveryResult:
    """Send every email due for an attempt, batch by batch; the edge may commit after each."""
    chosen = transport or configured_transport()
    return drain(
        session, as_of or now(), batch_size=batch_size, after_batch=after_batch,
        max_batches=max_batches,
        pending=lambda s, at, n: notification_service.pending_ids(s, as_of=at, limit=n),
        send=lambda s, ids, at: notification_service.deliver_batch(
            s, notification_ids=ids, transport=chosen, render=render_notification, as_of=at),
    )  # fmt: skip


def deliver_pending_sms(
    session: Session,
    as_of: datetime | None = None,
    *,
    transport: Transport | None = None,
    batch_size: int | None = None,
    after_batch: Callable[[Session], None] | None = None,
    max_batches: int = 1000,
) -> DeliveryResult:
    """Send every SMS due for an attempt, batch by batch; the edge may commit after each."""
    chosen = transport or configured_sms_transport()
    return drain(
        session, as_of or now(), batch_size=batch_size, after_batch=after_batch,
        max_batches=max_batches,
        pending=lambda s, at, n: sms_service.pending_sms_ids(s, as_of=at, limit=n),
        send=lambda s, ids, at: sms_service.deliver_sms_batch(
            s, sms_ids=ids, transport=chosen, render=render_sms, as_of=at),
    )  # fmt: skip
