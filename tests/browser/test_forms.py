"""The work forms in a real browser: a mediator completes an intake and the plan follows;
a wrong form keeps its input; a coordinator sends a plan back and approves the rework;
every kind's form checked with axe-core and photographed in each language and size."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from mowakaba.enums import Axis, Language
from mowakaba.settings import get_settings
from tests.browser.conftest import AXE, DESKTOP, PHONE, SCREENSHOTS, sign_in
from tests.browser.test_pages import LOCALES, set_language
from tests.pages.form_world import build_form_world
from tests.pages.world import PageWorld

T = TypeVar("T")


@pytest.fixture
def world(committed) -> PageWorld:  # type: ignore[no-untyped-def]
    return build_form_world()


def open_item(page, code: str, kind_label: str) -> None:  # type: ignore[no-untyped-def]
    """From my work, follow the link of a youth's item."""
    page.goto("/work")
    page.locator(f"li.item[data-youth='{code}'] .what a", has_text=kind_label).click()
    page.wait_for_load_state()


def submit(page, button: str = ".actions button.primary") -> None:  # type: ignore[no-untyped-def]
    page.click(button)
    page.wait_for_load_state()


def beside_the_browser(call: Callable[[], T]) -> T:
    """Call Prefect from a thread of its own: Playwright's sync API keeps an event loop in
    this one, and Prefect would answer a coroutine to a call made here."""
    context = contextvars.copy_context()  # the test Prefect server's settings go along
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(context.run, call).result(timeout=300)


def register_deployments() -> None:
    from flows.serve import build_deployments

    for deployment in build_deployments():
        deployment.apply()


def test_a_mediator_completes_an_intake_and_the_plan_appears_in_my_work(
    world, prefect_api, new_page, monkeypatch
):
    from tests.prefect_helpers import run_scheduled_pathway_runs

    beside_the_browser(register_deployments)
    # The server's completion starts the pathway run on the test Prefect server; the test
    # runs it, as `serve()` would.
    monkeypatch.setenv("MOWAKABA_PREFECT_API_URL", prefect_api)
    get_settings.cache_clear()
    try:
        page = new_page()
        sign_in(page, "med1")
        code = world.codes["late"]
        open_item(page, code, "Diagnostic d'entrée")
        assert page.locator("h1").inner_text() == "Diagnostic d'entrée"
        for axis in Axis:
            score = 2 if axis == Axis.health else 4
            page.check(f"input[name='axes.{axis.value}.score'][value='{score}']")
        page.fill("#f-axes-health-needs", "Suivi dentaire et lunettes")
        submit(page)
        assert page.url.endswith(f"/work?done={world.ids['intake_assessment']}")
        assert page.locator("#done").is_visible()
        assert beside_the_browser(run_scheduled_pathway_runs)  # the run the completion started
        page.reload()
        mine = page.locator(f"li.item[data-youth='{code}']").inner_text()
        assert "Programme individuel d'intégration" in mine and "Diagnostic" not in mine
    finally:
        monkeypatch.delenv("MOWAKABA_PREFECT_API_URL")
        get_settings.cache_clear()


def test_a_wrong_form_keeps_its_input_and_shows_its_errors(world, new_page):
    set_language("med1", Language.en)
    page = new_page(locale="en-GB")
    sign_in(page, "med1")
    page.goto(f"/work/{world.ids['record_exit']}")
    page.check("input[name=kind][value=runaway]")
    page.select_option("#f-destination", "family")
    page.fill("#f-exit_date", "2099-01-01")
    submit(page)
    assert (
        page.locator("#f-reason-error").inner_text()
        == "An exit that was not planned needs a reason."
    )
    assert (
        page.locator("#f-reason").get_attribute("aria-describedby")
        == "f-reason-hint f-reason-error"
    )
    assert page.is_checked("input[name=kind][value=runaway]")
    assert page.input_value("#f-destination") == "family"
    assert page.input_value("#f-exit_date") == "2099-01-01"
    assert page.locator(".error-summary a[href='#f-reason']").count() == 1
    # Enter in a milestone's field submits the plan (not the row's "remove" button).
    page.goto(f"/work/{world.ids['integration_plan']}")
    page.fill("#f-milestones-0-title", "Health check")
    page.press("#f-milestones-0-title", "Enter")
    page.wait_for_load_state()
    assert page.locator("fieldset.row").count() == 1
    assert page.input_value("#f-milestones-0-title") == "Health check"
    assert page.locator("#f-milestones-0-owner-error").inner_text() == "Required."
    page.click("button[name=add_row]")  # a second row, without JavaScript
    page.wait_for_load_state()
    assert page.locator("fieldset.row").count() == 2
    assert page.input_value("#f-milestones-0-title") == "Health check"


