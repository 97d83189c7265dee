"""The dashboard in a real browser: a coordinator acknowledges an escalation and grants a
new due date in place, a supervisor reads the region per institution, a mediator is
refused; every page checked with axe-core and photographed in each language and size."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.models import Escalation, WorkItem
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, inspect_page, sign_in
from tests.browser.test_pages import LOCALES, set_language
from tests.pages.dashboard_world import build_dashboard_world
from tests.pages.world import PageWorld


@pytest.fixture
def dash(committed) -> PageWorld:  # type: ignore[no-untyped-def]
    return build_dashboard_world()


def figure(page, stage: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(f'#stages li[data-stage="{stage}"] .figure').inner_text()


def test_a_coordinator_acknowledges_and_reschedules_in_place(dash, new_page):
    page = new_page()
    sign_in(page, "coord")
    assert page.url.endswith("/dashboard")
    assert (figure(page, "intake"), figure(page, "planning"), figure(page, "exit_preparation")) == (
        "3", "1", "1",
    )  # fmt: skip
    late = page.locator(f'ol.escalations li[data-youth="{dash.codes["late"]}"]')
    assert late.count() == 1 and "10 jours de retard" in late.inner_text()
    # Acknowledge the escalation of another youth: it leaves the list, the page says so.
    soon = page.locator(f'ol.escalations li[data-youth="{dash.codes["soon"]}"]')
    soon.get_by_role("button", name="Accuser réception").click()
    page.wait_for_load_state()
    assert page.url.endswith("/dashboard?done=acknowledged#escalations")
    assert page.locator("#done").inner_text() == "Accusé de réception enregistré."
    assert page.locator(f'ol.escalations li[data-youth="{dash.codes["soon"]}"]').count() == 0
    # Grant the overdue item a new date: first without a reason (refused, kept), then with one.
    new = date.today() + timedelta(days=14)
    late.locator("summary").click()
    late.get_by_label("Nouvelle échéance").fill(new.isoformat())
    late.get_by_role("button", name="Enregistrer la nouvelle échéance").click()
    page.wait_for_load_state()
    assert page.locator("#form-error").is_visible()
    reason = page.get_by_label("Motif")
    assert reason.get_attribute("aria-invalid") == "true"
    assert "Dites pourquoi la date change." in page.locator(".field-error").inner_text()
    assert page.get_by_label("Nouvelle échéance").input_value() == new.isoformat()
    reason.fill("Le jeune était hospitalisé")
    page.get_by_role("button", name="Enregistrer la nouvelle échéance").click()
    page.wait_for_load_state()
    assert page.url.endswith("/dashboard?done=rescheduled#escalations")
    assert page.locator(f'ol.escalations li[data-youth="{dash.codes["late"]}"]').count() == 0
    with session_scope() as s:
        item = s.get_one(WorkItem, dash.ids["late_intake"])
        assert (item.due_date, item.cycle) == (new, 1)
        mine = select(Escalation).where(Escalation.acknowledged_by_id == dash.ids["coord"])
        assert len(s.exec(mine).all()) == 1


def test_a_supervisor_reads_the_region_per_institution(dash, new_page):
    page = new_page(locale="en-GB")
    sign_in(page, "super")
    assert page.url.endswith("/dashboard")
    rows = page.locator("#by-institution tbody tr")
    assert rows.count() == 2
    assert rows.first.locator("th").inner_text() == "Dar Al Atfal Ain Chock"
    assert "Salé" not in page.locator("#by-institution").inner_text()
    assert page.locator("ol.escalations li").count() == 3
    assert page.locator("details.reschedule").count() == 0


def test_a_mediator_gets_the_403_page(dash, new_page):
    page = new_page()
    sign_in(page, "med1")
    assert page.locator('a[href="/dashboard"]').count() == 0
    response = page.goto("/dashboard")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Accès refusé"


PAGES = {
    "dashboard-coordinator": ("coord", "/dashboard"),
    "dashboard-supervisor": ("super", "/dashboard"),
    "dashboard-national": ("nation", "/dashboard"),
    "dashboard-reschedule-error": ("coord", None),
}


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_dashboard_passes_axe_fits_a_phone_and_is_photographed(dash, new_page, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for who in ("coord", "super", "nation"):
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
            if path is None:  # the reschedule form sent without a reason: re-shown, 422
                page.goto("/dashboard")
                page.locator("details.reschedule summary").first.click()
                page.locator("details.reschedule button[type=submit]").first.click()
            else:
                page.goto(path)
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == language.value, (name, size)
            failures += inspect_page(page, name, language.value, size)
    assert failures == []
