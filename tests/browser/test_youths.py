"""The youths list and the youth file in a real browser: a mediator finds a youth and
reads the file; Arabic mirrors it; a phone needs no sideways scroll; axe finds no serious
violation; every page photographed in each language and size."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from flows import launch
from mowakaba.db import session_scope
from mowakaba.enums import Language, WorkItemKind
from mowakaba.services import users as user_service
from mowakaba.services.completions import complete_work_item
from mowakaba.services.reconciliation import reconcile_youth
from tests.browser.conftest import AXE, DESKTOP, PHONE, SCREENSHOTS, sign_in
from tests.browser.test_pages import LOCALES, set_language
from tests.factories import assessment, item_of, plan
from tests.pages.world import PageWorld


def with_a_plan(world: PageWorld) -> None:
    """Take the overdue youth through the intake to a submitted plan with milestones."""
    youth = type("Y", (), {"id": world.ids["late"]})()
    with session_scope() as s:
        mediator = user_service.get_user(s, world.ids["med1"])
        intake = item_of(s, youth, WorkItemKind.intake_assessment)
        complete_work_item(s, work_item_id=intake.pk, actor=mediator, payload=assessment(3))
        reconcile_youth(s, world.ids["late"])
        planned = item_of(s, youth, WorkItemKind.integration_plan, "v1")
        soon = date.today() + timedelta(days=60)
        payload = plan(("employment", soon), ("housing", soon + timedelta(days=120)))
        payload["milestones"][0]["title"] = "Stage at the ANAPEC agency"
        complete_work_item(s, work_item_id=planned.pk, actor=mediator, payload=payload)


def test_a_mediator_finds_a_youth_and_reads_the_file(world, new_page, monkeypatch):
    def away_runs(labels, limit):  # type: ignore[no-untyped-def]
        raise launch.PrefectUnavailable("the Prefect server does not answer")

    # Prefect away, whatever other tests left running (the server runs in this process).
    monkeypatch.setattr(launch, "youth_runs", away_runs)
    page = new_page()
    sign_in(page, "med1")
    page.click("nav.main-nav a[href='/youths']")
    page.wait_for_load_state()
    codes = page.locator("li.youth").evaluate_all("items => items.map(i => i.dataset.youth)")
    assert sorted(codes) == sorted([world.codes["late"], world.codes["soon"]])
    page.fill("#q", "salma")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("li.youth").count() == 1
    page.locator("li.youth a").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/youths/{world.ids['soon']}")
    assert page.locator("h1").inner_text() == "Salma Idrissi"
    steps = page.locator("ol.pathway li.step")
    assert steps.count() == 7
    assert page.locator("ol.pathway li[aria-current=step]").get_attribute("data-stage") == "intake"
    assert page.locator("ol.coming li").count() > 3  # the dates coming
    assert page.locator("ol.timeline li").count() >= 2  # registered, intake entered
    assert page.locator("#runs-unavailable").count() == 1  # no Prefect here: a note, no error


def test_the_arabic_file_is_right_to_left_with_translated_labels(world, new_page):
    set_language("med1", Language.ar)
    page = new_page(locale="ar-MA")
    sign_in(page, "med1")
    page.goto(f"/youths/{world.ids['late']}")
    html = page.locator("html")
    assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "أمين بنعلي"
    assert page.locator("#pathway-title").inner_text() == "المسار"
    assert page.locator("ol.pathway li[aria-current=step] .step-name").inner_text() == "الاستقبال"
    # Mirrored: the bar starts at the right edge.
    first = page.locator("ol.pathway li").first.bounding_box()
    last = page.locator("ol.pathway li").last.bounding_box()
    assert first["x"] > last["x"]


def test_another_mediators_youth_is_not_found_in_the_browser_either(world, new_page):
    page = new_page()
    sign_in(page, "med2")
    response = page.goto(f"/youths/{world.ids['late']}")
    assert response is not None and response.status == 404
    assert "Amine" not in page.content()


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_youths_pages_fit_a_360_pixel_phone(world, new_page, language):
    with_a_plan(world)
    set_language("med1", language)
    page = new_page(viewport=PHONE, locale=LOCALES[language])
    sign_in(page, "med1")
    for path in ("/youths", f"/youths/{world.ids['late']}", "/youths?stage=asleep"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path


PAGES = {
    "youths": "/youths",
    "youths-invalid": "/youths?q=&stage=asleep",
    "youth-file": "/youths/{late}",
}


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_youths_pages_pass_axe_and_are_photographed(world, new_page, language):
    with_a_plan(world)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_language("med1", language)
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        # The context bypasses the CSP only to inject axe; the pages obey it.
        page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
        sign_in(page, "med1")
        for name, path in PAGES.items():
            page.goto(path.format(late=world.ids["late"]))
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
