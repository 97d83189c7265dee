"""Referrals: a youth sent to a partner's service, answered, delivered — and chased.

Every move goes through `_move`: it checks the transition table
(mowakaba/referral_rules.py), writes a `referral_transition` (who, how: an answer recorded
on a partner's behalf names the recorder, who answered and by what means) and a line of
the youth's timeline. What follows from a move — the partner's users told of a new
referral, the mediator told of an answer, a plan milestone and an exit checklist item met
by a completed referral — is done by `settle_referral`, in the `referral` flow run the
edge starts after the commit, or by the sweep when that run could not start. The sweep
also chases the clocks (`deadline_batch`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import Any

from sqlmodel import Session, and_, col, func, or_, select

from mowakaba.clock import local_date, now
from mowakaba.enums import (
    AnswerMethod,
    ChecklistItem,
    EventKind,
    Language,
    MilestoneStatus,
    NotificationKind,
    ReferralStatus,
    Role,
    SharedField,
    WorkItemKind,
    WorkItemStatus,
)
from mowakaba.errors import (
    ConsentRequired,
    InvalidInput,
    InvalidReferralTransition,
    NotAllowed,
    NotEligible,
    NotFound,
)
from mowakaba.models import (
    Consent,
    Contact,
    Institution,
    Milestone,
    Partner,
    PartnerService,
    Referral,
    ReferralTransition,
    User,
    Youth,
)
from mowakaba.paging import fetch_page
from mowakaba.referral_rules import (
    CLOSED,
    OPEN,
    PARTNER_MOVES,
    REROUTABLE,
    check_move,
    delivery_due,
    delivery_escalation_day,
    response_clock,
)
from mowakaba.rules import age_on
from mowakaba.schemas import AnswerIn, ReferralIn
from mowakaba.services import calendars as calendar_service
from mowakaba.services import consents as consent_service
from mowakaba.services import notifications as notification_service
from mowakaba.services import partners as partner_service
from mowakaba.services import users as user_service
from mowakaba.services.timeline import record_event
from mowakaba.settings import get_settings

R = ReferralStatus
SENSITIVE_SHARES = (SharedField.health_details, SharedField.family_details)


def _today(session: Session, referral: Referral | Youth, at: datetime) -> date:
    institution = session.get(Institution, referral.institution_id)
    assert institution is not None
    return local_date(at, institution.time_zone)


def get_referral(session: Session, referral_id: int, *, lock: bool = False) -> Referral:
    """Return a referral or raise NotFound."""
    query = select(Referral).where(Referral.id == referral_id)
    if lock:
        query = query.with_for_update()
    referral = session.exec(query).first()
    if referral is None:
        raise NotFound(f"referral {referral_id} not found")
    return referral


def _move(
    session: Session,
    referral: Referral,
    target: ReferralStatus,
    *,
    actor: User | None,
    at: datetime,
    reason: str | None = None,
    answered_by: str | None = None,
    method: Any = None,
    on_behalf: bool = False,
) -> ReferralTransition:
    """Move a referral (checked against the table) and record the move twice: the
    referral's own history and the youth's timeline."""
    source = referral.status
    if target != R.draft:
        check_move(referral.id, source, target)
    youth = session.get(Youth, referral.youth_id)
    assert youth is not None
    referral.status = target
    referral.updated_at = at
    if target in CLOSED:
        referral.closed_at = at
    session.add(referral)
    session.flush()
    event = record_event(
        session,
        youth,
        EventKind(f"referral_{'drafted' if target == R.draft else target.value}"),
        on=_today(session, referral, at),
        actor_id=actor.id if actor else None,
        data={
            "referral_id": referral.id,
            "partner_id": referral.partner_id,
            "service_id": referral.service_id,
        }
        | ({"on_behalf": True, "method": method.value if method else None} if on_behalf else {}),
    )
    session.flush()
    transition = ReferralTransition(
        referral_id=referral.pk,
        source=None if target == R.draft else source,
        target=target,
        at=at,
        actor_id=actor.id if actor else None,
        on_behalf=on_behalf,
        answered_by=answered_by or None,
        method=method,
        reason=reason or None,
        pathway_event_id=event.id,
    )
    session.add(transition)
    session.flush()
    return transition


# ---------------------------------------------------------------- the sender's side


def may_refer(session: Session, *, user: User, youth: Youth) -> bool:
    """The youth's mediator, or a coordinator of the youth's institution, refers."""
    if user.role == Role.mediator:
        return youth.mediator_id == user.id
    if user.role == Role.coordinator:
        return youth.institution_id in user_service.institution_ids_of(session, user.pk)
    return False


def _check_sender(session: Session, user: User, youth: Youth, referral_id: int | None) -> None:
    if not may_refer(session, user=user, youth=youth):
        what = f"referral {referral_id}" if referral_id else f"referrals of youth {youth.id}"
        raise NotAllowed(f"user {user.id} may not act on {what}")


def create_referral(
    session: Session, *, youth: Youth, data: ReferralIn, actor: User, at: datetime | None = None
) -> Referral:
    """Draft a referral to a service the youth is eligible for (and send it, if asked)."""
    at = at or now()
    _check_sender(session, actor, youth, None)
    service = partner_service.get_service(session, data.service_id)
    partner = partner_service.get_partner(session, service.partner_id)
    if not (service.is_active and partner.is_active):
        raise InvalidInput(f"service {service.id} is not offered any more")
    today = _today(session, youth, at)
    facts = partner_service.youth_facts(session, youth)
    reasons = partner_service.not_eligible_because(service, partner, facts, today)
    if reasons:
        raise NotEligible(
            f"youth {youth.id} is not eligible for service {service.id}: "
            + "; ".join(r.text(Language.en) for r in reasons)
        )
    if data.milestone_id is not None:
        milestone = session.get(Milestone, data.milestone_id)
        if milestone is None or milestone.youth_id != youth.id:
            raise NotFound(f"milestone {data.milestone_id} not found")
    for name in SENSITIVE_SHARES:
        if name in data.shared_fields and not getattr(data, name.value):
            raise InvalidInput(f"{name.value} is shared but empty")
    referral = Referral(
        youth_id=youth.pk,
        institution_id=youth.institution_id,
        partner_id=partner.pk,
        service_id=service.pk,
        milestone_id=data.milestone_id,
        need=data.need,
        shared_fields=[f.value for f in data.shared_fields],
        shared={
            name.value: getattr(data, name.value)
            for name in SENSITIVE_SHARES
            if name in data.shared_fields
        },
        created_by_id=actor.id,
        created_at=at,
        updated_at=at,
    )
    session.add(referral)
    session.flush()
    _move(session, referral, R.draft, actor=actor, at=at)
    if data.send:
        send_referral(
            session,
            referral_id=referral.pk,
            actor=actor,
            override_reason=data.override_reason,
            at=at,
        )
    return referral


def _snapshot(session: Session, referral: Referral, youth: Youth) -> dict[str, Any]:
    """The minimised copy of the youth a partner sees: the fields the sender chose."""
    values: dict[str, Any] = {}
    for name in referral.shared_fields:
        field_ = SharedField(name)
        if field_ == SharedField.last_name:
            values[name] = " ".join(n for n in (youth.last_name, youth.last_name_ar) if n)
        elif field_ == SharedField.sex:
            values[name] = youth.sex.value
        elif field_ == SharedField.education_level:
            values[name] = youth.education_level.value
        elif field_ == SharedField.vocational_level:
            values[name] = youth.vocational_level.value
        elif field_ == SharedField.phone:
            phone = session.exec(
                select(Contact.value)
                .where(
                    Contact.youth_id == youth.id,
                    Contact.kind == "phone",
                    col(Contact.is_current).is_(True),
                )
                .order_by(col(Contact.id).desc())
            ).first()
            values[name] = phone or ""
        else:
            values[name] = referral.shared.get(name, "")
    return values


def send_referral(
    session: Session,
    *,
    referral_id: int,
    actor: User,
    override_reason: str = "",
    at: datetime | None = None,
) -> Referral:
    """Send a draft: it needs a valid consent covering the partner and what is shared, or
    a coordinator's override with a reason. The partner's clock starts."""
    at = at or now()
    referral = get_referral(session, referral_id, lock=True)
    youth = session.get(Youth, referral.youth_id)
    assert youth is not None
    _check_sender(session, actor, youth, referral.id)
    check_move(referral.id, referral.status, R.sent)
    service = partner_service.get_service(session, referral.service_id)
    today = _today(session, referral, at)
    consent = consent_service.covering(
        session,
        youth=youth,
        partner_id=referral.partner_id,
        axis=service.axis,
        fields=referral.shared_fields,
        day=today,
    )
    if consent is None:
        if actor.role != Role.coordinator or not override_reason.strip():
            raise ConsentRequired(
                f"referral {referral.id}: no valid consent covers partner {referral.partner_id} "
                "and the data shared; record one, or a coordinator overrides with a reason"
            )
        referral.override_reason, referral.override_by_id = override_reason.strip(), actor.id
    referral.consent_id = consent.id if consent else None
    referral.shared = _snapshot(session, referral, youth)
    calendar = calendar_service.national_calendar(session, years=(today.year, today.year + 1))
    clock = response_clock(today, service.response_days, calendar)
    referral.sent_at, referral.sent_date = at, today
    referral.response_due_date, referral.expiry_date = clock.due, clock.expires
    _move(
        session,
        referral,
        R.sent,
        actor=actor,
        at=at,
        reason=referral.override_reason and f"consent override: {referral.override_reason}",
    )
    return referral


def cancel_referral(
    session: Session, *, referral_id: int, actor: User, reason: str, at: datetime | None = None
) -> Referral:
    """Cancel a referral (its sender's side, at any time before it closes)."""
    at = at or now()
    referral = get_referral(session, referral_id, lock=True)
    youth = session.get(Youth, referral.youth_id)
    assert youth is not None
    _check_sender(session, actor, youth, referral.id)
    check_move(referral.id, referral.status, R.cancelled)
    _move(session, referral, R.cancelled, actor=actor, at=at, reason=reason)
    return referral


def reroute_referral(
    session: Session,
    *,
    referral_id: int,
    actor: User,
    service_id: int,
    reason: str = "",
    at: datetime | None = None,
) -> Referral:
    """Send a referral to another service in one action: a referral still waiting closes
    as re-routed (a declined or expired one keeps its status); the new one is sent at once
    and starts its own clock. A coordinator's reason stands in for a consent the new
    partner lacks."""
    at = at or now()
    old = get_referral(session, referral_id, lock=True)
    youth = session.get(Youth, old.youth_id)
    assert youth is not None
    _check_sender(session, actor, youth, old.id)
    if old.status not in REROUTABLE:
        raise InvalidReferralTransition(old.id, old.status.value, R.rerouted.value)
    if old.rerouted_to_id is not None:
        raise InvalidInput(f"referral {old.id} was re-routed already (to {old.rerouted_to_id})")
    if service_id == old.service_id:
        raise InvalidInput(f"referral {old.id} is with service {service_id} already")
    data = ReferralIn(
        service_id=service_id,
        need=old.need,
        shared_fields=old.shared_fields,
        health_details=old.shared.get("health_details", ""),
        family_details=old.shared.get("family_details", ""),
        milestone_id=old.milestone_id,
    )
    new = create_referral(session, youth=youth, data=data, actor=actor, at=at)
    new.rerouted_from_id = old.id
    send_referral(session, referral_id=new.pk, actor=actor, override_reason=reason, at=at)
    old.rerouted_to_id = new.id
    if old.status == R.sent:
        _move(session, old, R.rerouted, actor=actor, at=at, reason=reason or None)
    session.add(old)
    return new


# ---------------------------------------------------------------- the partner's side


def answer_referral(
    session: Session, *, referral_id: int, actor: User, data: AnswerIn, at: datetime | None = None
) -> Referral:
    """The partner's answer or report: by one of its users, or recorded on its behalf by
    the youth's mediator or coordinator (who answered, and how, are then required)."""
    at = at or now()
    referral = get_referral(session, referral_id, lock=True)
    target = R(data.status)
    assert target in PARTNER_MOVES
    on_behalf = actor.role != Role.partner
    if on_behalf:
        youth = session.get(Youth, referral.youth_id)
        assert youth is not None
        _check_sender(session, actor, youth, referral.id)
        if not data.answered_by or data.method is None or data.method.value == "online":
            raise InvalidInput(
                "an answer recorded for a partner names who answered and how "
                "(phone, letter, visit, email)"
            )
    elif actor.partner_id != referral.partner_id or not partner_can_see(session, referral):
        raise NotFound(f"referral {referral_id} not found")
    check_move(referral.id, referral.status, target)
    today = _today(session, referral, at)
    if referral.answered_at is None:
        referral.answered_at = at
    if target == R.accepted:
        service = partner_service.get_service(session, referral.service_id)
        referral.accepted_date = today
        calendar = calendar_service.national_calendar(
            session, years=(today.year, today.year + 1, today.year + 2)
        )
        referral.delivery_due_date = delivery_due(today, service.delivery_days, calendar)
    elif target == R.declined:
        referral.decline_reason = data.reason
    elif target == R.completed:
        referral.outcome = data.outcome
    elif target == R.not_completed:
        referral.outcome = data.reason
    _move(
        session,
        referral,
        target,
        actor=actor,
        at=at,
        reason=data.reason or data.outcome or None,
        answered_by=data.answered_by if on_behalf else None,
        method=data.method if on_behalf else AnswerMethod.online,
        on_behalf=on_behalf,
    )
    return referral


def partner_can_see(session: Session, referral: Referral, day: date | None = None) -> bool:
    """A partner sees a referral while it is open and the consent it was sent under holds
    (a coordinator's override holds until the referral closes)."""
    if referral.status not in OPEN:
        return False
    if referral.consent_id is None:
        return referral.override_reason is not None
    consent = session.get(Consent, referral.consent_id)
    youth = session.get(Youth, referral.youth_id)
    if consent is None or youth is None:
        return False
    return consent_service.is_valid(consent, youth, day or _today(session, referral, now()))


def partner_view(session: Session, referral: Referral, *, day: date) -> dict[str, Any]:
    """What a partner sees of a referral: the youth's first name and age, the need, and
    the fields the sender chose to share — never the case file."""
    youth = session.get(Youth, referral.youth_id)
    service = session.get(PartnerService, referral.service_id)
    assert youth is not None and service is not None
    return {
        "id": referral.id,
        "status": referral.status.value,
        "service_id": referral.service_id,
        "service": service.name,
        "service_ar": service.name_ar,
        "axis": service.axis.value,
        "first_name": youth.first_name,
        "first_name_ar": youth.first_name_ar,
        "age": age_on(youth.date_of_birth, day),
        "need": referral.need,
        "shared": dict(referral.shared),
        "sent_date": referral.sent_date,
        "response_due_date": referral.response_due_date,
        "delivery_due_date": referral.delivery_due_date,
    }


# ---------------------------------------------------------------- lists


def page_referrals(
    session: Session,
    *,
    youth_ids: Any = None,
    youth_id: int | None = None,
    partner_id: int | None = None,
    statuses: set[ReferralStatus] | None = None,
    overdue_on: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Referral], int]:
    """A page of referrals, newest first; `youth_ids` is a subquery of visible youths."""
    query = select(Referral)
    if youth_ids is not None:
        query = query.where(col(Referral.youth_id).in_(youth_ids))
    if youth_id is not None:
        query = query.where(Referral.youth_id == youth_id)
    if partner_id is not None:
        query = query.where(Referral.partner_id == partner_id)
    if statuses:
        query = query.where(col(Referral.status).in_(statuses))
    if overdue_on is not None:
        query = query.where(Referral.status == R.sent, col(Referral.response_due_date) < overdue_on)
    return fetch_page(
        session, query, order_by=[col(Referral.id).desc()], limit=limit, offset=offset
    )


