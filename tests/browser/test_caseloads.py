"""Caseloads and transfers in a real browser: a coordinator moves part of a caseload, asks
for a transfer from the youth's file, the receiving coordinator accepts it; every page
checked with axe-core, fitting a phone, and photographed in each language and size."""

from __future__ import annotations

import pytest
from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.models import Transfer, Youth
from mowakaba.services import transfers as transfer_service
from mowakaba.services import users as user_service
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, inspect_page, sign_in
from tests.browser.test_pages import LOCALES, set_language
from tests.pages.dashboard_world import build_dashboard_world
from tests.pages.world import PageWorld


@pytest.fixture
def dash(committed) -> PageWorld:  # type: ignore[no-untyped-def]
    return build_dashboard_world(escalate=False)


def test_a_coordinator_moves_two_youths_and_transfers_one(dash, new_page):
    page = new_page()
    sign_in(page, "coord")
    page.click('nav.main-nav a[href="/caseloads"]')
    page.wait_for_load_state()
    page.locator(f'a[href="/caseloads/{dash.ids["med1"]}"]').click()
    page.wait_for_load_state()
    boxes = page.locator('input[name="youth_ids"]')
    assert boxes.count() == 3
    boxes.last.uncheck()
    page.select_option("#target", str(dash.ids["med2"]))
    page.locator("form.reassign button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/caseloads?done=2") and page.locator("#done").is_visible()

    page.goto(f"/youths/{dash.ids['planned']}")
    page.locator(f'a[href="/youths/{dash.ids["planned"]}/transfer"]').click()
    page.wait_for_load_state()
    page.select_option("#to_institution_id", str(dash.ids["b"]))
    page.fill("#reason", "La famille habite Mohammedia")
    page.locator("form.transfer-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/transfers/" in page.url and page.locator("#done").is_visible()

    other = new_page()
    sign_in(other, "coord_b")
    other.goto("/transfers")
    waiting = other.locator("#waiting li.item")
    assert waiting.count() == 1
    waiting.locator("select").select_option(str(dash.ids["med_b"]))
    waiting.locator('form:has(input[value="accept"]) button[type=submit]').click()
    other.wait_for_load_state()
    assert other.url.endswith("?done=accepted")
    with session_scope() as s:
        youth = s.get_one(Youth, dash.ids["planned"])
        assert (youth.institution_id, youth.mediator_id) == (dash.ids["b"], dash.ids["med_b"])


def waiting_and_accepted(dash: PageWorld) -> tuple[int, int]:
    """A transfer waiting (soon → B) and one accepted (planned → B)."""
    with session_scope() as s:
        coord = user_service.get_user_by_name(s, "coord")
        coord_b = user_service.get_user_by_name(s, "coord_b")
        ids = []
        for name in ("soon", "planned"):
            ids.append(transfer_service.request_transfer(
                s, youth_id=dash.ids[name], actor=coord, to_institution_id=dash.ids["b"],
                reason="Rapprochement familial",
            ).pk)  # fmt: skip
        transfer_service.accept_transfer(s, transfer_id=ids[1], actor=coord_b, mediator_id=None)
    return ids[0], ids[1]


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_caseload_and_transfer_pages_pass_axe_and_fit_a_phone(dash, new_page, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for who in ("coord", "coord_b"):
        set_language(who, language)
    waiting, accepted = waiting_and_accepted(dash)
    pages = {
        "caseloads": ("coord", "/caseloads"),
        "caseload-mediator": ("coord", f"/caseloads/{dash.ids['med1']}"),
        "transfer-new": ("coord", f"/youths/{dash.ids['late']}/transfer"),
        "transfers-incoming": ("coord_b", "/transfers"),
        "transfer-history": ("coord", f"/transfers/{accepted}"),
        "transfer-waiting": ("coord", f"/transfers/{waiting}"),
    }
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        opened: dict[str, object] = {}
        for name, (who, path) in pages.items():
            if who not in opened:
                page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
                sign_in(page, who)
                opened[who] = page
            page = opened[who]
            page.goto(path)
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == language.value, (name, size)
            failures += inspect_page(page, name, language.value, size)
    assert failures == []
    with session_scope() as s:
        assert len(s.exec(select(Transfer)).all()) == 2
