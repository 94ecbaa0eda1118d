"""The portal in a real browser: sign in by link, ask, get an answer, never see the note."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import FilePayload, Page, expect

from concord.accounts.models import Team, User
from concord.common.testing.browser import screenshot
from concord.conversations.models import Conversation
from concord.conversations.services import (
    conversation_assign,
    conversation_note,
    conversation_open,
    conversation_reply,
)
from concord.customers.services import customer_create
from concord.portal.tests.conftest import PNG, sign_in_link

HOSTILE = (
    '<p>Look <img src=x onerror="alert(1)"> <a href="javascript:alert(2)">here</a></p>'
    "<svg onload=alert(3)><script>alert(4)</script></svg>"
)


def _both_widths(page: Page, name: str) -> None:
    screenshot(page, f"portal-{name}-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, f"portal-{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.django_db(transaction=True)
def test_a_customer_asks_and_sees_the_answer_but_not_the_note(
    browser_page: Page,
    agent: User,
    billing: Team,
    admin_user: User,
    live_server: Any,
    settings: Any,
) -> None:
    page = browser_page
    # Emailed links are built from the configured address: here, the live server.
    settings.CONCORD_BASE_URL = live_server.url
    ann = customer_create(name="Ann Example", identities=[("email", "ann@example.net")])
    earlier = conversation_open(
        channel="email",
        customer=ann,
        subject='<script>alert("subject")</script> Invoice question',
        body_html=HOSTILE,
    )
    conversation_reply(conversation=earlier, actor=agent, body_text="Sorted, see the invoice.")

    page.goto("/help/")
    expect(page.get_by_role("heading", name="Sign in to follow your requests")).to_be_visible()
    _both_widths(page, "sign-in")

    page.get_by_label("Email address").first.fill("ann@example.net")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    link = sign_in_link(mail.outbox)

    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()

    page.get_by_role("link", name="New request").first.click()
    page.get_by_label("Subject").fill("My blender stopped working")
    page.get_by_label("Description").fill("See the file.")
    page.get_by_label("Attachments").set_input_files(
        [FilePayload(name="setup.exe", mimeType="application/octet-stream", buffer=b"MZ\x90")]
    )
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("“setup.exe” is not a type of file we accept.")).to_be_visible()
    _both_widths(page, "new-request-error")
    page.get_by_label("Subject").fill("My blender stopped working")
    page.get_by_label("Description").fill("It hums but the blade does not turn. Order 1001.")
    page.get_by_label("Attachments").set_input_files(
        [FilePayload(name="blender.png", mimeType="image/png", buffer=PNG)]
    )
    _both_widths(page, "new-request")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="My blender stopped working")).to_be_visible()
    expect(page.get_by_role("link", name="blender.png")).to_be_visible()

    conversation = Conversation.objects.get(subject="My blender stopped working")
    conversation_assign(conversation=conversation, actor=admin_user, team=billing)
    conversation_reply(
        conversation=conversation,
        actor=admin_user,
        body_text="Sorry about that! A replacement blade is on its way.",
    )
    conversation_note(
        conversation=conversation, actor=admin_user, body_text="Internal: warehouse stock low"
    )

    page.reload()
    expect(page.get_by_text("A replacement blade is on its way.")).to_be_visible()
    expect(page.get_by_text("warehouse stock low")).to_have_count(0)
    expect(page.locator(".facts")).to_contain_text("Billing")
    _both_widths(page, "thread")

    page.get_by_role("link", name="My requests").first.click()
    rows = page.locator(".request-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("My blender stopped working")
    expect(rows.first).to_contain_text("Billing")
    expect(rows.nth(1)).to_contain_text('<script>alert("subject")</script> Invoice question')
    _both_widths(page, "requests")

    page.get_by_role("link", name="Invoice question").click()
    expect(page.get_by_text("Sorted, see the invoice.")).to_be_visible()
