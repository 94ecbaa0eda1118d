"""Pytest fixtures for tests in a real browser: Debian's Chromium driven by Playwright.

Use them from a tests package's conftest: ``from concord.common.testing.browser import *``.
A page fails its test on any console error, uncaught page error or dialog, so
hostile content that manages to run script is caught wherever it appears.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    expect,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

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

# One generous deadline for every wait: Playwright's actions, navigations and
# ``expect(...)`` assertions all wait for the page until it holds, so a busy
# machine (CI beside other jobs, load 5 on 2 cores) makes a test slower, never
# red. A failing assertion still fails, after this long.
TIMEOUT_MS = 30_000
# Pages that update themselves on a timer (the inbox every 10 s, presence every
# 5 s): room for a few missed rounds on top of the usual deadline.
POLL_TIMEOUT_MS = 60_000
# Starting Chromium on a loaded machine can take longer than Playwright's 30 s.
LAUNCH_TIMEOUT_MS = 120_000
expect.set_options(timeout=TIMEOUT_MS)


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
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=LAUNCH_TIMEOUT_MS
    )
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


# With in-memory SQLite the live server's threads and the test's thread share
# one database connection (pytest-django passes it over; Django warns that
# simultaneous queries through it "may sometimes randomly cause the tests to
# fail"). Django keeps the transaction state on that shared object, so a request
# running while another request, or the test, is inside ``atomic()`` can fail.
# Requests are handled one at a time, and a test that writes while a page polls
# wraps the write in ``server_paused()``. On PostgreSQL every thread has its own
# connection and nothing is serialised.
_SERVER_LOCK = threading.Lock()
_WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _one_request_at_a_time(live_server: object) -> None:
    thread = getattr(live_server, "thread", None)
    httpd = getattr(thread, "httpd", None)
    if httpd is None or not getattr(thread, "connections_override", None):
        return
    app: _WSGIApp = httpd.get_app()
    if getattr(app, "concord_serialised", False):
        return

    def serialised(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with _SERVER_LOCK:
            result = app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

    serialised.concord_serialised = True  # type: ignore[attr-defined]
    httpd.set_app(serialised)


@contextmanager
def server_paused() -> Iterator[None]:
    """Hold off the live server's requests (on SQLite) while the test writes to the database."""
    with _SERVER_LOCK:
        yield


def new_context(browser: Browser, live_server: object = None, **options: Any) -> BrowserContext:
    """A browser context with the generous timeouts, on the live server if one is given."""
    if live_server is not None:
        _one_request_at_a_time(live_server)
        options.setdefault("base_url", str(getattr(live_server, "url", live_server)))
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


def settle(page: Page) -> None:
    """Wait until script the page might run has had its chance, without a fixed sleep.

    After the ``load`` event every image has loaded or failed (so an ``onerror``
    has fired) and inline ``onload`` handlers have run; the round trip through
    the page that follows delivers any console message or dialog raised before
    it to ``PageProblems``.
    """
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise(done => setTimeout(done, 0))")


def expect_no_sideways_scroll(page: Page, width: int) -> None:
    """Wait until the page is laid out at most ``width`` pixels wide; fail with the width seen."""
    page.wait_for_load_state("load")
    try:
        page.wait_for_function("width => document.documentElement.scrollWidth <= width", arg=width)
    except PlaywrightTimeoutError:
        seen = page.evaluate("document.documentElement.scrollWidth")
        pytest.fail(f"{page.url} scrolls sideways at {width} px: {seen} px wide")


@pytest.fixture
def browser_page(
    browser: Browser, live_server: object, page_problems: PageProblems
) -> Iterator[Page]:
    """A fresh browser context on the live test server; fails on console errors or dialogs."""
    context = new_context(browser, live_server, viewport={"width": 1280, "height": 900})
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
