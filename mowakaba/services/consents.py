"""Consents to share a youth's data with partners: given, checked, withdrawn.

The guardian consents while the youth is a minor; from 18 the youth does. A guardian's
consent lapses on the 18th birthday (the youth is asked again). A consent names one
partner or one axis (every partner of that axis) and the categories of data it covers.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from mowakaba.clock import now
from mowakaba.enums import (
    Axis,
    ConsentData,
    ConsentGiver,
    ConsentPurpose,
    EventKind,
    SharedField,
)
from mowakaba.errors import AlreadyClosed, ImplausibleDates, InvalidInput, NotFound
from mowakaba.models import Consent, User, Youth
from mowakaba.rules import age_on, birthday
from mowakaba.schemas import ConsentIn
from mowakaba.services import partners as partner_service
from mowakaba.services.timeline import record_event

ADULT_AGE = 18
# The category of data each field a mediator may share belongs to.
CATEGORY = {
    SharedField.last_name: ConsentData.identity,
    SharedField.sex: ConsentData.identity,
    SharedField.phone: ConsentData.contact,
    SharedField.education_level: ConsentData.education,
    SharedField.vocational_level: ConsentData.education,
    SharedField.health_details: ConsentData.health,
    SharedField.family_details: ConsentData.family,
}


def lapses_on(consent: Consent, youth: Youth) -> date | None:
    """The day a consent lapses by itself: the 18th birthday for a guardian's (None: never)."""
    if consent.given_by == ConsentGiver.guardian:
        return birthday(youth.date_of_birth, ADULT_AGE)
    return None


def is_valid(consent: Consent, youth: Youth, day: date) -> bool:
    """Given by then, not withdrawn, not lapsed."""
    lapse = lapses_on(consent, youth)
    return (
        consent.withdrawn_at is None
        and consent.given_date <= day
        and (lapse is None or day < lapse)
    )


def give_consent(
    session: Session, *, youth: Youth, data: ConsentIn, actor: User, today: date,
    at: datetime | None = None,
) -> Consent:  # fmt: skip
    """Record a consent to share with a partner (or an axis's partners)."""
    if data.given_date > today:
        raise ImplausibleDates(f"consent given {data.given_date}, after today ({today})")
    adult = age_on(youth.date_of_birth, data.given_date) >= ADULT_AGE
    if data.given_by == ConsentGiver.guardian and adult:
        raise InvalidInput(
            f"youth {youth.id} was 18 on {data.given_date}: the youth consents, not the guardian"
        )
    if data.given_by == ConsentGiver.youth and not adult:
        raise InvalidInput(
            f"youth {youth.id} was a minor on {data.given_date}: the guardian consents"
        )
    if data.partner_id is not None:
        partner_service.get_partner(session, data.partner_id)
    consent = Consent(
        youth_id=youth.pk,
        purpose=ConsentPurpose.share_with_partners,
        partner_id=data.partner_id,
        axis=data.axis,
        data=sorted({d.value for d in data.data}),
        given_by=data.given_by,
        given_by_name=data.given_by_name or None,
        given_date=data.given_date,
        given_at=at or now(),
        recorded_by_id=actor.id,
    )
    session.add(consent)
    session.flush()
    record_event(session, youth, EventKind.consent_given, on=today, actor_id=actor.id,
                 data={"consent_id": consent.id, "partner_id": data.partner_id,
                       "axis": data.axis.value if data.axis else None})  # fmt: skip
    return consent


def withdraw_consent(
    session: Session, *, youth: Youth, consent_id: int, actor: User, today: date,
    at: datetime | None = None,
) -> Consent:  # fmt: skip
    """Withdraw a consent: the partners it covered lose access to the referrals it allowed
    at once (their views check it on every request)."""
    consent = session.get(Consent, consent_id)
    if consent is None or consent.youth_id != youth.id:
        raise NotFound(f"consent {consent_id} not found")
    if consent.withdrawn_at is not None:
        raise AlreadyClosed(f"consent {consent_id} was withdrawn already")
    consent.withdrawn_at = at or now()
    consent.withdrawn_by_id = actor.id
    session.add(consent)
    record_event(session, youth, EventKind.consent_withdrawn, on=today, actor_id=actor.id,
                 data={"consent_id": consent.id, "partner_id": consent.partner_id})  # fmt: skip
    return consent


def list_consents(session: Session, *, youth_id: int) -> list[Consent]:
    """A youth's consents, newest first."""
    return list(
        session.exec(
            select(Consent).where(Consent.youth_id == youth_id).order_by(col(Consent.id).desc())
        )
    )


def covering(
    session: Session, *, youth: Youth, partner_id: int, axis: Axis,
    fields: list[SharedField] | list[str], day: date, consents: list[Consent] | None = None,
) -> Consent | None:  # fmt: skip
    """The valid consent that covers sharing these fields with a partner (of an axis) on a
    day: one naming the partner, else one naming the axis; None if there is none.
    `consents`: the youth's, when the caller has read them already."""
    needed = {CATEGORY[SharedField(f)].value for f in fields}
    if consents is None:
        consents = list_consents(session, youth_id=youth.pk)
    candidates = [
        c
        for c in consents
        if c.purpose == ConsentPurpose.share_with_partners
        and (c.partner_id == partner_id or (c.partner_id is None and c.axis == axis))
        and is_valid(c, youth, day)
        and needed <= set(c.data)
    ]
    candidates.sort(key=lambda c: c.partner_id is None)  # the partner's own first
    return candidates[0] if candidates else None
