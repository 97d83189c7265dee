"""The partner directory and matching a youth to the services they are eligible for."""

from __future__ import annotations

from datetime import date

import pytest

from mowakaba.enums import Language
from mowakaba.errors import Conflict, InvalidInput
from mowakaba.schemas import PartnerPatch, ServicePatch
from mowakaba.services import partners as partner_service
from tests.factories import at, make_partner, make_service, make_world

DAY = date(2026, 11, 30)


@pytest.fixture
def w(session):
    return make_world(session, as_of=at(date(2026, 9, 1)))  # youth born 2012-03-15: 14


def test_partner_names_are_unique_and_kept_with_their_languages(session):
    partner = make_partner(session, name="ANAPEC Casablanca", languages=["ar", "fr", "ar"])
    assert partner.languages == ["ar", "fr"] and partner.letter_language == Language.ar
    with pytest.raises(Conflict):
        make_partner(session, name="ANAPEC Casablanca")


def test_a_partner_keeps_required_fields(session):
    partner = make_partner(session)
    with pytest.raises(InvalidInput):
        partner_service.update_partner(session, partner_id=partner.id,
                                       data=PartnerPatch(kind=None))  # fmt: skip


def test_eligible_services_come_first_and_the_others_say_why(session, w):
    partner = make_partner(session, name="OFPPT")
    open_ = make_service(session, partner, axis="education_training", name="Orientation")
    aged = make_service(session, partner, axis="education_training", name="Apprenticeship",
                        eligibility=[{"kind": "age", "min": 15, "max": 30},
                                     {"kind": "education_level", "min": "secondary"}])  # fmt: skip
    make_service(session, partner, axis="employment", name="Other axis")
    matches = partner_service.match_services(session, youth=w["youth"], day=DAY,
                                             axis="education_training")  # fmt: skip
    assert [(m.service.id, m.eligible) for m in matches] == [(open_.id, True), (aged.id, False)]
    assert [r.text(Language.en) for r in matches[1].reasons] == [
        "ages 15–30", "needs secondary level"]  # fmt: skip


def test_a_partner_of_another_region_is_not_eligible(session, w):
    partner = make_partner(session, name="Association Fès", regions=["Fès-Meknès"])
    make_service(session, partner, axis="housing")
    (match,) = partner_service.match_services(session, youth=w["youth"], day=DAY, axis="housing")
    assert [r.text(Language.fr) for r in match.reasons] == ["n'intervient que dans : Fès-Meknès"]


def test_an_inactive_service_is_not_offered_and_bad_conditions_are_refused(session, w):
    partner = make_partner(session)
    service = make_service(session, partner, axis="health")
    partner_service.update_service(session, service_id=service.id,
                                   data=ServicePatch(is_active=False))  # fmt: skip
    assert partner_service.match_services(session, youth=w["youth"], day=DAY, axis="health") == []
    with pytest.raises(InvalidInput, match="eligibility"):
        partner_service.update_service(
            session, service_id=service.id,
            data=ServicePatch(eligibility=[{"kind": "age", "min": 30, "max": 20}]),
        )  # fmt: skip


def test_the_directory_filters_by_axis_region_and_arabic_spelling(session):
    a = make_partner(
        session, name="Dar Chabab", name_ar="دار الشباب", regions=["Casablanca-Settat"]
    )
    make_service(session, a, axis="social_participation")
    b = make_partner(session, name="Entraide Nationale", name_ar="التعاون الوطني")
    make_service(session, b, axis="social_assistance")
    rows, total = partner_service.page_partners(session, axis="social_participation")
    assert [p.id for p in rows] == [a.id] and total == 1
    rows, _ = partner_service.page_partners(session, region="Fès-Meknès")
    assert [p.id for p in rows] == [b.id]  # the whole country includes Fès
    rows, _ = partner_service.page_partners(session, q="الشباب")
    assert [p.id for p in rows] == [a.id]


def test_renaming_to_a_twin_name_is_a_conflict_and_changes_nothing(session):
    a, b = make_partner(session, name="Alpha"), make_partner(session, name="Beta")
    with pytest.raises(Conflict):
        partner_service.update_partner(session, partner_id=b.id,
                                       data=PartnerPatch(name="Alpha", phone="0522"))  # fmt: skip
    assert (b.name, b.phone, a.name) == ("Beta", "", "Alpha")
    one, two = make_service(session, a, name="One"), make_service(session, a, name="Two")
    with pytest.raises(Conflict):
        partner_service.update_service(session, service_id=two.id, data=ServicePatch(name="One"))
    assert (one.name, two.name) == ("One", "Two")


def test_a_service_shows_the_places_asked_for_this_month(session, w):
    from mowakaba.schemas import ReferralIn
    from mowakaba.services import referrals as referral_service
    from tests.factories import give_consent

    partner = make_partner(session, name="Dar Tawfiq")
    service = make_service(session, partner, axis="housing", capacity_per_month=2)
    give_consent(session, w["youth"], w["mediator"], partner=partner, given_date=date(2026, 9, 1))
    for day in (date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 20)):
        referral_service.create_referral(
            session, youth=w["youth"], actor=w["mediator"], at=at(day),
            data=ReferralIn(service_id=service.id, need="A room", send=True),
        )  # fmt: skip
    (match,) = partner_service.match_services(session, youth=w["youth"], day=DAY, axis="housing")
    assert match.sent_this_month == 2 and match.full  # October's does not count
    (match,) = partner_service.match_services(session, youth=w["youth"], day=date(2026, 12, 1),
                                              axis="housing")  # fmt: skip
    assert match.sent_this_month == 0 and not match.full
