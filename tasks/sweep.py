"""Tasks of the sweep flow: one batch each, committed on its own."""

from __future__ import annotations

from typing import Any

from prefect import task
from sqlmodel import col, select

from mowakaba.clock import from_iso, local_date
from mowakaba.db import session_scope
from mowakaba.models import PathwayEvent, Youth
from mowakaba.services import sweep as sweep_service
from mowakaba.services.reconciliation import youths_due
from mowakaba.settings import get_settings


@task(retries=2, retry_delay_seconds=1)
def mark_missed_checkpoints(as_of: str, after_id: int, limit: int) -> dict[str, Any]:
    """Mark a batch of checkpoints missed; youths touched are flagged for reconciliation."""
    with session_scope() as session:
        ctx = sweep_service.SweepContext(session, from_iso(as_of))
        missed, marked, youths, last, more = sweep_service.missed_batch(
            ctx, after_id=after_id, limit=limit
        )
        for youth_id in youths:
            youth = session.get(Youth, youth_id)
            if youth is not None:
                youth.needs_reconciliation = True
                session.add(youth)
        return {"missed": missed, "marked": marked, "last": last, "more": more}


@task(retries=2, retry_delay_seconds=1)
def find_due_youths(as_of: str, after_id: int, limit: int) -> dict[str, Any]:
    """Return a batch of youths whose stage must change, each with its triggering event."""
    with session_scope() as session:
        at = from_iso(as_of)
        today = local_date(at, get_settings().default_time_zone)
        ids = youths_due(session, today=today, after_id=after_id, limit=limit)
        youths = []
        for youth_id in ids:
            youth = session.get(Youth, youth_id)
            assert youth is not None
            if youth.next_trigger_date is not None and youth.next_trigger_date <= today:
                event = f"trigger-{youth.next_trigger_date}"
            else:
                last_event = session.exec(
                    select(col(PathwayEvent.id))
                    .where(PathwayEvent.youth_id == youth_id)
                    .order_by(col(PathwayEvent.id).desc())
                ).first()
                event = f"event-{last_event}"
            youths.append(
                {
                    "youth_id": youth_id,
                    "code": youth.code,
                    "institution_id": youth.institution_id,
                    "stage": youth.stage.value,
                    # One run per trigger and day: a run that crashed is tried again tomorrow.
                    "event": f"{event}-on-{today}",
                }
            )
        return {"youths": youths, "last": ids[-1] if ids else after_id, "more": len(ids) == limit}


@task(retries=2, retry_delay_seconds=1)
def send_reminders(as_of: str, after_id: int, limit: int) -> dict[str, Any]:
    """Write the reminders due in a batch of open items to the outbox."""
    with session_scope() as session:
        ctx = sweep_service.SweepContext(session, from_iso(as_of))
        sent, last, more = sweep_service.reminder_batch(ctx, after_id=after_id, limit=limit)
        return {"sent": sent, "last": last, "more": more}


@task(retries=2, retry_delay_seconds=1)
def raise_escalations(as_of: str, after_id: int, limit: int) -> dict[str, Any]:
    """Raise the escalations due in a batch of overdue items."""
    with session_scope() as session:
        ctx = sweep_service.SweepContext(session, from_iso(as_of))
        (level_1, level_2), last, more = sweep_service.escalation_batch(
            ctx, after_id=after_id, limit=limit
        )
        return {"level_1": level_1, "level_2": level_2, "last": last, "more": more}
