"""Documents in a real browser: a mediator uploads an ID card on the youth file, which meets
the exit checklist item; the documents section fits a phone and passes axe in each language."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from mowakaba.db import session_scope
from mowakaba.enums import Language, WorkItemKind, WorkItemStatus
from mowakaba.models import Institution, User, WorkItem, Youth
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, inspect_page, sign_in
from tests.browser.test_pages import LOCALES, set_language
from tests.documents_files import pdf_bytes, store_document
from tests.factories import at, make_youth
from tests.pages.world import PageWorld


def leaving_youth(world: PageWorld) -> int:
    """A youth of med1's about to leave care: the exit checklist is open."""
    today = date.today()
    with session_scope() as s:
        med1, home = s.get(User, world.ids["med1"]), s.get(Institution, world.ids["institution"])
        youth = make_youth(s, home, med1, first_name="Hamza", last_name="Ouazzani",
                           first_name_ar="حمزة", last_name_ar="الوزاني",
                           date_of_birth=today - timedelta(days=365 * 17 + 60),
                           as_of=at(today))  # fmt: skip
        return youth.pk


def test_a_mediator_uploads_an_id_card_that_meets_the_checklist_item(world, new_page, tmp_path):
    youth_id = leaving_youth(world)
    scan = tmp_path / "cnie-hamza.pdf"
    scan.write_bytes(pdf_bytes())
    page = new_page()
    sign_in(page, "med1")
    page.goto(f"/youths/{youth_id}")
    page.click("details.add-document summary")
    page.select_option("#document-kind", "national_id_card")
    page.fill("#document-issued", "2024-03-01")
    page.fill("#document-expiry", str(date.today() + timedelta(days=3650)))
    page.set_input_files("#document-file", str(scan))
    page.click("form.document-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#document-notice").count() == 1
    assert page.locator("li.document-row").count() == 1
    assert "cnie-hamza.pdf" in page.locator("li.document-row").inner_text()
    with session_scope() as s:
        item = s.exec(
            select(WorkItem).where(WorkItem.youth_id == youth_id,
                                   WorkItem.kind == WorkItemKind.exit_checklist_item,
                                   WorkItem.subject == "national_id_card")
        ).one()  # fmt: skip
    assert item.status == WorkItemStatus.done
    page.goto(f"/work/{item.id}")
    assert "cnie-hamza.pdf" in page.content()  # the item says which document met it


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_documents_section_fits_a_phone_and_passes_axe(world, new_page, language):
    youth_id = leaving_youth(world)
    with session_scope() as s:
        youth, med1 = s.get(Youth, youth_id), s.get(User, world.ids["med1"])
        store_document(s, youth, med1, name="بطاقة التعريف.pdf",
                       expiry_date=str(date.today() + timedelta(days=20)))  # fmt: skip
        store_document(s, youth, med1, kind="school_certificate", name="certificat-2023.pdf")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_language("med1", language)
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
        sign_in(page, "med1")
        page.goto(f"/youths/{youth_id}#documents")
        page.click("details.add-document summary")
        page.locator("#documents").scroll_into_view_if_needed()
        failures += inspect_page(page, "youth-documents", language.value, size)
    assert failures == []
