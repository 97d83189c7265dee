"""Flow runs (/runs) in a real browser, against the test Prefect server: a coordinator
finds a failed run and runs it again; the page with Prefect up and down, and the admin's,
checked with axe-core and photographed in each language and size."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from mowakaba.db import session_scope
from mowakaba.enums import Language
from mowakaba.services import reconciliation as reconciliation_service
from mowakaba.settings import get_settings
from tests.browser.conftest import AXE, DESKTOP, PHONE, SCREENSHOTS, sign_in
from tests.browser.test_pages import LOCALES, set_language
from tests.pages.test_runs import fail_a_run, runs_world


@pytest.fixture
def world(committed):  # type: ignore[no-untyped-def]
    return runs_world()


@pytest.fixture
def use_prefect(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Point the live server's calls to Prefect at a server (its thread has no Prefect
    settings context of its own: the app's setting names the server); forgotten after."""

    def point_at(url: str) -> None:
        monkeypatch.setenv("MOWAKABA_PREFECT_API_URL", url)
        get_settings.cache_clear()

    yield point_at
    monkeypatch.delenv("MOWAKABA_PREFECT_API_URL", raising=False)
    get_settings.cache_clear()  # the next tests' settings name no server of ours


def dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/api"


def test_a_coordinator_runs_a_failed_pathway_again(
    world, deployed, new_page, monkeypatch, use_prefect
):
    use_prefect(deployed)
    failed = fail_a_run(world.ids["late"], monkeypatch)
    page = new_page()
    sign_in(page, "coord")
    page.click("nav.main-nav a[href='/runs']")
    page.wait_for_load_state()
    row = page.locator(f"li.item[data-run='{failed}']")
    assert row.count() == 1 and "Amine Benali" in row.inner_text()
    assert "RuntimeError: database is locked" in row.inner_text()
    assert page.locator(f"li[data-youth='{world.codes['far']}']").count() == 0
    row.get_by_role("button").click()
    page.wait_for_load_state()
    assert "/runs?rerun=started" in page.url
    assert "Amine Benali" in page.locator("#rerun-outcome").inner_text()
    assert page.locator("[data-state=scheduled] dd").inner_text() != "0"


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_runs_pages_pass_axe_fit_a_phone_and_are_photographed(
    world, deployed, new_page, monkeypatch, use_prefect, language
):
    use_prefect(deployed)
    fail_a_run(world.ids["late"], monkeypatch)
    with session_scope() as s:
        reconciliation_service.flag_for_reconciliation(s, youth_ids=[world.ids["soon"]])
    for who in ("coord", "admin"):
        set_language(who, language)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures = []
    for name, who, prefect in (
        ("runs", "coord", deployed),
        ("runs-admin", "admin", deployed),
        ("runs-down", "coord", dead_url()),
    ):
        use_prefect(prefect)
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            # The context bypasses the CSP only to inject axe; the pages obey it.
            page = new_page(viewport=viewport, locale=LOCALES[language], bypass_csp=True)
            sign_in(page, who)
            page.goto("/runs")
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == language.value
            down = page.locator("#prefect-down").count()
            assert down == (name == "runs-down"), (name, size)
            if size == "phone":
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 360, (name, width)
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