def transitions_of(session: Session, *, referral_id: int) -> list[ReferralTransition]:
    """A referral's history, oldest first."""
    return list(
        session.exec(
            select(ReferralTransition)
            .where(ReferralTransition.referral_id == referral_id)
            .order_by(col(ReferralTransition.id))
        )
    )


@dataclass
class PartnerFigures:
    """A partner's referrals, as the coordinator's dashboard shows them."""

    partner_id: int
    name: str
    name_ar: str
    waiting: int = 0
    overdue: int = 0
    answered: int = 0
    answered_in_time: int = 0
    response_days: list[int] = field(default_factory=list)

    @property
    def median_response_days(self) -> float | None:
        return median(self.response_days) if self.response_days else None


def partner_figures(
    session: Session, *, institution_ids: list[int] | None, today: date
) -> list[PartnerFigures]:
    """Per partner, for some institutions' referrals (None: all): how many wait for an
    answer, how many are overdue, and the median answer time in working days; the partners
    with overdue referrals first."""
    query = select(Referral, Partner).join(Partner, col(Partner.id) == Referral.partner_id)
    query = query.where(col(Referral.sent_date).is_not(None))
    if institution_ids is not None:
        query = query.where(col(Referral.institution_id).in_(institution_ids))
    rows = list(session.exec(query))
    if not rows:
        return []
    first = min(r.sent_date for r, _ in rows if r.sent_date) or today
    calendar = calendar_service.national_calendar(session, years=range(first.year, today.year + 2))
    figures: dict[int, PartnerFigures] = {}
    for referral, partner in rows:
        f = figures.setdefault(
            partner.pk, PartnerFigures(partner.pk, partner.name, partner.name_ar)
        )
        if referral.status == R.sent:
            f.waiting += 1
            if referral.response_due_date and referral.response_due_date < today:
                f.overdue += 1
        if referral.answered_at is not None and referral.sent_date is not None:
            answered = local_date(referral.answered_at, get_settings().default_time_zone)
            days = working_days_between(calendar, referral.sent_date, answered)
            f.answered += 1
            f.response_days.append(days)
            if referral.response_due_date and answered <= referral.response_due_date:
                f.answered_in_time += 1
    return sorted(figures.values(), key=lambda f: (-f.overdue, -f.waiting, f.name))


