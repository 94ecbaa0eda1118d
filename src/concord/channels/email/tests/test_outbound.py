"""Outbound email to a real SMTP sink: headers, retries, permanent failures, bounces."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from concord.accounts.models import User
from concord.channels.email.addresses import conversation_from_address, conversation_from_subject
from concord.channels.email.models import (
    InboundKind,
    Mailbox,
    OutboundEmail,
    OutboundKind,
    OutboundStatus,
)
from concord.channels.email.services.outbound import claim_host, outbound_due_ids, outbound_send
from concord.channels.email.tests.conftest import build_email, deliver
from concord.common.errors import ValidationFailed
from concord.common.testing import factories
from concord.common.testing.mail import Sink
from concord.conversations.models import Conversation, EventKind, Message
from concord.conversations.services import attachment_store, conversation_reply
from concord.customers.models import CustomerIdentity

pytestmark = pytest.mark.django_db


def _conversation(mailbox: Mailbox) -> Conversation:
    inbound = deliver(mailbox, build_email(message_id="<start@customer.test>"))
    assert inbound.conversation is not None
    OutboundEmail.objects.filter(kind=OutboundKind.ACKNOWLEDGEMENT).delete()
    return inbound.conversation


def test_an_agent_reply_reaches_the_customer_with_threading_headers(
    mailbox: Mailbox, agent: User, sink: Sink, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _conversation(mailbox)
    agent.first_name, agent.last_name = "Alex", "Agent"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        reply = conversation_reply(
            conversation=conversation,
            actor=agent,
            body_html="<p>Your parcel left our warehouse <b>today</b>.</p>",
        )
    row = OutboundEmail.objects.get(message=reply)
    assert row.status == OutboundStatus.SENT
    assert row.attempts == 1

    [received] = sink.handler.received
    email = received.message
    assert received.rcpt_tos == ["dana@customer.test"]
    assert email["Message-ID"] == f"<{row.rfc_message_id}>"
    assert email["In-Reply-To"] == "<start@customer.test>"
    assert "<start@customer.test>" in email["References"]
    assert (
        conversation_from_address(str(email["Reply-To"].addresses[0].addr_spec)) == conversation.pk
    )
    assert conversation_from_subject(str(email["Subject"])) == conversation.pk
    assert email["From"].addresses[0].display_name == "Alex Agent (Acme Support)"
    assert email["From"].addresses[0].addr_spec == "support@acme.test"
    assert "Auto-Submitted" not in email
    text = email.get_body(preferencelist=("plain",))
    html = email.get_body(preferencelist=("html",))
    assert text is not None
    assert "Your parcel left our warehouse today." in text.get_content()
    assert html is not None
    assert "<b>today</b>" in html.get_content()


def test_an_acknowledgement_says_it_is_automatic(
    mailbox: Mailbox, sink: Sink, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        deliver(mailbox, build_email())
    [received] = sink.handler.received
    assert received.message["Auto-Submitted"] == "auto-replied"
    assert OutboundEmail.objects.get().status == OutboundStatus.SENT


def test_attachments_go_out_with_the_reply(
    mailbox: Mailbox, agent: User, sink: Sink, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _conversation(mailbox)
    with django_capture_on_commit_callbacks(execute=True):
        reply = conversation_reply(
            conversation=conversation, actor=agent, body_text="Label attached."
        )
        attachment_store(
            message=reply,
            uploaded_file=ContentFile(b"%PDF-1.4 label", name="label.pdf"),
            content_type="application/pdf",
        )
    [received] = sink.handler.received
    [part] = list(received.message.iter_attachments())
    assert part.get_filename() == "label.pdf"
    assert part.get_content() == b"%PDF-1.4 label"


def test_a_temporary_refusal_is_retried_and_delivered_exactly_once(
    mailbox: Mailbox, agent: User, sink: Sink, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _conversation(mailbox)
    sink.handler.refuse_next = 2
    with django_capture_on_commit_callbacks(execute=True):
        reply = conversation_reply(conversation=conversation, actor=agent, body_text="On its way.")
    row = OutboundEmail.objects.get(message=reply)
    assert row.status == OutboundStatus.RETRYING
    assert row.attempts == 1
    assert row.next_attempt_at is not None
    assert "451" in row.last_error

    # The retry sweep finds it once it is due, and not before.
    assert row.pk not in outbound_due_ids(now=row.next_attempt_at.replace(year=2000))
    assert row.pk in outbound_due_ids(now=row.next_attempt_at)
    assert outbound_send(outbound_id=row.pk).status == OutboundStatus.RETRYING
    done = outbound_send(outbound_id=row.pk)
    assert done.status == OutboundStatus.SENT
    assert done.attempts == 3
    assert outbound_send(outbound_id=row.pk).attempts == 3  # sent rows are left alone
    assert sink.handler.attempts == 3
    assert len(sink.handler.received) == 1


def test_a_permanent_refusal_fails_at_once(
    mailbox: Mailbox, agent: User, sink: Sink, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _conversation(mailbox)
    sink.handler.refuse_next = 1
    sink.handler.refuse_with = "554 5.7.1 Rejected"
    with django_capture_on_commit_callbacks(execute=True):
        reply = conversation_reply(conversation=conversation, actor=agent, body_text="Hi")
    row = OutboundEmail.objects.get(message=reply)
    assert row.status == OutboundStatus.FAILED
    assert "554" in row.last_error
    assert row.pk not in outbound_due_ids()


def test_an_unreachable_relay_is_retried(
    mailbox: Mailbox, agent: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from concord.common.testing.mail import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
        "127.0.0.1",
        free_port(),
        False,
    )
    conversation = _conversation(mailbox)
    with django_capture_on_commit_callbacks(execute=True):
        reply = conversation_reply(conversation=conversation, actor=agent, body_text="Hi")
    assert OutboundEmail.objects.get(message=reply).status == OutboundStatus.RETRYING


def test_a_display_name_with_a_line_break_refuses_the_reply(mailbox: Mailbox, agent: User) -> None:
    conversation = _conversation(mailbox)
    agent.first_name = "Alex\r\nBcc: victim@elsewhere.test"
    agent.save()
    with pytest.raises(ValidationFailed, match="line break"):
        conversation_reply(conversation=conversation, actor=agent, body_text="Hi")
    assert not Message.objects.filter(author_user=agent).exists()
    assert not OutboundEmail.objects.exists()


def test_replies_on_other_channels_send_no_email(mailbox: Mailbox, agent: User) -> None:
    conversation = factories.ConversationFactory.create(channel="chat", team=agent.teams.first())
    conversation_reply(conversation=conversation, actor=agent, body_text="Hi")
    assert not OutboundEmail.objects.exists()


def _bounce_for(original_id: str, recipient: str, status: str) -> bytes:
    action = "failed" if status.startswith("5") else "delayed"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\r\n"
        "To: support@acme.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-" + status + "@mx.customer.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customer.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{original_id}>\r\nSubject: Re: My order\r\n"
        "--B--\r\n"
    ).encode()


def test_a_permanent_bounce_marks_the_address_and_tells_the_conversation(
    mailbox: Mailbox, agent: User, sink: Sink, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _conversation(mailbox)
    with django_capture_on_commit_callbacks(execute=True):
        reply = conversation_reply(conversation=conversation, actor=agent, body_text="Hi")
    row = OutboundEmail.objects.get(message=reply)

    report = deliver(mailbox, _bounce_for(row.rfc_message_id, "dana@customer.test", "5.1.1"))
    assert report.kind == InboundKind.BOUNCE
    assert report.conversation == conversation
    event = conversation.events.get(kind=EventKind.DELIVERY_FAILED)
    assert "5.1.1" in event.new_value
    assert event.message == reply
    row.refresh_from_db()
    assert row.status == OutboundStatus.BOUNCED
    identity = CustomerIdentity.objects.get(normalized="dana@customer.test")
    assert identity.undeliverable_at is not None
    assert conversation.messages.count() == 2  # the report is not a customer message

    # The next reply is not sent to the dead address; the agent is told why.
    with django_capture_on_commit_callbacks(execute=True):
        later = conversation_reply(conversation=conversation, actor=agent, body_text="Again")
    failed = OutboundEmail.objects.get(message=later)
    assert failed.status == OutboundStatus.FAILED
    assert "bounced" in failed.last_error
    assert len(sink.handler.received) == 1


def test_a_delay_notice_is_recorded_but_marks_nothing(mailbox: Mailbox, agent: User) -> None:
    conversation = _conversation(mailbox)
    reply = conversation_reply(conversation=conversation, actor=agent, body_text="Hi")
    row = OutboundEmail.objects.get(message=reply)
    deliver(mailbox, _bounce_for(row.rfc_message_id, "dana@customer.test", "4.4.1"))
    assert conversation.events.filter(kind=EventKind.DELIVERY_FAILED).count() == 1
    assert CustomerIdentity.objects.get(normalized="dana@customer.test").undeliverable_at is None
    row.refresh_from_db()
    assert row.status != OutboundStatus.BOUNCED


def test_the_api_shows_staff_how_each_reply_was_delivered(
    mailbox: Mailbox,
    agent: User,
    sink: Sink,
    api_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = _conversation(mailbox)
    sink.handler.refuse_next = 1
    with django_capture_on_commit_callbacks(execute=True):
        reply = conversation_reply(conversation=conversation, actor=agent, body_text="Soon.")
    body = api_client(agent).get(f"/api/v1/conversations/{conversation.pk}").json()
    by_id = {m["id"]: m for m in body["messages"]}
    assert by_id[reply.pk]["delivery"]["status"] == "retrying"
    assert "451" in by_id[reply.pk]["delivery"]["last_error"]
    first = next(m for m in body["messages"] if m["direction"] == "inbound")
    assert first["delivery"] is None
    assert first["automatic"] is False


def test_an_email_a_killed_sender_had_claimed_is_sent_again_at_once(
    mailbox: Mailbox, agent: User, sink: Sink
) -> None:
    """A sender killed mid-send leaves its claim; a process on this host that is gone
    cannot be sending it, so the next attempt takes it up without the ten-minute wait."""
    import os
    import subprocess

    conversation = _conversation(mailbox)
    reply = conversation_reply(conversation=conversation, actor=agent, body_text="On its way.")
    gone = subprocess.Popen(["true"])  # noqa: S607 - a process id that no longer exists
    gone.wait()
    host = claim_host()
    row = OutboundEmail.objects.get(message=reply)
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=OutboundStatus.SENDING, claimed_at=timezone.now(), claimed_by=f"{host}:{gone.pid}"
    )
    assert row.pk in outbound_due_ids()
    assert outbound_send(outbound_id=row.pk).status == OutboundStatus.SENT
    assert len(sink.handler.received) == 1
    # A claim by a live process (this one) is left alone until it goes stale.
    again = conversation_reply(conversation=conversation, actor=agent, body_text="Delivered.")
    live = OutboundEmail.objects.get(message=again)
    OutboundEmail.objects.filter(pk=live.pk).update(
        status=OutboundStatus.SENDING, claimed_at=timezone.now(), claimed_by=f"{host}:{os.getpid()}"
    )
    assert live.pk not in outbound_due_ids()
    assert outbound_send(outbound_id=live.pk).status == OutboundStatus.SENDING
    assert len(sink.handler.received) == 1


def test_a_help_centre_request_without_an_email_address_still_takes_replies(
    mailbox: Mailbox, agent: User
) -> None:
    """Web requests are answered by email too, but one from a customer we can only call
    is answered in the help centre alone; the agent's reply is never refused for it."""
    from concord.conversations.services import conversation_open

    conversation = conversation_open(
        channel="web", identity_kind="phone", identity_value="+15550100",
        subject="Call me back", body_text="Please call.",
    )  # fmt: skip
    reply = conversation_reply(conversation=conversation, actor=agent, body_text="Calling now.")
    assert reply.pk is not None
    assert not OutboundEmail.objects.filter(conversation=conversation).exists()
