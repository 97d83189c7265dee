"""Plain builders for tests: call them with a session, get rows back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import count
from zoneinfo import ZoneInfo

from sqlmodel import select

from mowakaba.enums import Axis, EducationLevel, Role, Sex, VocationalLevel
from mowakaba.models import Institution, Partner, User, WorkItem
from mowakaba.schemas import ConsentIn, PartnerIn, ServiceIn, YouthRegistration
from mowakaba.services import consents as consent_service
from mowakaba.services import institutions as institution_service
from mowakaba.services import partners as partner_service
from mowakaba.services import users as user_service
from mowakaba.services import youths as youth_service

_n = count(1)
TZ = ZoneInfo("Africa/Casablanca")


def at(day: date, hour: int = 9) -> datetime:
    """An instant: a local hour of a day in Casablanca, as UTC."""
    return datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)


def make_institution(
    session, *, name: str | None = None, region: str = "Casablanca-Settat"
) -> Institution:
    return institution_service.create_institution(
        session, name=name or f"Dar Al Atfal {next(_n)}", region=region
    )


def make_user(
    session,
    role: Role,
    institutions: list[Institution] = (),
    *,
    region: str | None = None,
    email: str | None = None,
    username: str | None = None,
    partner: Partner | None = None,
) -> User:
    if role == Role.partner and partner is None:
        partner = make_partner(session)
    return user_service.create_user(
        session,
        username=username or f"{role.value}{next(_n)}",
        password="correct horse battery",
        role=role,
        institution_ids=[i.id for i in institutions],
        region=region,
        email=email,
        partner_id=partner.id if partner else None,
    )


def make_partner(session, *, name: str | None = None, regions=(), **kw) -> Partner:
    data = PartnerIn(name=name or f"Partner {next(_n)}", kind=kw.pop("kind", "association"),
                     regions=list(regions), **kw)  # fmt: skip
    return partner_service.create_partner(session, data=data)


def make_service(session, partner: Partner, *, axis="employment", eligibility=(), **kw):
    data = ServiceIn(axis=axis, name=kw.pop("name", f"Service {next(_n)}"),
                     eligibility=list(eligibility), **kw)  # fmt: skip
    return partner_service.add_service(session, partner_id=partner.pk, data=data)


def give_consent(session, youth, actor, *, partner=None, axis=None, data=(), given_by="guardian",
                 given_date: date | None = None, today: date | None = None):  # fmt: skip
    day = given_date or youth.registered_date
    return consent_service.give_consent(
        session, youth=youth, actor=actor, today=today or day,
        data=ConsentIn(partner_id=partner.id if partner else None, axis=axis, data=list(data),
                       given_by=given_by, given_date=day),
    )  # fmt: skip


def registration(institution: Institution, mediator: User | None, **kw) -> YouthRegistration:
    values = dict(
        first_name="Amine",
        last_name="Benali",
        first_name_ar="أمين",
        last_name_ar="بنعلي",
        date_of_birth=date(2012, 3, 15),
        sex=Sex.male,
        institution_id=institution.id,
        admission_date=date(2019, 9, 1),
        education_level=EducationLevel.lower_secondary,
        vocational_level=VocationalLevel.none,
        mediator_id=mediator.id if mediator else None,
    )
    values.update(kw)
    return YouthRegistration(**values)


def make_youth(session, institution, mediator, *, as_of: datetime, **kw):
    youth, _ = youth_service.register_youth(
        session, data=registration(institution, mediator, **kw), as_of=as_of
    )
    return youth


def assessment(score: int = 3, **scores: int) -> dict:
    return {
        "axes": {axis.value: {"score": scores.get(axis.value, score), "needs": ""} for axis in Axis}
    }


def plan(*axes_and_dates: tuple[str, date]) -> dict:
    return {
        "milestones": [
            {"axis": axis, "title": f"Step on {axis}", "owner": "the youth", "due_date": str(d)}
            for axis, d in axes_and_dates
        ]
    }


def make_world(session, *, as_of: datetime) -> dict:
    """Build an institution with its people, a neighbour, and one youth registered `as_of`."""
    institution, other = make_institution(session), make_institution(session)
    coordinator = make_user(session, Role.coordinator, [institution])
    mediator = make_user(session, Role.mediator, [institution])
    other_mediator = make_user(session, Role.mediator, [institution])
    other_coordinator = make_user(session, Role.coordinator, [other])
    youth = make_youth(session, institution, mediator, as_of=as_of)
    return dict(
        institution=institution, coordinator=coordinator, mediator=mediator,
        other_mediator=other_mediator, other_coordinator=other_coordinator, youth=youth,
    )  # fmt: skip


def item_of(session, youth, kind, subject=""):
    """Return the youth's work item of a kind (and subject)."""
    return session.exec(
        select(WorkItem).where(
            WorkItem.youth_id == youth.id, WorkItem.kind == kind, WorkItem.subject == subject
        )
    ).one()
