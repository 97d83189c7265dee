"""The inbox in a real browser: every kind of message in the reader's language, marking all
read; the 404 page of an unknown address. Checked with axe-core, photographed in each
language and size."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mowakaba.db import session_scope
from mowakaba.enums import Language, NotificationKind
from mowakaba.services import notifications as notification_service
from mowakaba.services import users as user_service
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, check_axe, sign_in
from tests.browser.test_pages import LOCALES, set_language

SUBJECTS = {
    Language.ar: ("تصعيد (المستوى 1)", "انقطاع التواصل", "تذكير: التشخيص الأولي"),
    Language.fr: ("Escalade (niveau 1)", "Sans contact", "Rappel : Diagnostic d'entrée"),
    Language.en: ("Escalation (level 1)", "Not in touch", "Reminder: Intake assessment"),
}


def add_other_kinds(world) -> None:  # type: ignore[no-untyped-def]
    """An escalation, a work assignment and a lost contact beside the world's reminders."""
    common = {"youth_code": world.codes["late"], "due_date": "2026-12-30", "link": "/work",
              "institution": "Dar Al Atfal Ain Chock"}  # fmt: skip
    contexts = {
        NotificationKind.not_in_touch: common,
        NotificationKind.work_assigned: {**common, "work_item_kind": "integration_plan"},
        NotificationKind.escalation: {
            **common, "work_item_kind": "intake_assessment", "level": 1, "assignee": None,
            "region": "Casablanca-Settat", "working_days": 3,
        },
    }  # fmt: skip
    with session_scope() as s:
        med1 = user_service.get_user_by_name(s, "med1")
        for kind, context in contexts.items():
            notification_service.enqueue(
                s, key=f"browser:{kind.value}", recipient=med1, kind=kind,
                youth_id=world.ids["late"], context=context,
            )  # fmt: skip


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_inbox_speaks_the_readers_language_and_marks_all_read(world, new_page, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    add_other_kinds(world)
    set_language("med1", language)
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
        sign_in(page, "med1")
        page.goto("/inbox")
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        subjects = page.locator("li.item .subject").all_inner_texts()
        assert len(subjects) == 5
        for expected in SUBJECTS[language]:
            assert any(s.startswith(expected) for s in subjects), (expected, subjects)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(
            path=SCREENSHOTS / f"notifications-{language.value}-{size}.png", full_page=True
        )
        failures += [f"inbox {size}: {v}" for v in check_axe(page)]
        if size == "phone":
            page.locator("form.read-all button").click()
            page.wait_for_load_state()
            expect(page.locator("#unread-count")).to_have_text("0")  # waits for the POST's page
            assert page.locator("li.item.unread").count() == 0
            assert page.locator("form.read-all").count() == 0
            page.screenshot(path=SCREENSHOTS / f"notifications-read-{language.value}-{size}.png",
                            full_page=True)  # fmt: skip
    assert failures == []


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_an_unknown_address_shows_the_translated_404_page(world, new_page, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_language("med1", language)
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
        sign_in(page, "med1")
        response = page.goto("/no/such/page")
        assert response is not None and response.status == 404
        assert page.locator("html").get_attribute("lang") == language.value
        assert page.locator("#unread-count").count() == 1  # the header of the signed-in user
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=SCREENSHOTS / f"unknown-page-{language.value}-{size}.png",
                        full_page=True)  # fmt: skip
        failures += [f"404 {size}: {v}" for v in check_axe(page)]
    assert failures == []
