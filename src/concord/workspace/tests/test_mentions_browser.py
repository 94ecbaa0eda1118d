"""Mentions and assignment reach people, in real Chromium (issue 16's "fix that first").

An agent @mentions the supervisor in a note, picking the name from the
composer's list; the supervisor finds it waiting, and assigns the
conversation back, which the agent finds waiting in turn.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from concord.accounts.models import Team, User
from concord.common.testing.browser import screenshot
from concord.workspace.tests.conftest import Opener

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, username: str) -> None:
    page.goto("/app/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu-name")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Username")).to_be_visible()


def test_a_mention_and_an_assignment_arrive(
    browser_page: Page, agent: User, supervisor: User, support: Team, open_conv: Opener
) -> None:
    support.members.add(supervisor)
    conversation = open_conv(subject="Refund for a cracked jug", team=support)
    page = browser_page
    sign_in(page, "alex")
    page.goto(f"/app/conversations/{conversation.pk}/")
    page.get_by_text("Internal note", exact=True).click()
    body = page.get_by_label("Message")
    body.click()
    body.press_sequentially("Can you approve a refund, @sa")
    options = page.get_by_role("listbox", name="People and teams to mention")
    expect(options.get_by_role("option", name="sam (@sam)")).to_be_visible()
    screenshot(page, "mention-list")
    body.press("Enter")
    expect(body).to_have_value("Can you approve a refund, @sam ")
    expect(options).to_be_hidden()
    body.press_sequentially("please?")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".msg-internal").last).to_contain_text("@sam please?")
    sign_out(page)

    sign_in(page, "sam")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    nav.get_by_role("link", name="Notifications").click()
    row = page.locator("tr[data-notification]").first
    expect(row).to_contain_text(f"alex mentioned you: #{conversation.pk} Refund for a cracked jug")
    expect(row).to_contain_text("Can you approve a refund, @sam please?")
    screenshot(page, "mention-notification")
    row.get_by_role("link", name=f"#{conversation.pk} Refund for a cracked jug").click()
    page.get_by_label("Team / assignee").select_option(label="Support / alex")
    page.locator("form.prop-form").first.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_be_visible()
    sign_out(page)

    sign_in(page, "alex")
    expect(nav.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    nav.get_by_role("link", name="Notifications").click()
    expect(page.locator("tr[data-notification]").first).to_contain_text(
        f"Assigned to you: #{conversation.pk} Refund for a cracked jug"
    )
    expect(page.locator("tr[data-notification]").first).to_contain_text("Assigned by sam.")
