"""Importing a register in a real browser: upload the sample register, keep the suggested
mapping, read the errors by row and column, import the valid rows only, reach the youths.
In each language, desktop and phone: photographed, no sideways scroll, axe clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows import launch
from mowakaba.enums import Language
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, inspect_page, sign_in
from tests.browser.test_pages import LOCALES, set_language

SAMPLE = Path(__file__).parents[2] / "docs" / "sample-register.csv"


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("language", list(Language), ids=str)
def test_a_coordinator_imports_the_sample_register(world, new_page, monkeypatch, language, size):
    # No Prefect here: each youth imported is flagged for the sweep (the server is in-process).
    monkeypatch.setattr(launch, "start_pathway", lambda *a, **k: None)
    monkeypatch.setattr(launch, "start_pathway_batch", lambda *a, **k: None)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_language("coord", language)
    page = new_page(viewport=DESKTOP if size == "desktop" else PHONE,
                    locale=LOCALES[language], bypass_csp=True)  # fmt: skip
    sign_in(page, "coord")
    page.goto("/youths")
    page.click("#import-register")
    page.wait_for_load_state()
    failures = inspect_page(page, "import-upload", language.value, size)
    page.set_input_files("#file", str(SAMPLE))
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#mapping select").count() == 11
    assert page.locator("#map-5").input_value() == "date_of_birth"  # "Date de naissance"
    assert page.locator("#map-0").input_value() == ""  # "N° dossier": not imported
    failures += inspect_page(page, "import-mapping", language.value, size)
    page.click("main form button.primary")
    page.wait_for_load_state()
    rows = page.locator("#errors tbody tr").evaluate_all("rows => rows.map(r => r.dataset.row)")
    assert rows == ["4", "5", "6", "8", "14"]
    assert page.locator("#import-all").is_disabled()
    if language == Language.ar:
        assert page.locator("html").get_attribute("dir") == "rtl"
        first = page.locator("#errors thead th").first.bounding_box()
        last = page.locator("#errors thead th").last.bounding_box()
        assert first["x"] > last["x"]  # the table mirrored: "Row" on the right
    failures += inspect_page(page, "import-report", language.value, size)
    page.click("#import-valid")
    page.wait_for_load_state()
    assert page.locator("main ul.youths li").count() == 8
    failures += inspect_page(page, "import-done", language.value, size)
    page.locator("main ul.youths li a").first.click()
    page.wait_for_load_state()
    assert "/youths/" in page.url
    assert failures == []
