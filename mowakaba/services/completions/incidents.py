"""Incidents' work: the coordinators' response, and their decision on a runaway not back."""

from __future__ import annotations

from sqlmodel import Session, col, select

from mowakaba.enums import EventKind, ExitKind, IncidentStatus
from mowakaba.errors import AlreadyClosed, DateInPast, NotFound
from mowakaba.models import Escalation, Incident, WorkItem
from mowakaba.schemas import IncidentResponsePayload, RecordExitPayload, RunawayDecisionPayload
from mowakaba.services.completions.context import CompletionContext
from mowakaba.services.completions.exits import record_exit
from mowakaba.services.timeline import record_event


def incident_of(session: Session, item: WorkItem) -> Incident:
    """The incident a response or decision item is about (its subject is `i<id>[.<n>]`)."""
    number = item.subject.lstrip("i").partition(".")[0]
    incident = session.get(Incident, int(number)) if number.isdigit() else None
    if incident is None or incident.youth_id != item.youth_id:
        raise NotFound(f"work item {item.id}: its incident is not found")
    return incident


def respond_to_incident(
    ctx: CompletionContext, payload: IncidentResponsePayload
) -> list[WorkItem | None]:
    """Acknowledge the incident and its escalations: the coordinators have it in hand."""
    incident = incident_of(ctx.session, ctx.item)
    if incident.status == IncidentStatus.open:
        incident.status = IncidentStatus.acknowledged
        incident.acknowledged_by_id, incident.acknowledged_at = ctx.actor.id, ctx.at
        incident.acknowledgement_note = payload.note
        ctx.session.add(incident)
    for escalation in ctx.session.exec(
        select(Escalation).where(
            Escalation.work_item_id == ctx.item.id, col(Escalation.acknowledged_at).is_(None)
        )
    ):
        escalation.acknowledged_by_id, escalation.acknowledged_at = ctx.actor.id, ctx.at
        ctx.session.add(escalation)
    record_event(
        ctx.session, ctx.youth, EventKind.incident_acknowledged, on=ctx.today,
        actor_id=ctx.actor.id, work_item_id=ctx.item.id,
        data={"incident_id": incident.pk, "kind": incident.kind.value},
    )  # fmt: skip
    return []


def decide_runaway(
    ctx: CompletionContext, payload: RunawayDecisionPayload
) -> list[WorkItem | None]:
    """Record the unplanned exit (kind runaway), or keep the place open until a review date."""
    incident = incident_of(ctx.session, ctx.item)
    if incident.returned_date is not None or incident.status == IncidentStatus.closed:
        raise AlreadyClosed(f"incident {incident.id}: the youth is back or it is closed")
    if payload.decision == "record_exit":
        exit_date = payload.exit_date or incident.occurred_date
        record_exit(
            ctx.session, youth=ctx.youth, actor=ctx.actor, today=ctx.today,
            work_item_id=ctx.item.id,
            payload=RecordExitPayload(
                exit_date=exit_date, kind=ExitKind.runaway, destination=payload.destination,
                reason=payload.reason or f"runaway (incident {incident.id})",
            ),
        )  # fmt: skip
        incident.status, incident.closed_by_id, incident.closed_at = (
            IncidentStatus.closed, ctx.actor.id, ctx.at,
        )  # fmt: skip
        incident.closing_note = payload.reason
    else:
        assert payload.review_date is not None
        if payload.review_date <= ctx.today:
            raise DateInPast(f"review date {payload.review_date} is not after {ctx.today}")
        incident.runaway_reviews += 1
        incident.review_date = payload.review_date
        record_event(
            ctx.session, ctx.youth, EventKind.runaway_place_kept, on=ctx.today,
            actor_id=ctx.actor.id, work_item_id=ctx.item.id,
            data={"incident_id": incident.pk, "review_date": str(payload.review_date)},
        )  # fmt: skip
    ctx.session.add(incident)
    return []
