"""Fixtures for the email channel: a mailbox, a real SMTP sink, and email builders."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from concord.accounts.models import Team
from concord.channels.email.models import InboundEmail, Mailbox
from concord.channels.email.services.inbound import inbound_process, inbound_store
from concord.channels.email.services.mailboxes import mailbox_create
from concord.common.testing.browser import browser, browser_page, page_problems  # noqa: F401


@pytest.fixture
def mailbox(support: Team) -> Mailbox:
    return mailbox_create(name="Acme Support", address="support@acme.test", team=support)


def build_email(
    *,
    sender: str = "Dana Miller <dana@customer.test>",
    to: str = "support@acme.test",
    subject: str = "My order has not arrived",
    body: str = "Hello, order 4411 has not arrived yet. Can you check?",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    email["Message-ID"] = message_id or make_msgid(domain="customer.test")
    if in_reply_to:
        email["In-Reply-To"] = in_reply_to
    if references:
        email["References"] = references
    for name, value in (headers or {}).items():
        email[name] = value
    email.set_content(body)
    return email


def deliver(mailbox: Mailbox, email: EmailMessage | bytes) -> InboundEmail:
    """Store and process one email the way the listener and the worker do."""
    raw = email if isinstance(email, bytes) else email.as_bytes()
    stored = inbound_store(mailbox=mailbox, raw=raw, source="smtp")
    return inbound_process(inbound_id=stored.inbound.pk)
