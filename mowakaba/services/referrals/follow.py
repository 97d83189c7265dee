"""Referrals, what follows: the moves settled (notices, linked work met) and the clocks chased."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, and_, col, or_, select

from mowakaba.clock import now
from mowakaba.enums import (
    EventKind,
    MilestoneStatus,
    NotificationKind,
    ReferralStatus,
    Role,
    SharedField,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import MowakabaError
from mowakaba.models import (
    Milestone,
    Partner,
    PartnerService,
    Referral,
    ReferralTransition,
    User,
    Youth,
)
from mowakaba.referral_rules import (
    PARTNER_MOVES,
    delivery_escalation_day,
)
from mowakaba.services import calendars as calendar_service
from mowakaba.services import notifications as notification_service
from mowakaba.services import partners as partner_service
from mowakaba.services import users as user_service
from mowakaba.services.referrals.lifecycle import _move, get_referral
from mowakaba.services.timeline import record_event
from mowakaba.settings import get_settings

R = ReferralStatus
log = logging.getLogger("mowakaba.referrals")
SENSITIVE_SHARES = (SharedField.health_details, SharedField.family_details)


# ---------------------------------------------------------------- what follows a move


@dataclass
class Settled:
    """What settling a referral's moves did."""

    transitions: int = 0
    notifications: int = 0
    completed_work_item_ids: list[int] = field(default_factory=list)
    youth_id: int | None = None


def _notify(
    session: Session,
    recipients: list[User],
    *,
    key: str,
    kind: NotificationKind,
    referral: Referral,
    youth: Youth,
    context: dict[str, Any],
) -> int:
    """Notify of a referral: staff with the youth's id and code; a partner's users with
    neither (a stable id would link a youth's referrals across partners)."""
    partner = session.get(Partner, referral.partner_id)
    service = session.get(PartnerService, referral.service_id)
    assert partner is not None and service is not None
    common = {
        "referral_id": referral.id,
        "partner": partner.name,
        "service": service.name,
        "link": f"{get_settings().public_url}/referrals/{referral.id}",
    } | context
    staff = [u for u in recipients if u.role != Role.partner]
    partners = [u for u in recipients if u.role == Role.partner]
    created = notification_service.enqueue_each(
        session, recipients=staff, key=key, kind=kind, youth_id=youth.id,
        context=common | {"youth_code": youth.code},
    )  # fmt: skip
    created += notification_service.enqueue_each(
        session, recipients=partners, key=key, kind=kind, youth_id=None, context=common
    )
    return created


def _sender(session: Session, referral: Referral, youth: Youth) -> list[User]:
    """Who hears of answers: the youth's mediator (or, without one, the sender)."""
    user_id = youth.mediator_id or referral.created_by_id
    user = session.get(User, user_id) if user_id else None
    return [user] if user is not None and user.is_active else []


def _meet_linked_work(
    session: Session, referral: Referral, youth: Youth, at: datetime
) -> list[int]:
    """A completed referral meets its plan milestone (the open check is done) and the exit
    checklist item its service meets."""
    from mowakaba.services.completions import complete_work_item
    from mowakaba.services.work_items import open_items

    actor = session.get(User, referral.created_by_id) if referral.created_by_id else None
    done: list[int] = []
    wanted: list[tuple[WorkItemKind, str, dict[str, Any]]] = []
    note = f"referral {referral.id} completed"
    if referral.milestone_id is not None:
        milestone = session.get(Milestone, referral.milestone_id)
        if milestone is not None and milestone.status in (
            MilestoneStatus.open,
            MilestoneStatus.delayed,
        ):
            wanted.append(
                (
                    WorkItemKind.milestone_check,
                    f"m{milestone.id}.",
                    {"outcome": "done", "reason": note},
                )
            )
    service = session.get(PartnerService, referral.service_id)
    if service is not None and service.checklist_item is not None:
        wanted.append(
            (
                WorkItemKind.exit_checklist_item,
                service.checklist_item.value,
                {"outcome": "done", "note": note},
            )
        )
    items = open_items(session, youth_id=youth.pk, kinds={k for k, _, _ in wanted})
    for kind, subject, payload in wanted:
        for item in items:
            matches = (
                item.subject.startswith(subject)
                if kind == WorkItemKind.milestone_check
                else item.subject == subject
            )
            if item.kind == kind and matches and item.status == WorkItemStatus.open:
                assert actor is not None
                try:
                    # A savepoint: an item that cannot be completed this way (a rule
                    # refuses) stays open for its assignee, and never blocks the sweep.
                    with session.begin_nested():
                        complete_work_item(
                            session,
                            work_item_id=item.pk,
                            actor=actor,
                            payload=payload,
                            as_of=at,
                            by_referral=referral.id,
                        )
                except MowakabaError as exc:
                    log.warning("referral %s: work item %s left open: %s", referral.id,
                                item.id, exc.code)  # fmt: skip
                    break
                done.append(item.pk)
                break
    return done


