"""Email end to end over real sockets: smtplib → listener → conversation → reply → sink."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from concord.accounts.models import Role, Team, User
from concord.channels.email.listener import start_listener, stop_listener
from concord.channels.email.models import (
    InboundEmail,
    InboundKind,
    Mailbox,
    OutboundEmail,
    OutboundStatus,
)
from concord.channels.email.services.mailboxes import mailbox_create
from concord.channels.email.tests.conftest import build_email
from concord.channels.email.worker import process_waiting
from concord.common.testing import factories
from concord.common.testing.mail import Sink, free_port
from concord.conversations.models import Conversation
from concord.conversations.services import conversation_reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener() -> Iterator[tuple[str, int]]:
    port = free_port()
    controller: Controller = start_listener(host="127.0.0.1", port=port)
    try:
        yield "127.0.0.1", port
    finally:
        stop_listener(controller)


@pytest.fixture
def live_mailbox() -> Mailbox:
    team = factories.TeamFactory.create(name="Support", slug="support")
    return mailbox_create(name="Acme Support", address="support@acme.test", team=team)


@pytest.fixture
def live_agent(live_mailbox: Mailbox) -> User:
    user = factories.UserFactory.create(username="alex", role=Role.AGENT)
    team = Team.objects.get(slug="support")
    team.members.add(user)
    return user


def _send(address: tuple[str, int], email: EmailMessage, rcpt: str | None = None) -> None:
    with smtplib.SMTP(*address, timeout=10) as client:
        client.send_message(email, to_addrs=[rcpt] if rcpt else None)


def _settle() -> int:
    """Let the worker process what the listener stored (what its loop does)."""
    handled = 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        count = process_waiting()
        handled += count
        if count == 0 and handled:
            break
        time.sleep(0.05)
    return handled


def test_mail_in_reply_out_reply_threads_and_out_of_office_is_not_answered(
    listener: tuple[str, int], live_mailbox: Mailbox, live_agent: User, sink: Sink
) -> None:
    # 1. The customer writes to the support address over SMTP.
    _send(listener, build_email(message_id="<q1@customer.test>"))
    assert _settle() == 1
    conversation = Conversation.objects.get()
    assert conversation.customer.identities.get().normalized == "dana@customer.test"
    assert len(sink.handler.received) == 1  # the automatic acknowledgement
    ack = sink.handler.received[0].message
    assert ack["Auto-Submitted"] == "auto-replied"

    # 2. The agent replies; the reply reaches the sink with the right headers.
    reply = conversation_reply(conversation=conversation, actor=live_agent, body_text="Found it!")
    sent = OutboundEmail.objects.get(message=reply)
    assert sent.status == OutboundStatus.SENT
    outgoing = sink.handler.received[-1].message
    assert outgoing["In-Reply-To"] == "<q1@customer.test>"
    assert outgoing["Message-ID"] == f"<{sent.rfc_message_id}>"
    reply_to = outgoing["Reply-To"].addresses[0].addr_spec

    # 3. The customer answers the reply, to its Reply-To; it threads into the same conversation.
    answer = build_email(
        to=reply_to,
        subject=f"Re: {outgoing['Subject']}",
        body="Great, thanks!\n\nOn Mon, Alex wrote:\n> Found it!\n",
        in_reply_to=outgoing["Message-ID"],
        references=f"<q1@customer.test> {outgoing['Message-ID']}",
    )
    _send(listener, answer, rcpt=reply_to)
    assert _settle() == 1
    assert Conversation.objects.count() == 1
    latest = conversation.messages.order_by("-id").first()
    assert latest is not None
    assert latest.body_text == "Great, thanks!"

    # 4. An out-of-office answer to our reply is recorded and not answered.
    sent_before = len(sink.handler.received)
    outbound_before = OutboundEmail.objects.count()
    ooo = build_email(
        subject="Automatic reply: Re: My order has not arrived",
        body="I am out of the office until Monday.",
        in_reply_to=outgoing["Message-ID"],
        headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
    )
    _send(listener, ooo)
    assert _settle() == 1
    inbound = InboundEmail.objects.order_by("-id").first()
    assert inbound is not None
    assert inbound.kind == InboundKind.AUTOMATIC
    assert inbound.conversation == conversation
    assert len(sink.handler.received) == sent_before
    assert OutboundEmail.objects.count() == outbound_before


def test_the_listener_refuses_unknown_recipients(
    listener: tuple[str, int], live_mailbox: Mailbox
) -> None:
    with (
        smtplib.SMTP(*listener, timeout=10) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.send_message(build_email(to="nobody@acme.test"))
    assert refused.value.recipients["nobody@acme.test"][0] == 550
    assert not InboundEmail.objects.exists()


def test_the_listener_accepts_plus_addresses_of_a_mailbox(
    listener: tuple[str, int], live_mailbox: Mailbox
) -> None:
    _send(listener, build_email(to="support+anything@acme.test"))
    assert InboundEmail.objects.get().mailbox == live_mailbox


def test_the_listener_refuses_mail_over_the_size_cap(live_mailbox: Mailbox, settings: Any) -> None:
    settings.CONCORD_EMAIL_MAX_MESSAGE_BYTES = 100_000
    port = free_port()
    controller = start_listener(host="127.0.0.1", port=port)
    try:
        with (
            smtplib.SMTP("127.0.0.1", port, timeout=30) as client,
            pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as refused,
        ):
            client.send_message(build_email(body="x" * 200_000))
    finally:
        stop_listener(controller)
    assert refused.value.smtp_code == 552
    assert not InboundEmail.objects.exists()
