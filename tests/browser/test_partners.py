"""The partner directory in a real browser: a mediator filters it and reads a basket's
eligibility in words, a coordinator adds a service with its eligibility (a wrong age range
refused next to its field first), the dashboard's referrals by partner; every page checked
with axe-core and photographed in each language and size."""

from __future__ import annotations

import pytest
from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.models import Partner, PartnerService
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, inspect_page, sign_in
from tests.browser.test_pages import LOCALES, set_language
from tests.factories import make_partner, make_service
from tests.pages.test_dashboard_referrals import build_referral_world
from tests.pages.world import PageWorld


@pytest.fixture
def referred(committed) -> PageWorld:  # type: ignore[no-untyped-def]
    """The dashboard's world with an overdue referral to ANAPEC and an answered one to the
    health centre; ANAPEC's basket gets a service with conditions, and there is a youth
    association of another region."""
    world = build_referral_world()
    with session_scope() as s:
        anapec = s.get_one(Partner, world.ids["anapec"])
        anapec.kind, anapec.regions = "public_body", ["Casablanca-Settat"]  # type: ignore[assignment]
        anapec.phone, anapec.contact_person = "0522 20 30 40", "Mme Naima Berrada"
        make_service(s, anapec, name="Atelier de recherche d'emploi", capacity_per_month=20,
                     description="Trois demi-journées : CV, lettre, entretien.",
                     eligibility=[{"kind": "age", "min": 16, "max": 25},
                                  {"kind": "education_level", "min": "lower_secondary"},
                                  {"kind": "document", "has": "national_id_card"}],
                     checklist_item="income_or_training")  # fmt: skip
        oujda = make_partner(s, name="Association Oujda Jeunes", name_ar="جمعية شباب وجدة",
                             regions=["Oriental"])  # fmt: skip
        make_service(s, oujda, axis="social_participation", name="Club de théâtre",
                     eligibility=[{"kind": "sex", "is": "female"}])  # fmt: skip
    return world


def test_a_mediator_filters_the_directory_and_reads_a_basket(referred, new_page):
    page = new_page(locale="en-GB")
    set_language("med1", Language.en)
    sign_in(page, "med1")
    page.get_by_role("link", name="Partners").click()
    page.wait_for_load_state()
    assert page.locator("li.partner").count() == 4  # with the partner user's own
    page.get_by_label("Axis").select_option("social_participation")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert [t.strip() for t in page.locator("li.partner .who strong").all_inner_texts()] == [
        "Association Oujda Jeunes"
    ]
    page.get_by_label("Axis").select_option("")
    page.get_by_label("Name").fill("انابيك")  # أنابيك without its hamza
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="ANAPEC Casablanca").click()
    page.wait_for_load_state()
    workshop = page.locator("li.service", has_text="Atelier de recherche")
    assert workshop.locator(".conditions li").all_inner_texts() == [
        "ages 16–25", "lower-secondary level or more", "needs a national ID card"
    ]  # fmt: skip
    assert "20 young people a month" in workshop.inner_text()
    assert page.get_by_role("link", name="Change this service").count() == 0


def test_a_coordinator_adds_a_service_with_its_eligibility(referred, new_page):
    page = new_page(locale="en-GB")
    set_language("coord", Language.en)
    sign_in(page, "coord")
    page.goto(f"/partners/{referred.ids['health']}")
    page.get_by_role("link", name="Add a service").click()
    page.wait_for_load_state()
    page.get_by_label("Axis").select_option("health")
    page.get_by_label("Name of the service").fill("Aide au dossier AMO")
    page.get_by_label("Exit checklist item it meets (optional)").select_option("health_coverage")
    page.get_by_label("From age").fill("20")
    page.get_by_label("Up to age").fill("18")
    page.get_by_label("Exited").check()
    page.get_by_label("Follow-up").check()
    page.get_by_label("National ID card").check()
    page.get_by_role("button", name="Add the service").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().startswith("Nothing was saved")
    assert page.get_by_label("Up to age").get_attribute("aria-invalid") == "true"
    assert page.locator("#age_max-error").inner_text() == "The highest age is below the lowest."
    assert page.get_by_label("Exited").is_checked()  # what was typed is kept
    page.get_by_label("From age").fill("18")
    page.get_by_label("Up to age").fill("25")
    page.get_by_role("button", name="Add the service").click()
    page.wait_for_load_state()
    assert page.locator("#done").inner_text() == "The service was added to the basket."
    service = page.locator("li.service", has_text="Aide au dossier AMO")
    assert service.locator(".conditions li").all_inner_texts() == [
        "ages 18–25", "at these stages: left care and follow-up", "needs a national ID card"
    ]  # fmt: skip
    with session_scope() as s:
        made = s.exec(select(PartnerService).where(PartnerService.name == "Aide au dossier AMO"))
        assert made.one().eligibility[0] == {"kind": "age", "min": 18, "max": 25}


def test_the_dashboard_counts_the_overdue_referral_of_its_partner(referred, new_page):
    page = new_page()
    sign_in(page, "coord")
    rows = page.locator("#referrals-by-partner tbody tr")
    assert rows.count() == 2
    assert rows.first.locator("th").inner_text() == "ANAPEC Casablanca"
    overdue = rows.first.locator("a.overdue")
    assert (
        overdue.get_attribute("href") == f"/referrals?partner_id={referred.ids['anapec']}&overdue=1"
    )


PAGES = {
    "partners": ("med1", "/partners"),
    "partner": ("coord", "/partners/{anapec}"),
    "service-new": ("coord", "/partners/{anapec}/services/new"),
    "service-error": ("coord", None),
    "dashboard-referrals": ("coord", "/dashboard#referrals"),
}


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_partner_pages_pass_axe_fit_a_phone_and_are_photographed(referred, new_page, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for who in ("med1", "coord"):
        set_language(who, language)
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        signed_in: dict[str, object] = {}
        for name, (who, path) in PAGES.items():
            if who not in signed_in:
                # The context bypasses the CSP only to inject axe; the pages obey it.
                page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
                sign_in(page, who)
                signed_in[who] = page
            page = signed_in[who]
            if path is None:  # the service form sent with its ages the wrong way round
                page.goto(f"/partners/{referred.ids['anapec']}/services/new")
                page.locator("#axis").select_option("employment")
                page.locator("#name").fill("Stage en entreprise")
                page.locator("#age_min").fill("30")
                page.locator("#age_max").fill("18")
                page.locator("form.service-form button[type=submit]").click()
            else:
                page.goto(path.format(anapec=referred.ids["anapec"]))
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == language.value, (name, size)
            failures += inspect_page(page, name, language.value, size)
    assert failures == []
