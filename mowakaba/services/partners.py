"""The partner directory: organisations, their baskets of services, and who is eligible."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from mowakaba import eligibility
from mowakaba.clock import now
from mowakaba.eligibility import Reason, YouthFacts
from mowakaba.enums import Axis, Role, WorkItemKind, WorkItemStatus
from mowakaba.errors import Conflict, InvalidInput, NotFound
from mowakaba.labels import N_
from mowakaba.models import (
    Institution,
    Milestone,
    Partner,
    PartnerService,
    Referral,
    User,
    WorkItem,
    Youth,
)
from mowakaba.schemas import PartnerIn, PartnerPatch, ServiceIn, ServicePatch
from mowakaba.text import normalise


def create_partner(session: Session, *, data: PartnerIn) -> Partner:
    """Add a partner organisation to the directory (names are unique)."""
    partner = Partner(**data.model_dump(exclude={"languages"}), languages=_codes(data.languages))
    try:
        with session.begin_nested():
            session.add(partner)
    except IntegrityError:
        raise Conflict(f"a partner named {data.name!r} exists already") from None
    return partner


def _codes(languages: list[Any]) -> list[str]:
    """Language codes, in order, once each (the first writes the partner's letters)."""
    return list(dict.fromkeys(str(getattr(code, "value", code)) for code in languages))


def get_partner(session: Session, partner_id: int) -> Partner:
    """Return a partner or raise NotFound."""
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"partner {partner_id} not found")
    return partner


def update_partner(session: Session, *, partner_id: int, data: PartnerPatch) -> Partner:
    """Change a partner's details (a partner is deactivated, never deleted: referrals name it)."""
    partner = get_partner(session, partner_id)
    if data.name and data.name != partner.name:
        twin = session.exec(select(Partner.id).where(Partner.name == data.name)).first()
        if twin is not None:
            raise Conflict(f"a partner named {data.name!r} exists already")
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None and name in ("name", "kind", "regions", "languages", "is_active"):
            raise InvalidInput(f"{name} cannot be empty")
        if name == "languages":
            value = _codes(value)
        setattr(partner, name, value if value is not None else "")
    partner.updated_at = now()
    try:
        with session.begin_nested():
            session.add(partner)
    except IntegrityError:
        raise Conflict(f"a partner named {partner.name!r} exists already") from None
    return partner


def page_partners(
    session: Session,
    *,
    q: str | None = None,
    axis: Axis | None = None,
    region: str | None = None,
    active_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Partner], int]:
    """A page of the directory, by name; filtered by words of the name, an axis served, a
    region served."""
    query = select(Partner)
    if active_only:
        query = query.where(col(Partner.is_active).is_(True))
    if axis is not None:
        query = query.where(
            col(Partner.id).in_(
                select(PartnerService.partner_id).where(
                    PartnerService.axis == axis, col(PartnerService.is_active).is_(True)
                )
            )
        )
    # The directory holds hundreds of partners, not millions: regions are a JSON list and
    # names are searched normalised, so the filtering is done here.
    rows = list(session.exec(query.order_by(col(Partner.name))))
    if region:
        rows = [p for p in rows if not p.regions or region in p.regions]
    if q:
        words = normalise(q).split()
        rows = [p for p in rows if all(w in normalise(f"{p.name} {p.name_ar}") for w in words)]
    return rows[offset : offset + limit], len(rows)


def users_of(session: Session, partner_id: int) -> list[User]:
    """The active users of a partner (who receive its referrals)."""
    return list(
        session.exec(
            select(User).where(
                User.partner_id == partner_id, User.role == Role.partner,
                col(User.is_active).is_(True),
            ).order_by(col(User.id))
        )
    )  # fmt: skip


# ---------------------------------------------------------------- services


