"""Referrals, the lifecycle: a youth sent to a partner's service, answered, delivered — and chased.

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

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from mowakaba.clock import local_date, now
from mowakaba.enums import (
    AnswerMethod,
    EventKind,
    Language,
    ReferralStatus,
    Role,
    SharedField,
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
    Contact,
    Institution,
    Milestone,
    PartnerService,
    Referral,
    ReferralTransition,
    User,
    Youth,
)
from mowakaba.referral_rules import (
    CLOSED,
    OPEN,
    PARTNER_MOVES,
    REROUTABLE,
    check_move,
    delivery_due,
    response_clock,
)
from mowakaba.rules import age_on
from mowakaba.schemas import AnswerIn, ReferralIn
from mowakaba.services import calendars as calendar_service
from mowakaba.services import consents as consent_service
from mowakaba.services import partners as partner_service
from mowakaba.services import users as user_service
from mowakaba.services.timeline import record_event

R = ReferralStatus
SENSITIVE_SHARES = (SharedField.health_details, SharedField.family_details)


def _today(session: Session, referral: Referral | Youth, at: datetime) -> date:
    institution = session.get(Institution, referral.institution_id)
    assert institution is not None
    return local_date(at, institution.time_zone)


def get_referral(session: Session, referral_id: int, *, lock: bool = False) -> Referral:
    """Return a referral or raise NotFound."""
    query = select(Referral).where(Referral.id == referral_id)
    if lock:  # read afresh under the lock: the session may hold a copy read before it
        query = query.with_for_update().execution_options(populate_existing=True)
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
    """A partner sees a referral while it is open and a consent covers it now — the one it
    was sent under, or, that one lapsed at 18, the youth's own. A coordinator's override
    holds until the referral closes. A consent for this partner (or axis) withdrawn since
    the sending ends the partner's access, override or not, until a consent given after
    that withdrawal covers the referral again."""
    if referral.status not in OPEN:
        return False
    youth = session.get(Youth, referral.youth_id)
    service = session.get(PartnerService, referral.service_id)
    if youth is None or service is None:
        return False
    day = day or _today(session, referral, now())
    consents = consent_service.list_consents(session, youth_id=youth.pk)  # read once
    covering = consent_service.covering(
        session, youth=youth, partner_id=referral.partner_id, axis=service.axis,
        fields=referral.shared_fields, day=day, consents=consents,
    )  # fmt: skip
    withdrawn = [
        c.withdrawn_at
        for c in consents
        if c.withdrawn_at is not None
        and referral.sent_at is not None
        and c.withdrawn_at >= referral.sent_at
        and (
            c.id == referral.consent_id
            or c.partner_id == referral.partner_id
            or (c.partner_id is None and c.axis == service.axis)
        )
    ]
    if withdrawn:
        return covering is not None and covering.given_at > max(withdrawn)
    return covering is not None or (
        referral.consent_id is None and referral.override_reason is not None
    )


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
