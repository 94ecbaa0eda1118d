"""Problems in real Chromium: from an inbox selection to a problem page, at desk and phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from concord.accounts.models import Team, User
from concord.common.testing.browser import expect_no_sideways_scroll, screenshot
from concord.customers.services import customer_create
from concord.workspace.tests.conftest import Opener

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, username: str) -> None:
    page.goto("/app/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu-name")).to_be_visible()


def test_an_agent_turns_an_inbox_selection_into_a_problem(
    browser_page: Page, agent: User, support: Team, billing: Team, open_conv: Opener
) -> None:
    reports = [
        open_conv(
            customer=customer_create(
                name=f"Reporter {n}", identities=[("email", f"r{n}@x.example")]
            ),
            subject=f"Checkout fails with error 500 ({n})",
            team=support,
        )
        for n in range(3)
    ]
    unrelated = open_conv(subject="Where is my parcel?", team=support)
    page = browser_page
    sign_in(page, "alex")
    for conversation in reports:
        page.locator(f'input[name="ids"][value="{conversation.pk}"]').check()
    page.get_by_role("button", name="Problem…").click()
    expect(page.get_by_role("heading", name="Problem for 3 conversations")).to_be_visible()
    page.get_by_label("Title").fill("Checkout returns error 500")
    page.get_by_label("Owning department").select_option(label="Billing")
    page.get_by_label("Note for customers").fill("Payments fail at checkout; we are on it.")
    page.get_by_role("button", name="Create and link 3").click()
    expect(page.get_by_role("heading", name="Checkout returns error 500")).to_be_visible()
    expect(page.locator("#linked .count")).to_have_text("3")
    expect(page.get_by_text("Billing, supervisors and admins tell the customers.")).to_be_visible()
    screenshot(page, "problem-page-agent")

    # The unrelated conversation's page offers the problem to link, and shows it once linked.
    page.goto(f"/app/conversations/{unrelated.pk}/")
    page.get_by_text("Link to a problem").click()
    page.get_by_label("Open problems and feature requests").select_option(
        label="Checkout returns error 500"
    )
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.locator(".problem-links")).to_contain_text("Checkout returns error 500")
    screenshot(page, "conversation-problem-panel")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/app/problems/")
    expect(page.get_by_role("link", name="Checkout returns error 500")).to_be_visible()
    expect_no_sideways_scroll(page, 390)
    page.get_by_role("link", name="Checkout returns error 500").click()
    expect(page.locator("#linked .count")).to_have_text("4")
    expect_no_sideways_scroll(page, 390)
    screenshot(page, "problem-page-phone")