def _check_eligibility(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return eligibility.dump_conditions(eligibility.parse_conditions(raw))


def add_service(session: Session, *, partner_id: int, data: ServiceIn) -> PartnerService:
    """Add a service to a partner's basket."""
    get_partner(session, partner_id)
    values = data.model_dump()
    values["eligibility"] = _check_eligibility(data.eligibility)
    service = PartnerService(partner_id=partner_id, **values)
    try:
        with session.begin_nested():
            session.add(service)
    except IntegrityError:
        raise Conflict(f"partner {partner_id} has a service named {data.name!r}") from None
    return service


def get_service(session: Session, service_id: int) -> PartnerService:
    """Return a service or raise NotFound."""
    service = session.get(PartnerService, service_id)
    if service is None:
        raise NotFound(f"service {service_id} not found")
    return service


def update_service(session: Session, *, service_id: int, data: ServicePatch) -> PartnerService:
    """Change a service (its conditions apply to referrals created after the change)."""
    service = get_service(session, service_id)
    if data.name and data.name != service.name:
        twin = session.exec(
            select(PartnerService.id).where(
                PartnerService.partner_id == service.partner_id, PartnerService.name == data.name
            )
        ).first()
        if twin is not None:
            raise Conflict(f"partner {service.partner_id} has a service named {data.name!r}")
    values = data.model_dump(exclude_unset=True)
    if "eligibility" in values:
        values["eligibility"] = _check_eligibility(data.eligibility or [])
    for name, value in values.items():
        if value is None and name not in ("capacity_per_month", "checklist_item"):
            raise InvalidInput(f"{name} cannot be empty")
        setattr(service, name, value)
    try:
        with session.begin_nested():
            session.add(service)
    except IntegrityError:
        raise Conflict(
            f"partner {service.partner_id} has a service named {service.name!r}"
        ) from None
    return service


def services_of(
    session: Session, *, partner_ids: list[int], active_only: bool = False
) -> dict[int, list[PartnerService]]:
    """The services of some partners, by partner, by axis then name."""
    if not partner_ids:
        return {}
    query = select(PartnerService).where(col(PartnerService.partner_id).in_(partner_ids))
    if active_only:
        query = query.where(col(PartnerService.is_active).is_(True))
    found: dict[int, list[PartnerService]] = {p: [] for p in partner_ids}
    for service in session.exec(query.order_by(col(PartnerService.axis), col(PartnerService.name))):
        found[service.partner_id].append(service)
    return found


# ---------------------------------------------------------------- eligibility


def youth_facts(session: Session, youth: Youth) -> YouthFacts:
    """What eligibility reads of a youth: their levels, stage, region and documents held
    (an exit checklist item ticked done: an ID card, a birth certificate...)."""
    institution = session.get(Institution, youth.institution_id)
    documents = session.exec(
        select(WorkItem.subject).where(
            WorkItem.youth_id == youth.id,
            WorkItem.kind == WorkItemKind.exit_checklist_item,
            WorkItem.status == WorkItemStatus.done,
            col(WorkItem.subject).in_([d.value for d in eligibility.DOCUMENTS]),
        )
    ).all()
    held = {s for s in documents}
    return YouthFacts(
        date_of_birth=youth.date_of_birth, sex=youth.sex,
        education_level=youth.education_level, vocational_level=youth.vocational_level,
        stage=youth.stage, region=institution.region if institution else "",
        documents=frozenset(held),
    )  # fmt: skip


@dataclass(frozen=True)
class Match:
    """A service and whether a youth may be referred to it (the reasons why not)."""

    service: PartnerService
    partner: Partner
    reasons: tuple[Reason, ...]
    sent_this_month: int = 0  # referrals sent to the service this calendar month

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def full(self) -> bool:
        """The month's capacity is used up (a partner may still take one more: a warning)."""
        capacity = self.service.capacity_per_month
        return capacity is not None and self.sent_this_month >= capacity


def not_eligible_because(
    service: PartnerService, partner: Partner, facts: YouthFacts, day: date
) -> list[Reason]:
    """Every reason a youth cannot be referred to a service on a day (empty: eligible)."""
    reasons = eligibility.reasons_not_eligible(
        eligibility.parse_conditions(service.eligibility), facts, day
    )
    if partner.regions and facts.region not in partner.regions:
        reasons.insert(0, Reason("partner_region", N_("serves {regions} only"),
                                 {"regions": ", ".join(partner.regions)}))  # fmt: skip
    return reasons


def match_services(
    session: Session, *, youth: Youth, day: date, axis: Axis | None = None,
    milestone_id: int | None = None,
) -> list[Match]:  # fmt: skip
    """The active services of an axis (or of a plan milestone's axis) for a youth: the
    eligible ones first, then the others with their reasons."""
    if milestone_id is not None:
        milestone = session.get(Milestone, milestone_id)
        if milestone is None or milestone.youth_id != youth.id:
            raise NotFound(f"milestone {milestone_id} not found")
        axis = milestone.axis
    query = (
        select(PartnerService, Partner)
        .join(Partner, col(Partner.id) == PartnerService.partner_id)
        .where(col(PartnerService.is_active).is_(True), col(Partner.is_active).is_(True))
    )
    if axis is not None:
        query = query.where(PartnerService.axis == axis)
    facts = youth_facts(session, youth)
    rows = list(
        session.exec(
            query.order_by(col(PartnerService.axis), col(Partner.name), col(PartnerService.name))
        )
    )
    used = sent_in_month(session, service_ids=[s.pk for s, _ in rows], day=day)
    matches = [
        Match(service, partner, tuple(not_eligible_because(service, partner, facts, day)),
              used.get(service.pk, 0))
        for service, partner in rows
    ]  # fmt: skip
    return sorted(matches, key=lambda m: not m.eligible)


def sent_in_month(session: Session, *, service_ids: list[int], day: date) -> dict[int, int]:
    """How many referrals were sent to each service in the calendar month of a day (one
    grouped query; cancelled ones count: the place was asked for)."""
    if not service_ids:
        return {}
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    counts = session.exec(
        select(Referral.service_id, func.count())
        .where(
            col(Referral.service_id).in_(service_ids),
            col(Referral.sent_date) >= first,
            col(Referral.sent_date) < following,
        )
        .group_by(col(Referral.service_id))
    )
    return {service_id: int(n) for service_id, n in counts}
