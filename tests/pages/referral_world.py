"""The referral pages' world: the pages' world (institution A, med1 with Amine and Salma,
med2 with Omar, a coordinator) plus partners on the employment axis — ANAPEC, which
Salma is eligible for, a training centre she is not (schooling, age), and Bayti, with a
user each — Salma's plan approved with an employment milestone, and referrals of other
youths: one of Omar's sent to Bayti, one of Amine's to ANAPEC cancelled (closed)."""

from __future__ import annotations

from datetime import date, timedelta

from mowakaba.db import session_scope
from mowakaba.enums import Role, WorkItemKind
from mowakaba.models import User, Youth
from mowakaba.schemas import ReferralIn
from mowakaba.services import referrals as referral_service
from mowakaba.services.completions.plans import current_plan
from tests.factories import (
    assessment,
    at,
    give_consent,
    item_of,
    make_partner,
    make_service,
    make_user,
    plan,
)
from tests.pages.dashboard_world import finish
from tests.pages.world import PageWorld, build_world


def build_referral_world() -> PageWorld:
    return add_referrals(build_world())


def add_referrals(world: PageWorld) -> PageWorld:
    """Add the partners, Salma's plan and the referrals to a world built on the pages'."""
    today = date.today()
    with session_scope() as s:
        med1, med2 = s.get(User, world.ids["med1"]), s.get(User, world.ids["med2"])
        coord = s.get(User, world.ids["coord"])
        salma, amine = s.get(Youth, world.ids["soon"]), s.get(Youth, world.ids["late"])
        omar = s.get(Youth, world.ids["other"])
        assert med1 and med2 and coord and salma and amine and omar
        anapec = make_partner(s, name="ANAPEC Ain Chock", name_ar="أنابيك عين الشق",
                              kind="public_body", regions=["Casablanca-Settat"],
                              phone="+212 522 00 00 00")  # fmt: skip
        centre = make_partner(s, name="Centre OFPPT Hay Hassani",
                              name_ar="مركز التكوين المهني الحي الحسني", kind="public_body")  # fmt: skip
        bayti = make_partner(s, name="Association Bayti", name_ar="جمعية بيتي")
        job = make_service(s, anapec, name="Orientation and first job search",
                           name_ar="التوجيه والبحث عن أول عمل", response_days=5,
                           description="Interview, CV, a first placement.",
                           eligibility=[{"kind": "age", "min": 14, "max": 25}])  # fmt: skip
        make_service(s, centre, name="Qualifying training", name_ar="تكوين تأهيلي",
                     eligibility=[{"kind": "education_level", "min": "secondary"},
                                  {"kind": "age", "min": 15}])  # fmt: skip
        listen = make_service(s, bayti, name="Listening and guidance", name_ar="الإنصات والتوجيه",
                              capacity_per_month=1)  # fmt: skip
        users = {
            "anapec": make_user(s, Role.partner, username="anapec", partner=anapec),
            "bayti": make_user(s, Role.partner, username="bayti", partner=bayti),
        }
        # Salma's plan, approved: an employment milestone whose check the referral meets.
        day = today - timedelta(days=2)
        finish(s, item_of(s, salma, WorkItemKind.intake_assessment), med1, assessment(4), day)
        finish(s, item_of(s, salma, WorkItemKind.integration_plan, "v1"), med1,
               plan(("employment", today + timedelta(days=90))), day)  # fmt: skip
        finish(s, item_of(s, salma, WorkItemKind.plan_approval, "v1"), coord,
               {"decision": "approve"}, day)  # fmt: skip
        _, milestones = current_plan(s, youth_id=salma.pk)
        # Omar's referral to Bayti (sent); Amine's to ANAPEC (cancelled: closed).
        give_consent(s, omar, med2, partner=bayti, given_date=omar.registered_date)
        sent = referral_service.create_referral(
            s, youth=omar, actor=med2, at=at(today),
            data=ReferralIn(service_id=listen.pk, need="Someone to talk to", send=True),
        )  # fmt: skip
        give_consent(s, amine, med1, partner=anapec, given_date=amine.registered_date)
        closed = referral_service.create_referral(
            s, youth=amine, actor=med1, at=at(today),
            data=ReferralIn(service_id=job.pk, need="A summer job", send=True),
        )  # fmt: skip
        referral_service.cancel_referral(s, referral_id=closed.pk, actor=med1,
                                         reason="Found one himself", at=at(today))  # fmt: skip
        world.ids.update({name: u.pk for name, u in users.items()})
        world.ids.update(anapec_partner=anapec.pk, centre=centre.pk, bayti_partner=bayti.pk,
                         job=job.pk, listen=listen.pk, milestone=milestones[0].pk,
                         bayti_referral=sent.pk, closed_referral=closed.pk)  # fmt: skip
    return world
