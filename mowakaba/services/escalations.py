"""Escalations: missed deadlines raised to coordinators (level 1) and supervisors (level 2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from mowakaba.clock import now
from mowakaba.enums import (
    EscalationReason,
    EventKind,
    IncidentStatus,
    NotificationKind,
    Role,
    WorkItemKind,
)
from mowakaba.errors import AlreadyClosed, NotFound
from mowakaba.models import (
    Escalation,
    Incident,
    Institution,
    User,
    UserInstitution,
    WorkItem,
    Youth,
)
from mowakaba.rules import Rules
from mowakaba.services import incidents as incident_service
from mowakaba.services import notifications as notification_service
from mowakaba.services import users as user_service
from mowakaba.services.timeline import record_event
from mowakaba.settings import get_settings


def recipients_for(session: Session, *, institution: Institution, level: int) -> list[User]:
    """Level 1: the institution's coordinators; level 2: its region's supervisors (or admins)."""
    if level == 1:
        return user_service.coordinators_of(session, institution.pk)
    return user_service.supervisors_of(session, institution.region)


def all_recipients(session: Session) -> dict[tuple[int, int], list[User]]:
    """Every institution's recipients at both levels, `recipients_for` in three queries."""
    coordinators: dict[int, list[User]] = {}
    rows = session.exec(
        select(UserInstitution.institution_id, User)
        .join(User, col(UserInstitution.user_id) == col(User.id))
        .where(User.role == Role.coordinator, col(User.is_active).is_(True))
        .order_by(col(User.id))
    )
    for institution_id, user in rows:
        coordinators.setdefault(institution_id, []).append(user)
    supervisors: dict[str | None, list[User]] = {}
    admins = []
    for user in session.exec(
        select(User)
        .where(col(User.role).in_([Role.supervisor, Role.admin]), col(User.is_active).is_(True))
        .order_by(col(User.id))
    ):
        if user.role == Role.admin:
            admins.append(user)
        else:
            supervisors.setdefault(user.region, []).append(user)
    found = {}
    for institution in session.exec(select(Institution)):
        found[(institution.pk, 1)] = coordinators.get(institution.pk, [])
        found[(institution.pk, 2)] = supervisors.get(institution.region) or admins
    return found


def raise_escalation(
    session: Session,
    *,
    item: WorkItem,
    youth: Youth,
    institution: Institution,
    level: int,
    today: date,
    at: datetime,
    rules: Rules,
    recipients: list[User] | None = None,
    outbox: list[notification_service.Outgoing] | None = None,
    checked: bool = False,
) -> Escalation | None:
    """Raise one escalation of an item at a level, once per cycle; notify its recipients.

    A batch (the sweep) may pass what it read for all its items: `checked` (no such
    escalation exists), the `recipients`, and an `outbox` that collects the notifications
    for one `enqueue_batch`."""
    if not checked:
        exists = session.exec(
            select(Escalation.id).where(
                Escalation.work_item_id == item.id,
                Escalation.cycle == item.cycle,
                Escalation.level == level,
                Escalation.reason == EscalationReason.overdue,
            )
        ).first()
        if exists is not None:
            return None
    if recipients is None:
        recipients = recipients_for(session, institution=institution, level=level)
    escalation = Escalation(
        work_item_id=item.pk,
        cycle=item.cycle,
        level=level,
        raised_at=at,
        recipient_ids=[u.id for u in recipients],  # type: ignore[misc]
    )
    session.add(escalation)
    item.escalation_level = max(item.escalation_level, level)
    session.add(item)
    assignee = session.get(User, item.assignee_id) if item.assignee_id else None
    context = {
        "level": level,
        "work_item_kind": item.kind.value,
        "youth_code": youth.code,
        "due_date": str(item.due_date),
        "assignee": assignee.display_name if assignee else None,  # None: the pool
        "institution": institution.name,
        "region": institution.region,
        "working_days": rules.timings.escalation_working_days[level - 1],
        "link": f"{get_settings().public_url}/work/{item.id}",
    }
    notifications = notification_service.outgoing_each(
        recipients,
        key=f"escalation:{item.id}:{item.cycle}:L{level}",
        kind=NotificationKind.escalation,
        youth_id=youth.id,
        work_item_id=item.id,
        context=context,
    )
    if outbox is None:
        notification_service.enqueue_batch(session, notifications)
    else:
        outbox.extend(notifications)
    record_event(
        session,
        youth,
        EventKind.escalation_raised,
        on=today,
        work_item_id=item.id,
        data={"level": level, "cycle": item.cycle},
    )
    return escalation