def settle_referral(session: Session, *, referral_id: int, at: datetime | None = None) -> Settled:
    """Do what follows a referral's unsettled moves, in order, once each: notify the
    partner's users of a new referral and the mediator of an answer, and meet the linked
    milestone and checklist item when it is completed."""
    at = at or now()
    referral = get_referral(session, referral_id, lock=True)
    youth = session.get(Youth, referral.youth_id)
    assert youth is not None
    settled = Settled(youth_id=youth.pk)
    pending = session.exec(
        select(ReferralTransition)
        .where(
            ReferralTransition.referral_id == referral_id,
            col(ReferralTransition.settled_at).is_(None),
        )
        .order_by(col(ReferralTransition.id))
    ).all()
    for move in pending:
        key = f"referral:{referral.id}:t{move.id}"
        context = {"status": move.target.value}
        if move.target == R.sent:
            settled.notifications += _notify(
                session,
                partner_service.users_of(session, referral.partner_id),
                key=key,
                kind=NotificationKind.referral_received,
                referral=referral,
                youth=youth,
                context=context | {"response_due_date": str(referral.response_due_date)},
            )
        elif move.target in PARTNER_MOVES or move.target == R.expired:
            kind = (
                NotificationKind.referral_expired
                if move.target == R.expired
                else NotificationKind.referral_answered
            )
            recipients = _sender(session, referral, youth)
            if move.target == R.expired:
                extra = user_service.coordinators_of(session, referral.institution_id)
                recipients += [u for u in extra if u not in recipients]
            settled.notifications += _notify(
                session,
                recipients,
                key=key,
                kind=kind,
                referral=referral,
                youth=youth,
                context=context | {"on_behalf": move.on_behalf},
            )
        if move.target == R.completed:
            settled.completed_work_item_ids += _meet_linked_work(session, referral, youth, at)
        move.settled_at = at
        session.add(move)
        settled.transitions += 1
    session.flush()
    return settled


def unsettled_batch(session: Session, *, after_id: int, limit: int) -> list[int]:
    """A batch of referrals with moves whose consequences wait (their run did not start)."""
    return list(
        session.exec(
            select(ReferralTransition.referral_id)
            .where(
                col(ReferralTransition.settled_at).is_(None),
                col(ReferralTransition.referral_id) > after_id,
            )
            .group_by(col(ReferralTransition.referral_id))
            .order_by(col(ReferralTransition.referral_id))
            .limit(limit)
        )
    )


# ---------------------------------------------------------------- the clocks


@dataclass
class Chased:
    escalated: int = 0
    expired: int = 0
    delivery_reminders: int = 0
    delivery_escalations: int = 0


def _escalate(
    session: Session,
    referral: Referral,
    youth: Youth,
    *,
    key: str,
    today: date,
    at: datetime,
    delivery: bool,
) -> int:
    coordinators = user_service.coordinators_of(session, referral.institution_id)
    created = _notify(
        session,
        coordinators,
        key=key,
        kind=NotificationKind.referral_overdue,
        referral=referral,
        youth=youth,
        context={
            "status": referral.status.value,
            "delivery": delivery,
            "due_date": str(referral.delivery_due_date if delivery else referral.response_due_date),
        },
    )
    record_event(
        session,
        youth,
        EventKind.referral_escalated,
        on=today,
        data={"referral_id": referral.id, "partner_id": referral.partner_id, "delivery": delivery},
    )
    return created


