"""Notifications in a real browser: the badge, the page, marking read."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from concord.accounts.models import User
from concord.common.testing.browser import screenshot
from concord.notifications.services import notification_send
from concord.workspace.tests.conftest import Opener

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_reads_their_notifications(
    browser_page: Page, agent: User, other_agent: User, open_conv: Opener
) -> None:
    conversation = open_conv(subject="Blender arrived with a cracked jug")
    notification_send(
        recipients=[agent],
        title=f"Assigned to you: #{conversation.pk} Blender",
        body="Sam assigned this conversation to you.",
        conversation=conversation,
        email=False,
    )
    notification_send(recipients=[agent], title="SLA warning", body="", email=False)
    notification_send(recipients=[other_agent], title="Not for Alex", body="", email=False)

    page = browser_page
    page.goto("/app/login/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Notifications 2 unread")).to_be_visible()

    nav.get_by_role("link", name="Notifications").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    rows = page.locator("tr[data-notification]")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("Not for Alex")).to_have_count(0)
    screenshot(page, "workspace-notifications-1280")

    rows.filter(has_text="SLA warning").get_by_role("button", name="Mark read").click()
    expect(nav.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    expect(page.locator("tr.notification-read")).to_have_count(1)

    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("button", name="Mark read")).to_have_count(0)
    # The badge loads after the page: let that request finish before looking for none.
    page.wait_for_load_state("networkidle")
    expect(page.locator("#nav-unread .count")).to_have_count(0)

    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_role("link", name=f"#{conversation.pk} Blender arrived with a cracked jug").click()
    expect(page).to_have_url(f"{page.url.split('/app/')[0]}/app/conversations/{conversation.pk}/")
    page.go_back()
    screenshot(page, "workspace-notifications-375")
