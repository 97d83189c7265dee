"""The case file in a real browser, as issue 13 asks: a mediator writes a note, uploads an ID
card that meets the exit checklist item, and prints the plan (its print view and its PDF),
photographed in each language on a desktop and a phone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import Language, WorkItemKind, WorkItemStatus
from mowakaba.models import CaseNote, CaseNoteVersion, WorkItem
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, inspect_page, sign_in
from tests.browser.test_documents import leaving_youth
from tests.browser.test_pages import LOCALES, set_language
from tests.documents_files import pdf_bytes
from tests.factories import assessment, plan
from tests.pages.form_world import complete, open_item
from tests.pages.world import PageWorld
from tests.test_letters import has_arabic, pdf_text

GOALS = "أريد أن أصبح طباخا وأن أسكن مع أخي"  # "I want to become a cook and live with my brother"


def planned_leaver(world: PageWorld) -> int:
    """med1's youth about to leave care, assessed, with an approved plan in their words."""
    youth_id = leaving_youth(world)
    with session_scope() as s:
        complete(s, open_item(s, youth_id, WorkItemKind.intake_assessment).pk, world.ids["med1"],
                 assessment(3) | {"youth_view": "Je veux travailler vite"})  # fmt: skip
        proposal = plan(("employment", date.today() + timedelta(days=60))) | {"youth_goals": GOALS}
        complete(s, open_item(s, youth_id, WorkItemKind.integration_plan).pk, world.ids["med1"],
                 proposal)  # fmt: skip
        complete(s, open_item(s, youth_id, WorkItemKind.plan_approval).pk, world.ids["coord"],
                 {"decision": "approve"})  # fmt: skip
    return youth_id


def test_a_mediator_writes_a_note_uploads_an_id_card_and_prints_the_plan(world, new_page, tmp_path):
    youth_id = planned_leaver(world)
    scan = tmp_path / "cnie.pdf"
    scan.write_bytes(pdf_bytes())
    page = new_page()
    sign_in(page, "med1")
    page.goto(f"/youths/{youth_id}")

    # A note: a home visit with the youth and the family, health-sensitive.
    page.click("details.add-note summary")
    page.check("#note-kind input[value=visit]")
    page.check("#note-with_whom input[value=youth]")
    page.check("#note-with_whom input[value=family]")
    page.check("#note-sensitivity input[value=health]")
    page.fill(
        "form[action$='/notes'] textarea[name=text]", "Visite : suivi du traitement, rdv le 12."
    )
    page.click("form[action$='/notes'] button[type=submit]")
    page.wait_for_load_state()
    assert "suivi du traitement" in page.locator("#notes").inner_text()
    with session_scope() as s:
        (note,) = s.exec(select(CaseNote).where(CaseNote.youth_id == youth_id)).all()
        version = s.exec(select(CaseNoteVersion).where(CaseNoteVersion.note_id == note.id)).one()
        assert version.sensitivity.value == "health" and version.kind.value == "visit"

    # The ID card: it meets the exit checklist's item.
    page.click("details.add-document summary")
    page.select_option("#document-kind", "national_id_card")
    page.fill("#document-issued", "2024-03-01")
    page.fill("#document-expiry", str(date.today() + timedelta(days=3650)))
    page.set_input_files("#document-file", str(scan))
    page.click("form.document-form button[type=submit]")
    page.wait_for_load_state()
    assert "cnie.pdf" in page.locator("li.document-row").inner_text()
    with session_scope() as s:
        item = s.exec(
            select(WorkItem).where(WorkItem.youth_id == youth_id,
                                   WorkItem.kind == WorkItemKind.exit_checklist_item,
                                   WorkItem.subject == "national_id_card")
        ).one()  # fmt: skip
        assert item.status == WorkItemStatus.done

    # The plan: the print view from the file's link, then its PDF in Arabic for the youth.
    page.click(f"a[href='/youths/{youth_id}/print/plan']")
    page.wait_for_load_state()
    assert page.url.endswith(f"/youths/{youth_id}/print/plan")
    assert GOALS in page.content()
    assert page.locator(".signatures .signature").count() == 3
    answer = page.request.get(f"/youths/{youth_id}/print/plan?format=pdf&lang=ar")
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    text = pdf_text(answer.body())
    assert has_arabic(text, "أريد") and has_arabic(text, "طباخا")


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_case_file_and_the_printed_plan_fit_a_phone_and_pass_axe(world, new_page, language):
    youth_id = planned_leaver(world)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_language("med1", language)
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
        sign_in(page, "med1")
        page.goto(f"/youths/{youth_id}#notes")
        page.click("details.add-note summary")
        page.locator("#notes").scroll_into_view_if_needed()
        failures += inspect_page(page, "youth-notes", language.value, size)
        for section in ("notes", "contacts", "documents", "incidents"):  # to look at, close up
            if page.locator(f"#{section}").count():
                page.locator(f"#{section}").screenshot(
                    path=SCREENSHOTS / f"section-{section}-{language.value}-{size}.png"
                )
        page.goto(f"/youths/{youth_id}/print/plan?lang={language.value}")
        failures += inspect_page(page, "print-plan", language.value, size)
    assert failures == []
