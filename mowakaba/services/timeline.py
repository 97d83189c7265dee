"""The youth's timeline: one pathway event per thing that happened, in the order it happened."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from mowakaba.clock import now
from mowakaba.enums import EventKind
from mowakaba.models import PathwayEvent, Youth


def record_event(
    session: Session,
    youth: Youth,
    kind: EventKind,
    *,
    on: date,
    actor_id: int | None = None,
    work_item_id: int | None = None,
    flow_run_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> PathwayEvent:
    """Add a line to the youth's timeline (ids and codes in `data`, never notes)."""
    assert youth.id is not None
    event = PathwayEvent(
        youth_id=youth.id,
        kind=kind,
        stage=youth.stage,
        event_date=on,
        occurred_at=now(),
        actor_id=actor_id,
        work_item_id=work_item_id,
        flow_run_id=flow_run_id,
        data=data or {},
    )
    session.add(event)
    return event
