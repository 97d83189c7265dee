"""Referrals in a real browser (issue 12): a mediator finds the services a youth is
eligible for (and sees why not the others), records a consent and refers; a partner user
accepts and completes; the mediator's file shows the milestone done and the referral on
the timeline. Every referral page photographed in each language and size, with axe."""

from __future__ import annotations

import pytest

from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.services import referrals as referral_service
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, inspect_page, sign_in
from tests.browser.test_pages import LOCALES, set_language
from tests.pages.referral_world import build_referral_world
from tests.pages.world import PageWorld

SIZES = (("desktop", DESKTOP), ("phone", PHONE))


@pytest.fixture
def world(committed) -> PageWorld:  # type: ignore[no-untyped-def]
    return build_referral_world()


def settle(referral_id: int) -> None:
    """What the `referral` run does after a move (the test app has no Prefect server)."""
    with session_scope() as s:
        referral_service.settle_referral(s, referral_id=referral_id)


def photograph(new_page, who: str, shots: dict[str, str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Each page of `shots` (name: path) seen by `who` in each language and size."""
    failures = []
    for language in Language:
        set_language(who, language)
        for size, viewport in SIZES:
            page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
            sign_in(page, who)
            for name, path in shots.items():
                page.goto(path)
                page.wait_for_load_state()
                failures += inspect_page(page, name, language.value, size)
    return failures


def click(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    page.click(selector)
    page.wait_for_load_state()


def test_a_mediator_refers_with_consent_and_a_partner_accepts_and_completes(world, new_page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    soon, milestone = world.ids["soon"], world.ids["milestone"]
    set_language("med1", Language.en)
    page = new_page(locale="en-GB")
    sign_in(page, "med1")

    # From the plan's milestone, the services of its axis: eligible first, then the others.
    page.goto(f"/youths/{soon}")
    click(page, f"a[href='/youths/{soon}/refer?milestone_id={milestone}']")
    assert page.locator("#for-milestone").is_visible()
    eligible = page.locator("#eligible").inner_text()
    assert "ANAPEC Ain Chock" in eligible and "Association Bayti" in eligible
    others = page.locator("#not-eligible .service-row").inner_text()
    assert "Qualifying training" in others and "needs secondary level" in others

    # The service chosen: no consent yet; record one, and come back to the form.
    click(page, f"#eligible .service-row[data-service='{world.ids['job']}'] a.button")
    assert "No consent covers this partner yet." in page.locator("#consent-note").inner_text()
    click(page, "#record-consent")
    assert page.input_value("#covers") == f"p:{world.ids['anapec_partner']}"
    page.check("input[name=data][value=education]")
    page.check("input[name=given_by][value=guardian]")
    page.fill("#given_by_name", "Mme Bennani, director")
    click(page, "form.ref-form button.primary")
    assert "A valid consent covers this partner." in page.locator("#consent-note").inner_text()

    # Refer: the need, the schooling shared, the milestone linked; send.
    page.fill("#need", "A first job or an apprenticeship near Ain Chock")
    page.check("input[name=shared_fields][value=education_level]")
    assert page.input_value("#milestone_id") == str(milestone)
    click(page, "form.ref-form button[name=send][value='1']")
    assert "/referrals/" in page.url and page.locator("#done").is_visible()
    referral_id = int(page.url.split("/referrals/")[1].split("?")[0])
    settle(referral_id)  # the partner's users are told

    # The partner signs in on its referrals, accepts, then reports the service delivered.
    set_language("anapec", Language.fr)
    partner = new_page()
    sign_in(partner, "anapec")
    assert partner.url.endswith("/referrals")
    click(partner, f"a[href='/referrals/{referral_id}']")
    seen = partner.locator("main").inner_text()
    assert "Salma" in seen and "Idrissi" not in seen and "Collège" in seen
    click(partner, "#answer-accepted")
    assert partner.locator("#done").is_visible()
    settle(referral_id)
    failures = photograph(new_page, "anapec", {
        "referrals-partner-list": "/referrals",
        "referral-partner": f"/referrals/{referral_id}",
    })  # fmt: skip
    set_language("anapec", Language.fr)
    partner.goto(f"/referrals/{referral_id}")
    partner.click(".answer-completed summary")
    partner.fill("#answer-outcome-completed", "Contrat d'apprentissage signé")
    click(partner, "#confirm-completed")
    assert partner.url.endswith("/referrals?done=completed")
    settle(referral_id)  # the milestone's check is met

    # The mediator's file: the milestone done, the referral on the timeline.
    page.goto(f"/youths/{soon}")
    assert "milestone-done" in (page.locator(".milestone").first.get_attribute("class") or "")
    timeline = page.locator("#timeline").inner_text()
    assert "Referral completed: ANAPEC Ain Chock" in timeline
    assert "Referral sent: ANAPEC Ain Chock" in timeline
    assert page.locator(f"#referrals li[data-referral='{referral_id}']").count() == 1

    failures += photograph(new_page, "med1", {
        "refer": f"/youths/{soon}/refer?axis=employment&service_id={world.ids['job']}",
        "referral": f"/referrals/{referral_id}",
        "referrals": "/referrals",
        "youth-file-referrals": f"/youths/{soon}",
    })  # fmt: skip
    failures += photograph(new_page, "coord", {
        "referral-coordinator": f"/referrals/{world.ids['bayti_referral']}",
    })  # fmt: skip
    assert failures == []


def test_a_partner_user_cannot_open_another_partners_referral(world, new_page):
    page = new_page()
    sign_in(page, "anapec")
    response = page.goto(f"/referrals/{world.ids['bayti_referral']}")
    assert response is not None and response.status == 404
    response = page.goto(f"/youths/{world.ids['other']}")
    assert response is not None and response.status == 403