def incident_answered(session: Session, escalation: Escalation, actor: User) -> Incident | None:
    """The open incident a coordinator's acknowledgement of its escalation answers, if any.

    An incident's escalation (reason `incident`) acknowledged by a coordinator (the people
    who acknowledge incidents) acknowledges the incident: the same as
    `incidents.acknowledge_incident`. A supervisor's or an admin's acknowledgement says
    they have seen it, as for any escalation; the coordinators still have to respond."""
    if escalation.reason != EscalationReason.incident or actor.role != Role.coordinator:
        return None
    item = session.get(WorkItem, escalation.work_item_id)
    if item is None or item.kind != WorkItemKind.incident_response:
        return None
    number = item.subject.removeprefix("i")
    incident = session.get(Incident, int(number)) if number.isdigit() else None
    if incident is None or incident.youth_id != item.youth_id:
        return None
    return incident if incident.status == IncidentStatus.open else None


def acknowledge(
    session: Session, *, escalation_id: int, actor: User, as_of: datetime | None = None
) -> Escalation:
    """Acknowledge an escalation: its recipients (or an admin) say they have seen it.

    An incident's escalation acknowledged by a coordinator acknowledges the incident
    (`incident_answered`), once, with its own timeline entry."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None or (
        actor.id not in escalation.recipient_ids and actor.role != Role.admin
    ):
        raise NotFound(f"escalation {escalation_id} not found")
    if escalation.acknowledged_at is not None:
        raise AlreadyClosed(f"escalation {escalation_id} was acknowledged already")
    incident = incident_answered(session, escalation, actor)
    if incident is not None:  # the incident's acknowledgement acknowledges its escalations
        incident_service.acknowledge_incident(
            session, incident_id=incident.pk, actor=actor, as_of=as_of
        )
        session.refresh(escalation)
        return escalation
    escalation.acknowledged_by_id = actor.id
    escalation.acknowledged_at = as_of or now()
    session.add(escalation)
    item = session.get(WorkItem, escalation.work_item_id)
    youth = session.get(Youth, item.youth_id) if item else None
    if youth is not None:
        record_event(
            session,
            youth,
            EventKind.escalation_acknowledged,
            on=(as_of or now()).date(),
            actor_id=actor.id,
            work_item_id=escalation.work_item_id,
            data={"level": escalation.level},
        )
    session.flush()
    return escalation


def list_escalations(
    session: Session,
    *,
    recipient_id: int | None = None,
    acknowledged: bool | None = None,
    open_only: bool = True,
    limit: int = 100,
    offset: int = 0,
) -> list[Escalation]:
    """Return escalations, newest first (a recipient's own when given)."""
    query = select(Escalation)
    if open_only:
        query = query.where(col(Escalation.closed_at).is_(None))
    if acknowledged is not None:
        query = query.where(
            col(Escalation.acknowledged_at).is_not(None)
            if acknowledged
            else col(Escalation.acknowledged_at).is_(None)
        )
    rows = session.exec(query.order_by(col(Escalation.id).desc())).all()
    if recipient_id is not None:
        rows = [e for e in rows if recipient_id in e.recipient_ids]
    return list(rows[offset : offset + limit])
