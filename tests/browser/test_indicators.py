"""The indicators page in a real browser, over the demo programme (its history, referrals,
exits and eight weeks of nightly snapshots): a coordinator filters by period and cohort
and opens a trend's table; an admin rolls up a region; every view checked with axe-core,
fitting a phone, and photographed in each language and size."""

from __future__ import annotations

from datetime import date

import pytest

from mowakaba.enums import Language
from mowakaba.indicators import INDICATOR_KEYS
from mowakaba.sim.demo import DEMO_PASSWORD, seed_demo
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, inspect_page, sign_in
from tests.browser.test_pages import LOCALES, set_language


@pytest.fixture
def demo(committed):  # type: ignore[no-untyped-def]
    return seed_demo(date.today(), youths=16)


def test_a_coordinator_filters_the_indicators_and_reads_a_trend_as_a_table(demo, new_page):
    set_language("coord.casa", Language.en)
    page = new_page()
    sign_in(page, "coord.casa", DEMO_PASSWORD)
    page.click('nav.main-nav a[href="/indicators"]')
    page.wait_for_load_state()
    assert page.locator("section.indicator").count() == len(INDICATOR_KEYS)
    # The demo's snapshots draw a trend: points, and the same figures in a table.
    trend = page.locator("#intake_coverage svg.trend")
    assert trend.locator("title").first.text_content().startswith("Trend of")
    assert trend.locator("circle.point").count() >= 2
    table = page.locator("#intake_coverage-trend")
    assert not table.is_visible()
    page.locator("#intake_coverage details.table-view summary").click()
    assert table.is_visible() and table.locator("tbody tr").count() >= 2
    # The filters: a period and an exit cohort, kept in the address and the form.
    year = date.today().year - 1
    page.fill("#from", f"{year}-01-01")
    page.select_option("#cohort", str(year))
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert f"from={year}-01-01" in page.url and f"cohort={year}" in page.url
    assert page.locator("#cohort").input_value() == str(year)
    assert page.locator("section.indicator").count() == len(INDICATOR_KEYS)
    # A period that ends before it starts is refused next to its field.
    page.fill("#to", f"{year - 1}-01-01")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#from-error").is_visible()
    assert page.locator("section.indicator").count() == 0


def test_an_admin_rolls_up_a_region(demo, new_page):
    page = new_page(locale="en-GB")
    sign_in(page, "admin", DEMO_PASSWORD)
    page.goto("/indicators")
    page.select_option("#scope", "region:Fès-Meknès")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#scope").input_value() == "region:Fès-Meknès"
    assert page.locator("section.indicator").count() == len(INDICATOR_KEYS)


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_indicators_page_passes_axe_and_fits_a_phone(demo, new_page, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_language("coord.casa", language)
    set_language("admin", language)
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for name, who in (("indicators", "coord.casa"), ("indicators-admin", "admin")):
            page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
            sign_in(page, who, DEMO_PASSWORD)
            page.goto("/indicators")
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == language.value
            for summary in page.locator("details.table-view summary").all()[:2]:
                summary.click()  # the first trends' tables open in the photograph
            failures += inspect_page(page, name, language.value, size)
    assert failures == []
