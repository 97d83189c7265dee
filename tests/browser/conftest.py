"""Browser tests: Debian's Chromium driven by Playwright against a live server.

Playwright's own browser builds are never downloaded: we launch `/usr/bin/chromium`
(or `MOWAKABA_CHROMIUM`). Without it the tests are skipped, except in CI (`CI=true`),
where a missing browser fails them: `.ci/run` installs it.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mowakaba.embedded.ports import free_port
from mowakaba.settings import REPO_ROOT
from tests.pages.world import PASSWORD, PageWorld, build_world

SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def chromium_path() -> str | None:
    found = os.environ.get("MOWAKABA_CHROMIUM") or shutil.which("chromium")
    return found if found and Path(found).exists() else None


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        reason = "Chromium is not installed (apt-get install chromium fonts-noto-core)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}: CI must run the browser tests")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def live_server(engine) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app on a free port, in a thread of this process (the tests' database)."""
    import uvicorn

    from api.main import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator:  # type: ignore[type-arg]
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def world(committed) -> PageWorld:  # type: ignore[no-untyped-def]
    return build_world()


@pytest.fixture
def new_page(browser, live_server):  # type: ignore[no-untyped-def]
    """Open a page in a fresh browser context (its own cookies); all closed afterwards."""
    contexts = []

    def open_page(viewport: dict[str, int] = DESKTOP, locale: str = "fr-FR", **kw):  # type: ignore[no-untyped-def]
        context = browser.new_context(base_url=live_server, viewport=viewport, locale=locale, **kw)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/sign-in")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()


def check_axe(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The serious and critical axe-core violations of the page shown."""
    page.add_script_tag(path=AXE)
    return page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )


def inspect_page(page, name: str, language: str, size: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Photograph the page shown (build/screenshots/<name>-<language>-<size>.png) and
    return what is wrong with it: wider than a phone, or axe violations."""
    failures = []
    if size == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            failures.append(f"{name} phone: {width} px wide")
    page.screenshot(path=SCREENSHOTS / f"{name}-{language}-{size}.png", full_page=True)
    return failures + [f"{name} {size}: {v}" for v in check_axe(page)]
