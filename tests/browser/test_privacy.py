"""The privacy pages in a real browser: a coordinator places a legal hold and records a
deletion request from a youth's privacy page, an admin sees it waiting; photographed in
each language on a phone and a desktop (no wider than the phone, no serious axe finding)."""

from __future__ import annotations

import pytest

from mowakaba.db import session_scope
from mowakaba.enums import Language, Role
from mowakaba.models import Institution
from tests.browser.conftest import DESKTOP, PHONE, inspect_page, sign_in
from tests.browser.test_pages import LOCALES, set_language
from tests.factories import make_user


@pytest.mark.parametrize("language", list(Language))
def test_a_hold_and_a_request_from_the_privacy_page(world, new_page, language):
    with session_scope() as s:
        make_user(s, Role.admin, username="admin")
        assert s.get(Institution, world.ids["institution"]) is not None
    for username in ("coord", "admin"):
        set_language(username, language)
    youth = world.ids["late"]
    failures: list[str] = []
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
        sign_in(page, "coord")
        page.goto(f"/youths/{youth}")
        page.click(f'a[href="/youths/{youth}/privacy"]')
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        if size == "phone":
            page.fill("#hold_reason", "Affaire 114")
            page.click('form[action$="/privacy/hold"] button[type=submit]')
            page.wait_for_load_state()
            assert page.locator("#done").is_visible()
            page.check('input[name="kind"][value="deletion"]')
            page.fill("#reason", "Le jeune demande l'effacement")
            page.click('form[action$="/privacy/requests"] button[type=submit]')
            page.wait_for_load_state()
        failures += inspect_page(page, "privacy", language.value, size)
        admin = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
        sign_in(admin, "admin")
        admin.goto("/admin/privacy-requests")
        assert admin.locator("form[action$='/approve']").count() == 1
        failures += inspect_page(admin, "privacy-requests", language.value, size)
    assert failures == []


@pytest.mark.parametrize("language", list(Language))
def test_an_access_request_in_two_clicks_and_who_looked_at_the_file(world, new_page, language):
    """From the youth file: the access request page (click 1), the PDF (click 2) in the
    youth's language; then who looked at the file, that reading listed in it."""
    set_language("coord", language)
    youth = world.ids["late"]
    failures: list[str] = []
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
        sign_in(page, "coord")
        page.goto(f"/youths/{youth}")
        page.click(f'a[href="/youths/{youth}/access-request"]')
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        failures += inspect_page(page, "access-request", language.value, size)
        if size == "desktop":
            with page.expect_download() as download:
                page.click(f'a[href="/youths/{youth}/access-request/pdf"]')
            assert download.value.suggested_filename.endswith(".pdf")
            with open(download.value.path(), "rb") as pdf:
                assert pdf.read(5) == b"%PDF-"
        page.goto(f"/youths/{youth}")
        page.click(f'a[href="/youths/{youth}/access-log"]')
        assert page.locator("table.access-log tbody tr").count() >= 2
        failures += inspect_page(page, "access-log", language.value, size)
    assert failures == []
