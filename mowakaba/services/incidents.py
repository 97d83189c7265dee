"""Urgent incidents: recorded on a youth, escalated at once, followed up by the coordinators.

Recording an incident, in the same transaction: an `incident_response` work item for
the institution's coordinators (due the next working day), an escalation raised at
once (reason `incident`) to the coordinators — and, for a serious kind, a second one to
the region's supervisors (the admins where there are none) — with their in-app and
email notifications, and an SMS to those who have a phone. Nothing waits for a sweep.

A runaway not marked returned within `runaway_decision_days` (calendar days) asks the
coordinators, once, to decide the unplanned exit (a `runaway_decision` work item, made
by a sweep phase: `runaway_batch`); keeping the place open sets a review date, after
which they are asked again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from mowakaba.clock import local_date, now
from mowakaba.enums import (
    AssigneePool,
    EscalationReason,
    EventKind,
    IncidentKind,
    IncidentStatus,
    NotificationKind,
    SmsKind,
    Stage,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import (
    AlreadyClosed,
    ImplausibleDates,
    NotAllowed,
    NotARunaway,
    NotFound,
    NothingToDecide,
)
from mowakaba.incident_schemas import IncidentReport, SmsAgreement
from mowakaba.models import Escalation, Incident, Institution, User, WorkItem, Youth
from mowakaba.paging import fetch_page
from mowakaba.rules import WorkItemSpec
from mowakaba.schemas import RunawayDecisionPayload
from mowakaba.services import calendars as calendar_service
from mowakaba.services import notifications as notification_service
from mowakaba.services import sms as sms_service
from mowakaba.services import users as user_service
from mowakaba.services.completions import Completion, complete_work_item
from mowakaba.services.timeline import record_event
from mowakaba.services.work_items import cancel_work_item, create_work_item, open_items
from mowakaba.settings import get_settings

# Escalated to the region's supervisors too: the kinds a supervisor must hear of at once.
SERIOUS_KINDS = frozenset({IncidentKind.arrest, IncidentKind.violence})
ADULT_AGE = 18  # a runaway of a minor is serious


def is_serious(kind: IncidentKind, *, date_of_birth: date, on: date) -> bool:
    """Arrest and violence always; a runaway when the youth is a minor."""
    if kind in SERIOUS_KINDS:
        return True
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month,
                                                               date_of_birth.day))  # fmt: skip
    return kind == IncidentKind.runaway and age < ADULT_AGE


def _lock(session: Session, youth_id: int) -> Youth:
    youth = session.exec(select(Youth).where(Youth.id == youth_id).with_for_update()).first()
    if youth is None:
        raise NotFound(f"youth {youth_id} not found")
    return youth


def record_incident(
    session: Session,
    *,
    youth_id: int,
    actor: User,
    report: IncidentReport,
    as_of: datetime | None = None,
) -> Incident:
    """Record an incident and escalate it at once (see the module's docstring)."""
    at = as_of or now()
    youth = _lock(session, youth_id)
    day = calendar_service.local_day(session, institution_id=youth.institution_id, at=at)
    institution, today = day.institution, day.today
    occurred = report.occurred_at
    occurred = occurred if occurred.tzinfo else occurred.replace(tzinfo=UTC)  # naive: UTC
    occurred_date = local_date(occurred, institution.time_zone)
    if occurred > at + timedelta(minutes=5):
        raise ImplausibleDates(f"occurred_at {occurred.isoformat()} is in the future")
    if occurred_date < youth.date_of_birth:
        raise ImplausibleDates(f"occurred_at {occurred_date} is before the youth's birth")
    if youth.stage == Stage.closed:
        raise NotAllowed(f"youth {youth.id}: the file is closed")
    if report.kind == IncidentKind.runaway and youth.exit_date is not None:
        raise NotAllowed(f"youth {youth.id} has left care: a runaway is for a youth in care")
    serious = is_serious(report.kind, date_of_birth=youth.date_of_birth, on=occurred_date)
    incident = Incident(
        youth_id=youth.pk, institution_id=youth.institution_id, kind=report.kind,
        occurred_at=occurred, occurred_date=occurred_date, description=report.description,
        serious=serious, reported_by_id=actor.pk, reported_at=at,
    )  # fmt: skip
    session.add(incident)
    session.flush()
    rules = day.rules()
    due = rules.calendar.add_working_days(today, rules.timings.incident_response_working_days)
    item = create_work_item(
        session, youth=youth, on=today, at=at,
        spec=WorkItemSpec(WorkItemKind.incident_response, due, subject=f"i{incident.id}",
                          pool=AssigneePool.institution_coordinators),
    )  # fmt: skip
    assert item is not None  # a new incident's subject is new
    incident.work_item_id = item.id
    item.escalation_level = 2 if serious else 1  # raised now: the sweep does not raise them again
    session.add_all([incident, item])
    record_event(
        session, youth, EventKind.incident_recorded, on=today, actor_id=actor.id,
        work_item_id=item.id,
        data={"incident_id": incident.pk, "kind": report.kind.value, "serious": serious},
    )  # fmt: skip
    for level in (1, 2) if serious else (1,):
        _escalate(session, incident=incident, item=item, youth=youth, institution=institution,
                  level=level, today=today, at=at)  # fmt: skip
    session.flush()
    return incident


def _escalate(
    session: Session, *, incident: Incident, item: WorkItem, youth: Youth,
    institution: Institution, level: int, today: date, at: datetime,
) -> None:  # fmt: skip
    """One escalation of an incident at a level, its notifications (and SMS), its event."""
    if level == 1:
        recipients = user_service.coordinators_of(session, institution.pk)
    else:
        recipients = user_service.supervisors_of(session, institution.region)
    session.add(
        Escalation(
            work_item_id=item.pk,
            cycle=0,
            level=level,
            reason=EscalationReason.incident,
            raised_at=at,
            recipient_ids=[u.pk for u in recipients],
        )  # fmt: skip
    )
    context = {
        "incident_kind": incident.kind.value, "youth_code": youth.code, "level": level,
        "occurred_date": str(incident.occurred_date), "institution": institution.name,
        "region": institution.region, "link": f"{get_settings().public_url}/incidents",
    }  # fmt: skip
    notification_service.enqueue_each(
        session, recipients=recipients, key=f"incident:{incident.id}:L{level}",
        kind=NotificationKind.incident, youth_id=youth.id, work_item_id=item.id,
        context=context,
    )  # fmt: skip
    for user in recipients:
        if user.phone:
            sms_service.enqueue_sms(
                session, key=f"sms:incident:{incident.id}:{user.id}", kind=SmsKind.incident,
                language=user.language, recipient=user, at=at,
                context={"youth_code": youth.code},  # the kind stays in-house
            )  # fmt: skip
    record_event(
        session, youth, EventKind.escalation_raised, on=today, work_item_id=item.id,
        data={"level": level, "cycle": 0, "reason": EscalationReason.incident.value},
    )  # fmt: skip


# ---------------------------------------------------------------- reading


def get_incident(session: Session, incident_id: int) -> Incident:
    """Return an incident (the edge checks the caller's scope over its youth)."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"incident {incident_id} not found")
    return incident


def page_incidents(
    session: Session,
    *,
    youth_query: SelectOfScalar[Youth] | None = None,
    youth_id: int | None = None,
    open_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Incident], int]:
    """Return a page of incidents, newest first: of one youth, or of the youths of a scope."""
    query = select(Incident)
    if youth_id is not None:
        query = query.where(Incident.youth_id == youth_id)
    if youth_query is not None:
        ids = youth_query.with_only_columns(col(Youth.id))
        query = query.where(col(Incident.youth_id).in_(ids))
    if open_only:
        query = query.where(Incident.status != IncidentStatus.closed)
    order = (col(Incident.occurred_at).desc(), col(Incident.id).desc())
    return fetch_page(session, query, order_by=order, limit=limit, offset=offset)


def decision_item(session: Session, incident: Incident) -> WorkItem | None:
    """The open runaway decision of an incident, if the coordinators are asked for one."""
    return session.exec(
        select(WorkItem).where(
            WorkItem.youth_id == incident.youth_id,
            WorkItem.kind == WorkItemKind.runaway_decision,
            WorkItem.status == WorkItemStatus.open,
            col(WorkItem.subject).startswith(f"i{incident.id}."),
        )
    ).first()


# ---------------------------------------------------------------- follow-up


def _open_incident(session: Session, incident_id: int) -> tuple[Incident, Youth]:
    incident = get_incident(session, incident_id)
    youth = _lock(session, incident.youth_id)
    if incident.status == IncidentStatus.closed:
        raise AlreadyClosed(f"incident {incident_id} is closed")
    return incident, youth


def _today(session: Session, youth: Youth, at: datetime) -> date:
    return calendar_service.local_day(session, institution_id=youth.institution_id, at=at).today


def acknowledge_incident(
    session: Session, *, incident_id: int, actor: User, note: str | None = None,
    as_of: datetime | None = None,
) -> Incident:  # fmt: skip
    """A coordinator has the incident in hand: its response item is done, escalations seen."""
    incident, _ = _open_incident(session, incident_id)
    if incident.status != IncidentStatus.open or incident.work_item_id is None:
        raise AlreadyClosed(f"incident {incident_id} was acknowledged already")
    complete_work_item(session, work_item_id=incident.work_item_id, actor=actor,
                       payload={"note": note}, as_of=as_of)  # fmt: skip
    return incident


def mark_returned(
    session: Session, *, incident_id: int, actor: User, returned_date: date,
    as_of: datetime | None = None,
) -> Incident:  # fmt: skip
    """A runaway is back: the date is kept, a pending decision on the exit is cancelled."""
    at = as_of or now()
    incident, youth = _open_incident(session, incident_id)
    today = _today(session, youth, at)
    if incident.kind != IncidentKind.runaway:
        raise NotARunaway(f"incident {incident_id} is not a runaway")
    if incident.returned_date is not None:
        raise AlreadyClosed(f"incident {incident_id}: returned already ({incident.returned_date})")
    if not incident.occurred_date <= returned_date <= today:
        raise ImplausibleDates(
            f"returned_date {returned_date} lies between {incident.occurred_date} and {today}"
        )
    incident.returned_date = returned_date
    session.add(incident)
    pending = decision_item(session, incident)
    if pending is not None:
        cancel_work_item(session, item=pending, reason="returned", on=today, youth=youth,
                         actor_id=actor.id)  # fmt: skip
    record_event(
        session, youth, EventKind.runaway_returned, on=today, actor_id=actor.id,
        data={"incident_id": incident.pk, "returned_date": str(returned_date)},
    )  # fmt: skip
    session.flush()
    return incident


def close_incident(
    session: Session, *, incident_id: int, actor: User, note: str | None = None,
    as_of: datetime | None = None,
) -> Incident:  # fmt: skip
    """Close an incident: its open work (response, runaway decision) ends with it."""
    at = as_of or now()
    incident, youth = _open_incident(session, incident_id)
    today = _today(session, youth, at)
    for item in open_items(
        session,
        youth_id=youth.pk,
        kinds={WorkItemKind.incident_response, WorkItemKind.runaway_decision},
    ):
        if item.subject.partition(".")[0] == f"i{incident.id}":
            cancel_work_item(session, item=item, reason="incident closed", on=today,
                             youth=youth, actor_id=actor.id)  # fmt: skip
    if incident.acknowledged_at is None:
        incident.acknowledged_by_id, incident.acknowledged_at = actor.id, at
    incident.status, incident.closed_by_id, incident.closed_at = IncidentStatus.closed, actor.id, at
    incident.closing_note = note
    session.add(incident)
    record_event(
        session, youth, EventKind.incident_closed, on=today, actor_id=actor.id,
        data={"incident_id": incident.pk, "kind": incident.kind.value},
    )  # fmt: skip
    session.flush()
    return incident


def decide_runaway(
    session: Session, *, incident_id: int, actor: User, payload: RunawayDecisionPayload,
    as_of: datetime | None = None,
) -> Completion:  # fmt: skip
    """The coordinators' decision on a runaway not back (through its open work item)."""
    incident = get_incident(session, incident_id)
    item = decision_item(session, incident)
    if item is None:
        raise NothingToDecide(f"incident {incident_id}: no decision is asked for now")
    return complete_work_item(session, work_item_id=item.pk, actor=actor, payload=payload,
                              as_of=as_of)  # fmt: skip


# ---------------------------------------------------------------- the sweep's phase


def runaway_batch(
    session: Session, *, at: datetime, today_of: Callable[[int], date], after_id: int,
    limit: int,
) -> tuple[int, int, bool]:  # fmt: skip
    """Ask the coordinators to decide on runaways not back in time; returns (created, last,
    more). A keyset batch over open runaways; each decision item is created once."""
    days = get_settings().timings.runaway_decision_days
    rows = list(
        session.exec(
            select(Incident)
            .where(
                Incident.kind == IncidentKind.runaway,
                Incident.status != IncidentStatus.closed,
                col(Incident.returned_date).is_(None),
                col(Incident.id) > after_id,
            )
            .order_by(col(Incident.id))
            .limit(limit)
        )
    )
    created = 0
    for incident in rows:
        today = today_of(incident.institution_id)
        when = incident.review_date or incident.occurred_date + timedelta(days=days)
        if today < when:
            continue
        youth = session.get(Youth, incident.youth_id)
        if youth is None or youth.exit_date is not None:
            continue  # the exit is recorded: nothing to decide
        rules = calendar_service.local_day(
            session, institution_id=incident.institution_id, at=at
        ).rules()
        due = rules.calendar.add_working_days(today, rules.timings.incident_response_working_days)
        spec = WorkItemSpec(WorkItemKind.runaway_decision, due,
                            subject=f"i{incident.id}.{incident.runaway_reviews}",
                            pool=AssigneePool.institution_coordinators)  # fmt: skip
        created += create_work_item(session, youth=youth, spec=spec, on=today, at=at) is not None
    return created, rows[-1].pk if rows else after_id, len(rows) == limit


# ---------------------------------------------------------------- SMS agreement


def set_sms_agreement(
    session: Session, *, youth_id: int, actor: User, agreement: SmsAgreement,
    as_of: datetime | None = None,
) -> Youth:  # fmt: skip
    """Record the youth's agreement to SMS reminders (with its date), or its end. The SMS
    go in the youth's language (`youth.language`, their documents' too), which a language
    given with the agreement changes."""
    at = as_of or now()
    youth = _lock(session, youth_id)
    today = _today(session, youth, at)
    agreed_date = agreement.agreed_date or today
    if agreement.agreed and agreed_date > today:
        raise ImplausibleDates(f"agreed_date {agreed_date} is in the future ({today})")
    youth.sms_agreed_date = agreed_date if agreement.agreed else None
    if agreement.agreed and agreement.language is not None:
        youth.language = agreement.language
    youth.updated_at = at
    session.add(youth)
    data: dict[str, Any] = {"agreed": agreement.agreed}
    if agreement.agreed:
        data |= {"agreed_date": str(agreed_date), "language": youth.language.value}
    record_event(session, youth, EventKind.sms_agreement_changed, on=today, actor_id=actor.id,
                 data=data)  # fmt: skip
    session.flush()
    return youth
