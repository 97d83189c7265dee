"""Exports in a real browser: on the youths page a mediator clicks "XLSX" and "CSV", the
files arrive as downloads and open with their rows; the links read well in each language
(Arabic mirrored), on a desktop and a phone (photographed, axe-checked)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from mowakaba.enums import Language
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, inspect_page, sign_in
from tests.browser.test_pages import LOCALES, set_language


def test_a_mediator_downloads_the_youths_as_xlsx_and_csv(world, new_page, tmp_path):
    page = new_page(accept_downloads=True)
    sign_in(page, "med1")
    page.goto("/youths?q=salma")
    links = page.locator("p.export-links a")
    assert links.evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        "/youths?q=salma&format=csv", "/youths?q=salma&format=xlsx",
    ]  # fmt: skip
    with page.expect_download() as download:
        page.click("p.export-links a[href$='format=xlsx']")
    xlsx = tmp_path / "youths.xlsx"
    download.value.save_as(xlsx)
    assert download.value.suggested_filename.startswith("youths-")
    sheet = load_workbook(xlsx).active
    assert [c.value for c in sheet[2]][:3] == [
        world.codes["soon"],
        "Salma Idrissi",
        "سلمى الإدريسي",
    ]
    assert sheet.max_row == 2  # the search kept: Salma only
    with page.expect_download() as download:
        page.click("p.export-links a[href$='format=csv']")
    path = tmp_path / "youths.csv"
    download.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[1][:3] == [world.codes["soon"], "Salma Idrissi", "سلمى الإدريسي"]
    assert page.url.endswith("/youths?q=salma")  # the page stays where it was


@pytest.mark.parametrize("language", list(Language))
def test_the_export_links_read_well_in_each_language(world, new_page, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_language("med1", language)
    failures: list[str] = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
        sign_in(page, "med1")
        page.goto("/youths")
        links = page.locator("p.export-links")
        assert links.is_visible()
        assert page.locator("html").get_attribute("dir") == (
            "rtl" if language == Language.ar else "ltr"
        )
        failures += inspect_page(page, "youths-exports", language.value, size)
    assert failures == []
