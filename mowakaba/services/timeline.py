"""The youth's timeline: one pathway event per thing that happened, in the order it happened."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from mowakaba.clock import now
from mowakaba.enums import EventKind, Stage
from mowakaba.models import PathwayEvent, Youth
from mowakaba.paging import fetch_page


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


def page_events(
    session: Session, *, youth_id: int, limit: int, offset: int = 0,
    until_event_id: int | None = None,
) -> tuple[list[PathwayEvent], int]:  # fmt: skip
    """Return a page of a youth's timeline, newest first, and the total; up to an event
    only when `until_event_id` is given (what a former institution reads)."""
    query = select(PathwayEvent).where(PathwayEvent.youth_id == youth_id)
    if until_event_id is not None:
        query = query.where(col(PathwayEvent.id) <= until_event_id)
    return fetch_page(
        session,
        query,
        order_by=[col(PathwayEvent.occurred_at).desc(), col(PathwayEvent.id).desc()],
        limit=limit,
        offset=offset,
    )


def stage_dates(session: Session, *, youth_id: int) -> dict[Stage, date]:
    """Return the local day a youth entered each stage they reached (the latest entry)."""
    query = (
        select(PathwayEvent)
        .where(PathwayEvent.youth_id == youth_id, PathwayEvent.kind == EventKind.stage_entered)
        .order_by(col(PathwayEvent.occurred_at), col(PathwayEvent.id))
    )
    return {event.stage: event.event_date for event in session.exec(query)}