def test_a_coordinator_sends_a_plan_back_with_a_comment_then_approves_the_rework(world, new_page):
    coordinator = new_page()
    sign_in(coordinator, "coord")
    coordinator.goto(f"/work/{world.ids['plan_approval']}")
    assert "Bilan de santé au centre" in coordinator.locator("table.plan").inner_text()
    submit(coordinator, "button[name=decision][value=reject]")
    assert "commentaire" in coordinator.locator("#f-comment-error").inner_text()
    coordinator.fill("#f-comment", "Ajouter un jalon sur le logement.")
    submit(coordinator, "button[name=decision][value=reject]")
    assert "/work?done=" in coordinator.url
    mediator = new_page()
    sign_in(mediator, "med1")
    mediator.goto("/work?kind=integration_plan")
    mediator.locator("li.item .what a").first.click()  # oldest first: Yassine's rework
    mediator.wait_for_load_state()
    assert "Ajouter un jalon sur le logement." in mediator.locator(".sent-back").inner_text()
    assert mediator.input_value("#f-milestones-0-title") == "Bilan de santé au centre"
    mediator.click("button[name=add_row]")
    mediator.wait_for_load_state()
    mediator.select_option("#f-milestones-1-axis", "housing")
    mediator.fill("#f-milestones-1-title", "Visiter un foyer de transition")
    mediator.fill("#f-milestones-1-owner", "Le médiateur social")
    mediator.fill("#f-milestones-1-due_date", mediator.input_value("#f-milestones-0-due_date"))
    submit(mediator)
    assert "/work?done=" in mediator.url, mediator.content()
    coordinator.goto("/work?kind=plan_approval")
    coordinator.locator("li.item .what a").first.click()
    coordinator.wait_for_load_state()
    assert "Visiter un foyer de transition" in coordinator.locator("table.plan").inner_text()
    submit(coordinator, "button[name=decision][value=approve]")
    assert "/work?done=" in coordinator.url
    left = coordinator.locator("li.item .what a").all_inner_texts()
    assert "Validation du programme" not in left and "Décision de prolongation" in left


FORMS = {  # page name → (who opens it, the world's item)
    "form-intake": ("med1", "intake_assessment"),
    "form-plan": ("med1", "integration_plan"),
    "form-plan-approval": ("coord", "plan_approval"),
    "form-milestone-check": ("med1", "milestone_check"),
    "form-exit-readiness": ("med1", "exit_readiness_assessment"),
    "form-checklist-item": ("med1", "exit_checklist_item"),
    "form-record-exit": ("med1", "record_exit"),
    "form-checkpoint": ("med1", "follow_up_checkpoint"),
    "form-extension-decision": ("coord", "exit_extension_decision"),
}


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_every_form_passes_axe_fits_a_phone_and_is_photographed(world, new_page, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for who in ("med1", "coord"):
        set_language(who, language)
    failures = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        pages = {}
        for who in ("med1", "coord"):
            # The context bypasses the CSP only to inject axe; the pages obey it.
            pages[who] = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
            sign_in(pages[who], who)
        shots = {name: (who, f"/work/{world.ids[item]}") for name, (who, item) in FORMS.items()}
        shots["form-errors"] = ("med1", f"/work/{world.ids['follow_up_checkpoint']}")
        for name, (who, path) in shots.items():
            page = pages[who]
            page.goto(path)
            if name == "form-errors":  # contact, and nothing else: every finding is missing
                page.check("input[name=contact][value=true]")
                submit(page)
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == language.value, name
            if size == "phone":
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    failures.append(f"{name} phone: {width} px wide")
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
