"""Tasks of the delivery flow."""

from __future__ import annotations

from prefect import task

from mowakaba.clock import from_iso
from mowakaba.db import session_scope
from mowakaba.notify.render import render_notification, render_sms
from mowakaba.notify.transports import configured_sms_transport, configured_transport
from mowakaba.services import notifications as notification_service
from mowakaba.services import sms as sms_service


@task
def find_pending(as_of: str, limit: int) -> list[int]:
    """Return the ids of emails due for an attempt."""
    with session_scope() as session:
        return notification_service.pending_ids(session, as_of=from_iso(as_of), limit=limit)


@task(retries=3, retry_delay_seconds=[1, 5, 30])
def deliver_batch(notification_ids: list[int], as_of: str) -> dict[str, int]:
    """Send a batch of emails; each attempt is recorded, a sent row is never sent again."""
    with session_scope() as session:
        result = notification_service.deliver_batch(
            session,
            notification_ids=notification_ids,
            transport=configured_transport(),
            render=render_notification,
            as_of=from_iso(as_of),
        )
        return {"sent": result.sent, "failed": result.failed, "gave_up": result.gave_up}


@task
def find_pending_sms(as_of: str, limit: int) -> list[int]:
    """Return the ids of SMS due for an attempt."""
    with session_scope() as session:
        return sms_service.pending_sms_ids(session, as_of=from_iso(as_of), limit=limit)


@task(retries=3, retry_delay_seconds=[1, 5, 30])
def deliver_sms_batch(sms_ids: list[int], as_of: str) -> dict[str, int]:
    """Send a batch of SMS; each attempt is recorded, a sent one is never sent again."""
    with session_scope() as session:
        result = sms_service.deliver_sms_batch(
            session, sms_ids=sms_ids, transport=configured_sms_transport(), render=render_sms,
            as_of=from_iso(as_of),
        )  # fmt: skip
        return {"sms_sent": result.sent, "sms_failed": result.failed,
                "sms_gave_up": result.gave_up}  # fmt: skip
