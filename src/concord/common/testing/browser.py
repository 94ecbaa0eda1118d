"""Pytest fixtures for tests in a real browser: Debian's Chromium driven by Playwright.

Use them from a tests package's conftest: ``from concord.common.testing.browser import *``.
A page fails its test on any console error, uncaught page error or dialog, so
hostile content that manages to run script is caught wherever it appears.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright

CHROMIUM = os.environ.get("CONCORD_CHROMIUM", "/usr/bin/chromium")
# Without these Chromium keeps calling hosts this sandbox cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("CONCORD_ARTIFACTS_DIR", "artifacts")).resolve()


# One Chromium per test session. Each tests package imports the fixture into its
# own conftest, which makes a separate session fixture per package; a second
# sync_playwright() while the first is alive fails ("Sync API inside the asyncio
# loop"), so every copy shares the browser the first one started.
_SHARED: dict[str, Browser] = {}


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest) -> Browser:
    if "browser" in _SHARED:
        return _SHARED["browser"]
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium).")
    # Playwright's sync API runs an event loop in this thread; Django's ORM would
    # refuse to run beside it, though the test itself is plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    _SHARED["browser"] = launched

    def stop() -> None:
        _SHARED.pop("browser", None)
        launched.close()
        playwright.stop()

    request.session.config.add_cleanup(stop)
    return launched


class PageProblems:
    """Console errors, uncaught exceptions and dialogs seen by one page."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.items.append(f"console error: {message.text}")

    def on_page_error(self, error: Exception) -> None:
        self.items.append(f"page error: {error}")

    def on_dialog(self, dialog: Dialog) -> None:
        self.items.append(f"dialog ({dialog.type}): {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def browser_page(
    browser: Browser, live_server: object, page_problems: PageProblems
) -> Iterator[Page]:
    """A fresh browser context on the live test server; fails on console errors or dialogs."""
    context = browser.new_context(
        base_url=str(getattr(live_server, "url", live_server)),
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", page_problems.on_console)
    page.on("pageerror", page_problems.on_page_error)
    page.on("dialog", page_problems.on_dialog)
    yield page
    context.close()
    if page_problems.items:
        pytest.fail("\n".join(page_problems.items))


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots/ and return its path."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