def working_days_between(calendar: Any, start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (an answer on day 3 took 3)."""
    count, day = 0, start
    while day < end:
        day = calendar.add_working_days(day, 1)
        if day <= end:
            count += 1
    return count


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
    partner = session.get(Partner, referral.partner_id)
    service = session.get(PartnerService, referral.service_id)
    assert partner is not None and service is not None
    return notification_service.enqueue_each(
        session,
        recipients=recipients,
        key=key,
        kind=kind,
        youth_id=youth.id,
        context={
            "referral_id": referral.id,
            "youth_code": youth.code,
            "partner": partner.name,
            "service": service.name,
            "link": f"{get_settings().public_url}/referrals/{referral.id}",
        }
        | context,
    )


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
                complete_work_item(
                    session,
                    work_item_id=item.pk,
                    actor=actor,
                    payload=payload,
                    as_of=at,
                    by_referral=referral.id,
                )
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


def count_open_for_partner(session: Session, *, partner_id: int) -> int:
    """How many referrals wait on a partner (its users' badge)."""
    return int(
        session.exec(
            select(func.count()).where(
                Referral.partner_id == partner_id, col(Referral.status).in_(OPEN)
            )
        ).one()
    )


CHECKLIST_BY_REFERRAL = (
    ChecklistItem.housing,
    ChecklistItem.income_or_training,
    ChecklistItem.health_coverage,
)
