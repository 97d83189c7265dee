"""The pages in a real browser: signing in, my work, the language, the phone layout, the
inbox; every page checked with axe-core and photographed in each language and size."""

from __future__ import annotations

import pytest

from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.services import preferences as preference_service
from tests.browser.conftest import AXE, DESKTOP, PHONE, SCREENSHOTS, sign_in


def test_a_mediator_signs_in_and_sees_their_work_overdue_first(world, new_page):
    page = new_page()
    page.goto("/work")
    assert page.url.endswith("/sign-in?next=/work")
    sign_in(page, "med1")
    assert page.url.endswith("/work")
    youths = page.locator("li.item").evaluate_all("items => items.map(i => i.dataset.youth)")
    assert youths == [world.codes["late"], world.codes["soon"]]  # overdue first
    assert world.codes["other"] not in page.content()  # med2's youth
    assert "10 jours de retard" in page.locator("li.item").first.inner_text()
    page.keyboard.press("Tab")  # the first stop is the skip link
    assert page.evaluate("document.activeElement.className") == "skip"


def test_wrong_password_shows_a_translated_error_and_keeps_the_user_name(world, new_page):
    page = new_page(locale="en-GB")
    sign_in(page, "med1", "not the password")
    assert page.locator("#sign-in-error").inner_text() == "Wrong user name or password."
    assert page.input_value("#username") == "med1"
    assert page.evaluate("document.documentElement.lang") == "en"


def test_arabic_is_right_to_left_and_remembered_after_signing_out_and_in(world, new_page):
    page = new_page()
    sign_in(page, "med1")
    page.click("form.languages button[value=ar]")
    page.wait_for_load_state()
    html = page.locator("html")
    assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "عملي"
    assert page.get_by_label("النوع").count() == 1  # the kind filter's label, translated
    # Mirrored: the brand sits at the right edge, the tools at the left.
    brand, tools = page.locator(".brand").bounding_box(), page.locator(".tools").bounding_box()
    assert brand["x"] > tools["x"]
    page.click("form.sign-out button")
    page.wait_for_load_state()
    assert page.url.endswith("/sign-in") and page.locator("h1").inner_text() == "تسجيل الدخول"
    elsewhere = new_page()  # another browser: the language comes from the account
    sign_in(elsewhere, "med1")
    assert elsewhere.locator("html").get_attribute("dir") == "rtl"


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_my_work_fits_a_360_pixel_phone(world, new_page, language):
    set_language("med1", language)
    page = new_page(viewport=PHONE)
    sign_in(page, "med1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_marking_a_notification_read_decrements_the_header_count(world, new_page):
    page = new_page()
    sign_in(page, "med1")
    assert page.locator("#unread-count").inner_text() == "2"
    page.goto("/inbox")
    page.locator("li.item.unread form button").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/inbox")
    assert page.locator("#unread-count").inner_text() == "1"
    assert page.locator("li.item.unread").count() == 1


PAGES = {
    "sign-in": (None, "/sign-in"),
    "work": ("med1", "/work"),
    "work-filtered": ("med1", "/work?kind=intake_assessment"),
    "inbox": ("med1", "/inbox"),
    "forbidden": ("partner", "/work"),
    "not-found": ("med1", "/inbox/999999/read"),
}


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_every_page_passes_axe_and_is_photographed(world, new_page, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for who in ("med1", "partner"):
        set_language(who, language)
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        signed_in: dict[str | None, object] = {}
        for name, (who, path) in PAGES.items():
            if who not in signed_in:
                # The context bypasses the CSP only to inject axe; the pages obey it.
                page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
                if who is not None:
                    sign_in(page, who)
                signed_in[who] = page
            page = signed_in[who]
            if path.endswith("/read"):
                page.goto("/inbox")
                page.evaluate(f"document.querySelector('li.item form').action = '{path}'")
                page.locator("li.item form button").first.click()
            else:
                page.goto(path)
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == language.value, (name, size)
            page.screenshot(
                path=SCREENSHOTS / f"{name}-{language.value}-{size}.png", full_page=True
            )
            page.add_script_tag(path=AXE)
            violations = page.evaluate(
                "async () => (await axe.run(document)).violations"
                ".filter(v => ['serious', 'critical'].includes(v.impact))"
                ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
            )
            failures += [f"{name} {size}: {v}" for v in violations]
    assert failures == []


LOCALES = {Language.ar: "ar-MA", Language.fr: "fr-FR", Language.en: "en-GB"}


def set_language(username: str, language: Language) -> None:
    from mowakaba.services import users as user_service

    with session_scope() as s:
        user = user_service.get_user_by_name(s, username)
        preference_service.set_language(s, user_id=user.pk, language=language)
