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
    at = as_of or now()
    size = batch_size or get_settings().delivery_batch_size
    chosen = transport or configured_transport()
    total = DeliveryResult()
    seen: set[int] = set()
    for _ in range(max_batches):
        ids = [
            i
            for i in notification_service.pending_ids(session, as_of=at, limit=size)
            if i not in seen
        ]
        if not ids:
            break
        seen.update(ids)
        result = notification_service.deliver_batch(
            session, notification_ids=ids, transport=chosen, render=render_notification, as_of=at
        )
        total.sent += result.sent
        total.failed += result.failed
        total.gave_up += result.gave_up
        total.ids += result.ids
        if after_batch is not None:
            after_batch(session)
    return total


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
    at = as_of or now()
    size = batch_size or get_settings().delivery_batch_size
    chosen = transport or configured_sms_transport()
    total = DeliveryResult()
    seen: set[int] = set()
    for _ in range(max_batches):
        ids = [
            i for i in sms_service.pending_sms_ids(session, as_of=at, limit=size) if i not in seen
        ]
        if not ids:
            break
        seen.update(ids)
        result = sms_service.deliver_sms_batch(
            session, sms_ids=ids, transport=chosen, render=render_sms, as_of=at
        )
        total.sent += result.sent
        total.failed += result.failed
        total.gave_up += result.gave_up
        total.ids += result.ids
        if after_batch is not None:
            after_batch(session)
    return total
