"""An email conversation in the agent workspace, in real Chromium.

A hostile HTML email with an inline image, quoted history and an attachment;
an agent reply that went out; one that is being retried; an out-of-office.
The page must fold the quote, show each reply's delivery state, say where a
sender's address came from when From was unusable, mark the
automatic message, show the inline image from its attachment, and run none of
the sender's script (``browser_page`` fails on any dialog or console error).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from concord.accounts.models import Role, Team, User
from concord.channels.email.models import Mailbox, OutboundEmail
from concord.channels.email.services.mailboxes import mailbox_create
from concord.channels.email.tests.conftest import build_email, deliver
from concord.common.testing import factories
from concord.common.testing.browser import screenshot, settle
from concord.common.testing.mail import Sink
from concord.conversations.services import conversation_reply

pytestmark = pytest.mark.django_db(transaction=True)

# A real 1 by 1 pixel PNG, so the browser has an image to decode.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
HOSTILE = (
    '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>'
    "<svg onload=alert(1)></svg><iframe src=https://example.com></iframe>"
)


@pytest.fixture
def agent_in_team() -> User:
    team = factories.TeamFactory.create(name="Support", slug="support")
    user = factories.UserFactory.create(username="alex", role=Role.AGENT)
    user.set_password("pw-for-tests")
    user.save()
    team.members.add(user)
    return user


@pytest.fixture
def live_mailbox(agent_in_team: User) -> Mailbox:
    return mailbox_create(
        name="Acme Support", address="support@acme.test", team=Team.objects.get(slug="support")
    )


def _hostile_email() -> Any:
    email = build_email(
        subject="Photo of the damage",
        body="The jug is cracked, photo below.",
        message_id="<photo@customer.test>",
    )
    email.add_alternative(
        '<p>The jug is cracked, photo below.</p><img alt="damage" src="cid:pic@customer.test">'
        + HOSTILE,
        subtype="html",
    )
    html = email.get_body(preferencelist=("html",))
    assert html is not None
    html.add_related(PIXEL, "image", "png", cid="<pic@customer.test>", filename="damage.png")
    email.add_attachment(
        b"%PDF-1.4 receipt", maintype="application", subtype="pdf", filename="receipt.pdf"
    )
    return email


def test_an_email_conversation_shows_quotes_delivery_and_inline_images(
    browser_page: Page, live_mailbox: Mailbox, agent_in_team: User, sink: Sink
) -> None:
    first = deliver(live_mailbox, _hostile_email())
    conversation = first.conversation
    assert conversation is not None
    conversation_reply(
        conversation=conversation, actor=agent_in_team, body_text="Sorry! A new jug is on its way."
    )
    sink.handler.refuse_next = 1
    conversation_reply(
        conversation=conversation, actor=agent_in_team, body_text="Tracking number follows."
    )
    statuses = sorted(OutboundEmail.objects.exclude(kind="ack").values_list("status", flat=True))
    assert statuses == ["retrying", "sent"]
    deliver(
        live_mailbox,
        build_email(
            # From a phone whose From is unusable; Reply-To names the customer.
            sender="Dana <dana@intranet>",
            subject="Re: Photo of the damage",
            body="Thanks, when will it arrive?\n\nOn Mon, Alex wrote:\n> Tracking number follows.",
            in_reply_to="<photo@customer.test>",
            headers={"Reply-To": "dana@customer.test"},
        ),
    )
    deliver(
        live_mailbox,
        build_email(
            subject="Automatic reply: away",
            body="I am away until Monday.",
            in_reply_to="<photo@customer.test>",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )

    page = browser_page
    page.goto("/app/login/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    # Signed in before going on: a goto now would cancel the sign-in still in flight.
    expect(page.locator(".usermenu-name")).to_be_visible()
    page.goto(f"/app/conversations/{conversation.pk}/")

    first_message = page.locator(".msg").first
    expect(first_message.locator(".msg-body")).to_contain_text("The jug is cracked")
    answer = page.locator(".msg", has_text="when will it arrive")
    expect(answer.locator(".msg-body")).not_to_contain_text("Tracking number follows")
    quoted = answer.locator(".msg-quoted")
    expect(quoted.locator("pre")).to_be_hidden()
    quoted.locator("summary").click()
    expect(quoted.locator("pre")).to_contain_text("Tracking number follows.")
    # Whose address this really is: told to the agent beside the message, not in it.
    expect(answer.locator(".mail-note")).to_contain_text(
        "the sender was taken from Reply-To: dana@customer.test"
    )
    expect(answer.locator(".msg-body")).not_to_contain_text("Reply-To")

    image = first_message.locator('.msg-body img[alt="damage"]')
    expect(image).to_have_attribute(
        "src", f"/app/attachments/{_attachment_id(first, 'damage.png')}/"
    )
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 1", arg=image.element_handle()
    )
    expect(first_message.locator(".msg-files")).to_contain_text("receipt.pdf")

    expect(page.locator(".delivery-sent")).to_contain_text("Email sent")
    expect(page.locator(".delivery-retrying")).to_contain_text("retrying")
    expect(page.locator(".msg .auto-label")).to_have_count(1)

    expect(
        page.locator(".msg-body script, .msg-body svg, .msg-body iframe, .msg-body [onerror]")
    ).to_have_count(0)
    expect(page.locator('.msg-body a[href^="javascript"]')).to_have_count(0)
    settle(page)  # any injected handler has had its chance to fire (browser_page fails if so)
    screenshot(page, "email-conversation")


def _attachment_id(inbound: Any, name: str) -> int:
    return int(inbound.message.attachments.get(original_name=name).pk)