def chase_referral(
    session: Session,
    referral: Referral,
    *,
    today: date,
    at: datetime,
    calendar_of: Any,
) -> Chased:
    """Apply a referral's clocks on a local day: escalate an unanswered referral past day N
    (once), expire it past day 2N; remind and then escalate an undelivered one."""
    chased = Chased()
    youth = session.get(Youth, referral.youth_id)
    assert youth is not None
    if referral.status == R.sent and referral.response_due_date is not None:
        assert referral.expiry_date is not None
        if today > referral.expiry_date:
            _move(
                session,
                referral,
                R.expired,
                actor=None,
                at=at,
                reason=f"no answer by working day 2N ({referral.expiry_date})",
            )
            chased.expired += 1
        elif today > referral.response_due_date and referral.escalated_at is None:
            referral.escalated_at = at
            session.add(referral)
            _escalate(
                session,
                referral,
                youth,
                key=f"referral-overdue:{referral.id}",
                today=today,
                at=at,
                delivery=False,
            )
            chased.escalated += 1
    elif referral.status in (R.accepted, R.in_progress) and referral.delivery_due_date:
        due = referral.delivery_due_date
        if today > due and referral.delivery_reminded_at is None:
            referral.delivery_reminded_at = at
            session.add(referral)
            recipients = partner_service.users_of(session, referral.partner_id)
            recipients += _sender(session, referral, youth)
            _notify(
                session,
                recipients,
                key=f"referral-delivery:{referral.id}",
                kind=NotificationKind.referral_delivery_due,
                referral=referral,
                youth=youth,
                context={"status": referral.status.value, "due_date": str(due)},
            )
            chased.delivery_reminders += 1
        service = session.get(PartnerService, referral.service_id)
        assert service is not None
        calendar = calendar_of(due.year)
        escalate_after = delivery_escalation_day(due, service.response_days, calendar)
        if referral.delivery_escalated_at is None and today > escalate_after:
            referral.delivery_escalated_at = at
            session.add(referral)
            _escalate(
                session,
                referral,
                youth,
                key=f"referral-delivery-overdue:{referral.id}",
                today=today,
                at=at,
                delivery=True,
            )
            chased.delivery_escalations += 1
    return chased


def deadline_batch(
    session: Session,
    *,
    coarse_today: date,
    at: datetime,
    after_id: int,
    limit: int,
    today_of: Any,
) -> tuple[Chased, int, bool]:
    """Chase a batch of referrals whose clock may have run out (indexed on status and due
    dates); return what was done, the last id and whether more may follow."""
    horizon = coarse_today  # due dates before the local day (± a day across time zones)
    rows = list(
        session.exec(
            select(Referral)
            .where(
                col(Referral.id) > after_id,
                or_(
                    and_(
                        col(Referral.status) == R.sent, col(Referral.response_due_date) <= horizon
                    ),
                    and_(
                        col(Referral.status).in_([R.accepted, R.in_progress]),
                        col(Referral.delivery_due_date) <= horizon,
                    ),
                ),
            )
            .order_by(col(Referral.id))
            .limit(limit)
            # Locked while chased: an answer arriving now waits, then finds it expired (or
            # the chase waits and finds it answered); read afresh under the lock.
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    total = Chased()
    calendars: dict[int, Any] = {}

    def calendar_of(year: int) -> Any:
        if year not in calendars:
            calendars[year] = calendar_service.national_calendar(
                session, years=(year, year + 1, year + 2)
            )
        return calendars[year]

    for referral in rows:
        done = chase_referral(
            session,
            referral,
            today=today_of(referral.institution_id),
            at=at,
            calendar_of=calendar_of,
        )
        total.escalated += done.escalated
        total.expired += done.expired
        total.delivery_reminders += done.delivery_reminders
        total.delivery_escalations += done.delivery_escalations
    last = rows[-1].pk if rows else after_id
    return total, last, len(rows) == limit
