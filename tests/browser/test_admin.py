"""The admin pages in a real browser: an admin creates a mediator, resets their password,
disables them, adds and moves a holiday; every admin page checked with axe-core, fitted
to a phone and photographed in each language and size."""

from __future__ import annotations

import pytest

from mowakaba.db import session_scope
from mowakaba.enums import Language, Role
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, inspect_page, sign_in
from tests.browser.test_pages import LOCALES, set_language
from tests.factories import make_user


@pytest.fixture
def admin(world):  # type: ignore[no-untyped-def]
    with session_scope() as s:
        world.ids["admin"] = make_user(s, Role.admin, username="admin").pk
    return world


def test_an_admin_creates_resets_and_disables_a_mediator_then_corrects_a_holiday(admin, new_page):
    set_language("admin", Language.en)
    page = new_page(locale="en-GB")
    sign_in(page, "admin")
    assert page.url.endswith("/admin")
    page.click("a[href='/admin/users']")
    page.click("a[href='/admin/users/new']")
    page.fill("#username", "yasmine")
    page.fill("#display_name", "Yasmine Berrada")
    page.select_option("#role", "mediator")
    page.check(f"input[name=institution_ids][value='{admin.ids['institution']}']")
    page.fill("#password", "short")
    page.click("form.stack button[type=submit]")
    assert "at least 12 characters" in page.locator("#password-error").inner_text()
    assert page.input_value("#username") == "yasmine"  # what was typed is kept
    page.fill("#password", "olive tree by the sea")
    page.click("form.stack button[type=submit]")
    assert "/admin/users/" in page.url
    assert page.locator("[role=status]").inner_text() == "The account was created."
    page.click("#reset")
    temporary = page.locator("#temporary-password").inner_text()
    assert len(temporary) >= 12
    page.click("text=Back to the account")
    assert temporary not in page.content()
    assert page.locator(".state.password").count() == 1
    page.click("#active")  # disable
    assert page.locator(".state.disabled").count() == 1
    page.goto("/admin/calendars?calendar=national&year=2027")
    page.fill("#date", "2027-06-08")
    page.fill("#name", "Exceptional day off")
    page.select_option("#kind", "fixed")
    page.click("form.add-holiday button[type=submit]")
    row = page.locator("li.holiday[data-date='2027-06-08']")
    assert "Exceptional day off" in row.inner_text()
    row.locator("input[name=to]").fill("2027-06-09")
    row.locator("form.move button").click()
    assert page.locator("li.holiday[data-date='2027-06-09']").count() == 1
    assert page.locator("li.holiday[data-date='2027-06-08']").count() == 0
    assert "institution calendar followed" in page.locator("[role=status]").inner_text()
    other = new_page()  # the mediator, disabled, cannot sign in with the temporary password
    sign_in(other, "yasmine", temporary)
    assert other.url.endswith("/sign-in")


PAGES = {
    "admin": "/admin",
    "admin-users": "/admin/users",
    "admin-user-new": "/admin/users/new",
    "admin-user-new-errors": "/admin/users/new#submit",
    "admin-user": "/admin/users/{med1}",
    "admin-password-reset": "/admin/users/{med2}#reset",
    "admin-institutions": "/admin/institutions",
    "admin-calendars": "/admin/calendars?calendar=national&year=2027",
    "admin-calendars-institution": "/admin/calendars?calendar={institution}&year=2027",
    "admin-timings": "/admin/timings",
}


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_every_admin_page_passes_axe_fits_a_phone_and_is_photographed(admin, new_page, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_language("admin", language)
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
        sign_in(page, "admin")
        for name, path in PAGES.items():
            target, _, action = path.format(**admin.ids).partition("#")
            page.goto(target)
            if action == "submit":  # the form sent empty: every error next to its field
                page.click("form.stack button[type=submit]")
            elif action == "reset":
                page.click("#reset")
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == language.value, (name, size)
            failures += inspect_page(page, name, language.value, size)
    assert failures == []
