"""Local time in real Chromium: the browser's zone is stored at first sign-in and used.

The browser context runs in Asia/Tokyo, as a laptop set to Tokyo would; the
server knows nothing of it until the page reports it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from concord.accounts.models import Team, User
from concord.common.testing.browser import PageProblems, new_context, server_paused
from concord.workspace.tests.conftest import Opener

pytestmark = pytest.mark.django_db(transaction=True)

# 23:30 UTC on the 15th is 08:30 on the 16th in Tokyo.
OPENED = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)


def _zone_report(response: Response) -> bool:
    return response.url.endswith("/app/profile/time-zone/default/")


def test_the_browsers_zone_is_stored_at_first_sign_in_and_times_follow_it(
    browser: Browser,
    live_server: object,
    page_problems: PageProblems,
    agent: User,
    support: Team,
    open_conv: Opener,
) -> None:
    conversation = open_conv(team=support, at=OPENED)
    assert agent.time_zone == ""
    context = new_context(
        browser, live_server, timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900}
    )
    page: Page = context.new_page()
    page.on("console", page_problems.on_console)
    page.on("pageerror", page_problems.on_page_error)
    page.on("dialog", page_problems.on_dialog)
    try:
        page.goto("/app/login/")
        page.get_by_label("Username").fill("alex")
        page.get_by_label("Password").fill("pw-for-tests")
        # The first signed-in page reports the zone; wait for that answer, not a clock.
        with page.expect_response(_zone_report) as reported:
            page.get_by_role("button", name="Sign in").click()
        assert reported.value.status == 204
        assert reported.value.request.method == "POST"
        with server_paused():
            agent.refresh_from_db()
        assert agent.time_zone == "Asia/Tokyo"

        page.goto(f"/app/conversations/{conversation.pk}/")
        opened = page.locator("time", has_text="Jan 16, 08:30").first
        expect(opened).to_be_visible()
        expect(opened).to_have_attribute("title", "2026-01-16 08:30 JST (Asia/Tokyo)")
        # With a zone stored, pages no longer carry the reporting script.
        expect(page.locator("script[src*='accounts/time_zone']")).to_have_count(0)
        # The profile names the zone, reachable from the name in the top bar.
        page.locator(".usermenu-profile").click()
        expect(page.locator("#zone-now")).to_contain_text("Times are shown in Asia/Tokyo")
        expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")
    finally:
        context.close()
    assert not page_problems.items, page_problems.items
