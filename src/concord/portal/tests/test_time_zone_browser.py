"""A customer's browser reports its zone at first sign-in, and the portal follows it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Response, expect

from concord.accounts.models import User
from concord.common.testing.browser import PageProblems, new_context, server_paused
from concord.conversations.services import conversation_open
from concord.customers.models import Customer
from concord.portal.services import portal_password_set

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long portal passphrase 42"


def _zone_report(response: Response) -> bool:
    return response.url.endswith("/help/account/time-zone/default/")


def test_a_customers_zone_comes_from_the_browser_and_shows_on_the_thread(
    browser: Browser,
    live_server: object,
    page_problems: PageProblems,
    ann: Customer,
    ann_user: User,
) -> None:
    portal_password_set(user=ann_user, password=PASSWORD)
    # 23:30 UTC on the 15th is 20:30 the same day in São Paulo (UTC-3).
    conversation = conversation_open(
        channel="web", customer=ann, body_text="Help", at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
    )
    context = new_context(browser, live_server, timezone_id="America/Sao_Paulo")
    page = context.new_page()
    page.on("console", page_problems.on_console)
    page.on("pageerror", page_problems.on_page_error)
    page.on("dialog", page_problems.on_dialog)
    try:
        page.goto("/help/sign-in/")
        password_form = page.locator("section[aria-labelledby=password-heading]")
        password_form.locator("input[name=email]").fill("ann@example.net")
        password_form.locator("input[name=password]").fill(PASSWORD)
        with page.expect_response(_zone_report) as reported:
            password_form.get_by_role("button", name="Sign in").click()
        assert reported.value.status == 204
        with server_paused():
            ann_user.refresh_from_db()
        assert ann_user.time_zone == "America/Sao_Paulo"

        page.goto(f"/help/requests/{conversation.pk}/")
        sent = page.locator(".message__time").first
        expect(sent).to_have_text("Jan. 15, 2026, 20:30")
        expect(sent).to_have_attribute("title", "2026-01-15 20:30 America/Sao_Paulo (UTC-03)")
        page.locator(".site-nav__user").click()
        expect(page.get_by_label("Time zone")).to_have_value("America/Sao_Paulo")
    finally:
        context.close()
    assert not page_problems.items, page_problems.items
