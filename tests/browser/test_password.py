"""Changing my password in a real browser: a user whose password an admin reset is sent to
/password at sign-in, a wrong entry is shown beside its field, the change takes them to
their work. Checked with axe-core, photographed in each language and size."""

from __future__ import annotations

import pytest

from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.services import users as user_service
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, check_axe, sign_in
from tests.browser.test_pages import LOCALES, set_language

NEW = "olive tree by the sea"


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_a_reset_user_is_sent_to_change_their_password_then_to_their_work(
    world, new_page, language
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_language("med1", language)
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        with session_scope() as s:
            temporary = user_service.reset_password(s, user_id=world.ids["med1"])
        page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
        sign_in(page, "med1", temporary)
        assert page.url.endswith("/password"), page.url
        assert page.locator("html").get_attribute("dir") == (
            "rtl" if language == Language.ar else "ltr"
        )
        page.goto("/work")  # nowhere else until the password is changed
        assert page.url.endswith("/password"), page.url
        failures += [f"{size}: {v}" for v in check_axe(page)]
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=SCREENSHOTS / f"password-{language}-{size}.png", full_page=True)

        page.fill("#current_password", temporary)
        page.fill("#new_password", NEW)
        page.fill("#confirmation", NEW + " not the same")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert page.url.endswith("/password")
        assert page.locator("#confirmation[aria-invalid=true]").count() == 1
        page.screenshot(path=SCREENSHOTS / f"password-errors-{language}-{size}.png", full_page=True)

        page.fill("#current_password", temporary)
        page.fill("#new_password", NEW)
        page.fill("#confirmation", NEW)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert "/work" in page.url, page.url
    assert failures == []
