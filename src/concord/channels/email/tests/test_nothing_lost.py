"""Nothing accepted is ever lost (issue 15, section 1).

A Message-ID is a hint, not an identity; an address the parser can read is
normalised or replaced by a named fallback instead of quarantining the email;
a line before the headers does not turn the email into one big body; a
display name seen later replaces the "Customer 529" placeholder.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.urls import reverse

from concord.accounts.models import User
from concord.channels.email.listener import start_listener, stop_listener
from concord.channels.email.models import InboundEmail, InboundStatus, Mailbox, SenderSource
from concord.channels.email.services import inbound as inbound_module
from concord.channels.email.services.inbound import inbound_store
from concord.channels.email.services.mailboxes import mailbox_create
from concord.channels.email.services.raw import content_hash
from concord.channels.email.tests.conftest import build_email, deliver
from concord.channels.email.tests.mime import parse
from concord.channels.email.worker import process_waiting
from concord.common.testing import factories
from concord.conversations.models import Conversation, Message
from concord.customers.models import Customer
from concord.customers.services import customer_update

# ---------------------------------------------------------------- over SMTP


@pytest.fixture
def smtp_listener() -> Iterator[tuple[str, int]]:
    from concord.common.testing.mail import free_port

    port = free_port()
    controller: Controller = start_listener(host="127.0.0.1", port=port)
    try:
        yield "127.0.0.1", port
    finally:
        stop_listener(controller)


@pytest.fixture
def smtp_mailbox() -> Mailbox:
    team = factories.TeamFactory.create(name="Support", slug="support")
    return mailbox_create(name="Acme Support", address="support@acme.test", team=team)


def _smtp(address: tuple[str, int], raw: bytes, *, mail_from: str = "bounce@relay.test") -> str:
    """Send one email and return the listener's answer to DATA, e.g. "250 2.0.0 Stored as 7"."""
    with smtplib.SMTP(*address, timeout=10) as client:
        client.ehlo()
        client.mail(mail_from)
        client.rcpt("support@acme.test")
        code, text = client.data(raw)
    return f"{code} {text.decode()}"


def _settle() -> None:
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline
        and InboundEmail.objects.filter(status=InboundStatus.RECEIVED).exists()
    ):
        process_waiting()
        time.sleep(0.02)


def _stored_id(answer: str) -> int:
    assert answer.startswith("250 "), answer
    return int(answer.rsplit(" ", 1)[-1])


@pytest.mark.django_db(transaction=True)
def test_two_different_emails_with_one_message_id_are_both_stored_over_smtp(
    smtp_listener: tuple[str, int], smtp_mailbox: Mailbox
) -> None:
    first = build_email(message_id="<reused@mailer.test>", body="My parcel 4411 is late.")
    second = build_email(
        sender="Eve Stone <eve@other.test>",
        message_id="<reused@mailer.test>",
        subject="Invoice question",
        body="Why was I charged twice?",
    )
    second.add_attachment(
        b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="invoice.pdf"
    )

    first_id = _stored_id(_smtp(smtp_listener, first.as_bytes()))
    second_id = _stored_id(_smtp(smtp_listener, second.as_bytes()))
    _settle()

    assert second_id != first_id
    assert Conversation.objects.count() == 2
    eve = Message.objects.get(conversation__customer__identities__normalized="eve@other.test")
    assert "charged twice" in eve.body_text
    assert eve.attachments.count() == 1
    dana = Message.objects.get(conversation__customer__identities__normalized="dana@customer.test")
    assert "parcel 4411" in dana.body_text


@pytest.mark.django_db(transaction=True)
def test_the_same_email_delivered_twice_through_other_relays_is_stored_once_over_smtp(
    smtp_listener: tuple[str, int], smtp_mailbox: Mailbox
) -> None:
    raw = build_email(message_id="<once@customer.test>").as_bytes()
    # The second copy came another way: other trace, envelope and verdict headers.
    relayed = (
        b"Received: from mx2.relay.test by concord; Mon, 23 Nov 2026 10:05:00 +0000\r\n"
        b"Return-Path: <dana@customer.test>\r\n"
        b"Delivered-To: support@acme.test\r\n"
        b"X-Original-To: help@acme.test\r\n"
        b"Authentication-Results: mx2.relay.test; dkim=pass\r\n"
        b"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=relay.test;\r\n\tb=abc\r\n"
        b"DKIM-Signature: v=1; d=relay.test;\r\n\tb=xyz\r\n" + raw
    )
    first_id = _stored_id(_smtp(smtp_listener, raw))
    again_id = _stored_id(_smtp(smtp_listener, relayed))
    _settle()

    assert again_id == first_id
    assert InboundEmail.objects.count() == 1
    assert Message.objects.count() == 1


# ---------------------------------------------------------------- through the services


@pytest.mark.django_db
def test_the_same_bytes_fetched_again_by_imap_are_stored_once(mailbox: Mailbox) -> None:
    raw = build_email(message_id="<imap@customer.test>").as_bytes()
    assert inbound_store(mailbox=mailbox, raw=raw, source="imap").created
    assert not inbound_store(mailbox=mailbox, raw=raw, source="imap").created
    # LF line endings (a client that saved it) are the same email.
    assert not inbound_store(
        mailbox=mailbox, raw=raw.replace(b"\r\n", b"\n"), source="imap"
    ).created
    assert InboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_an_email_stored_under_the_old_message_id_key_is_still_recognised(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = build_email(message_id="<legacy@customer.test>").as_bytes()
    stored = inbound_store(mailbox=mailbox, raw=raw, source="smtp").inbound
    InboundEmail.objects.filter(pk=stored.pk).update(dedup_key="mid:legacy@customer.test")
    # As a process starting on an older installation's rows would find them.
    monkeypatch.setattr(inbound_module, "_legacy_checked", {"at": -1e9, "exist": True})

    again = inbound_store(mailbox=mailbox, raw=raw, source="imap")
    other = build_email(message_id="<legacy@customer.test>", body="Something else entirely.")
    different = inbound_store(mailbox=mailbox, raw=other.as_bytes(), source="smtp")

    assert not again.created
    assert again.inbound.pk == stored.pk
    assert different.created


def test_the_content_hash_ignores_transport_headers_only() -> None:
    raw = build_email(message_id="<h@customer.test>").as_bytes()
    traced = b"Received: from a by b\r\nX-Spam-Status: No\r\n" + raw
    assert content_hash(traced) == content_hash(raw)
    assert content_hash(raw.replace(b"order 4411", b"order 4412")) != content_hash(raw)
    assert content_hash(raw.replace(b"Subject: My", b"Subject: Our")) != content_hash(raw)


@pytest.mark.django_db
def test_an_email_reusing_a_message_id_does_not_join_the_first_ones_thread(
    mailbox: Mailbox,
) -> None:
    first = deliver(mailbox, build_email(message_id="<same@customer.test>"))
    second = deliver(
        mailbox,
        build_email(message_id="<same@customer.test>", subject="Another matter", body="New."),
    )
    assert first.message is not None
    assert second.message is not None
    assert second.message.conversation != first.message.conversation


@pytest.mark.django_db
def test_a_reply_to_a_reused_message_id_goes_to_the_senders_own_conversation(
    mailbox: Mailbox,
) -> None:
    dana = deliver(mailbox, build_email(message_id="<shared@mailer.test>"))
    eve = deliver(
        mailbox,
        build_email(sender="Eve <eve@other.test>", message_id="<shared@mailer.test>", body="Hi"),
    )
    assert dana.message is not None
    assert eve.message is not None

    # Dana answers her own thread; Eve's newer email with the same id must not win.
    answer = deliver(
        mailbox, build_email(subject="Re: x", body="Any news?", in_reply_to="<shared@mailer.test>")
    )
    assert answer.message is not None
    assert answer.message.conversation == dana.message.conversation


# ---------------------------------------- addresses the customers service refuses


def _raw(from_line: bytes, *extra: bytes, body: bytes = b"Please help with order 4411.") -> bytes:
    head = [b"From: " + from_line, b"To: support@acme.test", b"Subject: Order 4411", *extra]
    head += [b"Message-ID: <" + str(time.monotonic_ns()).encode() + b"@customer.test>"]
    return b"\r\n".join(head) + b"\r\n\r\n" + body + b"\r\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("from_line", "address"),
    [
        (b"Ann <name@example.com.>", "name@example.com"),
        (b"name@Example.COM.", "name@example.com"),
        ("Jörg <user@bücher.example>".encode(), "user@xn--bcher-kva.example"),
        (b"=?utf-8?q?J=C3=B6rg?= <user@b\xc3\xbccher.example>", "user@xn--bcher-kva.example"),
        (b'"john doe"@example.com', '"john\\ doe"@example.com'),
        (b'John <"john"@example.com>', "john@example.com"),
    ],
    ids=["trailing-dot", "trailing-dot-bare", "idn", "idn-encoded-name", "quoted", "quoted-atom"],
)
def test_an_address_that_can_be_normalised_is_normalised_not_quarantined(
    mailbox: Mailbox, from_line: bytes, address: str
) -> None:
    inbound = deliver(mailbox, _raw(from_line))

    assert inbound.status == InboundStatus.PROCESSED, inbound.reason
    assert inbound.sender == address
    assert inbound.sender_source == SenderSource.FROM
    assert inbound.message is not None
    assert inbound.message.conversation.customer.identities.get().normalized == address


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "source", "label"),
    [
        (
            (b"Reply-To: Bob <bob@corp.example>", b"Sender: desk@corp.example"),
            "reply-to",
            "Reply-To",
        ),
        ((b"Reply-To: bob@intranet", b"Sender: desk@corp.example"), "sender", "Sender"),
    ],
)
def test_an_unusable_from_falls_back_and_says_so(
    mailbox: Mailbox, agent: User, client: Client, extra: tuple[bytes, ...], source: str, label: str
) -> None:
    inbound = deliver(mailbox, _raw(b"Bob <bob@intranet>", *extra))

    assert inbound.status == InboundStatus.PROCESSED, inbound.reason
    assert inbound.sender_source == source
    assert inbound.from_header == "Bob <bob@intranet>"
    assert "“bob@intranet” (From: Bob <bob@intranet>)" in inbound.reason
    assert f"taken from {label}: {inbound.sender}" in inbound.reason
    assert inbound.message is not None
    # Not in the message, which the customer sees in the portal too…
    assert "bob@intranet" not in inbound.message.body_text
    assert "taken from" not in inbound.message.body_html
    # …but on the agent's timeline, beside the message.
    client.force_login(agent)
    page = client.get(reverse("workspace:conversation", args=[inbound.message.conversation_id]))
    note = page.content.decode()
    assert "mail-note" in note
    assert f"taken from {label}: {inbound.sender}" in note


@pytest.mark.django_db
def test_a_from_header_that_cannot_be_parsed_is_recorded_with_the_fallback(
    mailbox: Mailbox,
) -> None:
    inbound = deliver(mailbox, _raw(b'"Dana <dana@', b"Reply-To: dana@customer.test"))

    assert inbound.status == InboundStatus.PROCESSED, inbound.reason
    assert inbound.sender == "dana@customer.test"
    assert inbound.sender_source == SenderSource.REPLY_TO
    assert inbound.from_header == '"Dana <dana@'
    assert inbound.message is not None
    assert "could not be read as an address" in inbound.reason
    assert "could not be read" not in inbound.message.body_text


@pytest.mark.django_db(transaction=True)
def test_an_unusable_from_falls_back_to_the_envelope_sender_over_smtp(
    smtp_listener: tuple[str, int], smtp_mailbox: Mailbox
) -> None:
    answer = _smtp(smtp_listener, _raw(b"Bob <bob@intranet>"), mail_from="bob@corp.example")
    stored = _stored_id(answer)
    _settle()

    inbound = InboundEmail.objects.get(pk=stored)
    assert inbound.status == InboundStatus.PROCESSED, inbound.reason
    assert inbound.sender == "bob@corp.example"
    assert inbound.sender_source == SenderSource.ENVELOPE
    assert inbound.from_header == "Bob <bob@intranet>"
    assert "MAIL FROM" in inbound.reason


@pytest.mark.django_db
def test_mail_with_no_usable_address_anywhere_is_quarantined_naming_the_from(
    mailbox: Mailbox,
) -> None:
    inbound = deliver(mailbox, _raw(b"Bob <bob@intranet>"))
    assert inbound.status == InboundStatus.QUARANTINED
    assert "no sender address" in inbound.reason
    assert "Bob <bob@intranet>" in inbound.reason


# ---------------------------------------------------------------- a line before the headers


@pytest.mark.django_db
@pytest.mark.parametrize(
    "first_line",
    [
        b">From dana@customer.test Mon Nov 23 10:00:00 2026",
        b"From dana@customer.test Mon Nov 23 10:00:00 2026",
        b"*** Scanned by MailGate 3.1 - no virus found ***",
    ],
    ids=["quoted-mbox-from", "mbox-from", "banner"],
)
def test_a_line_before_the_headers_does_not_make_the_email_one_body(
    mailbox: Mailbox, first_line: bytes
) -> None:
    raw = first_line + b"\r\n" + build_email(message_id="<pre@customer.test>").as_bytes()
    inbound = deliver(mailbox, raw)

    assert inbound.status == InboundStatus.PROCESSED, inbound.reason
    assert inbound.message is not None
    conversation = inbound.message.conversation
    assert conversation.subject == "My order has not arrived"
    assert inbound.sender == "dana@customer.test"
    assert "Subject:" not in inbound.message.body_text
    assert inbound.message.body_text.startswith("Hello, order 4411")
    # The same email without the extra line is the same email.
    assert not inbound_store(
        mailbox=mailbox, raw=build_email(message_id="<pre@customer.test>").as_bytes(), source="imap"
    ).created


def test_only_a_real_header_block_after_the_first_lines_is_taken_for_headers() -> None:
    # An empty line first, then headers: the headers are read.
    assert parse(b"\r\nSubject: Order 4411\r\nFrom: a@customer.test\r\n\r\nHi\r\n").subject == (
        "Order 4411"
    )
    # Mail without headers whose text has a colon stays text.
    parsed = parse(b"Hello team\r\nNote: call me back\r\n\r\nThanks\r\n")
    assert parsed.subject == ""
    assert parsed.text.startswith("Hello team\nNote: call me back")


# ---------------------------------------------------------------- display names


@pytest.mark.django_db
def test_a_display_name_seen_later_replaces_the_placeholder(mailbox: Mailbox) -> None:
    first = deliver(mailbox, build_email(sender="dana@customer.test"))
    assert first.message is not None
    customer = first.message.conversation.customer
    assert str(customer) == f"Customer {customer.pk}"

    # An address given as a name is no name either.
    deliver(mailbox, build_email(sender='"dana@customer.test" <dana@customer.test>', body="2"))
    customer.refresh_from_db()
    assert str(customer) == f"Customer {customer.pk}"

    deliver(mailbox, build_email(sender="Dana Miller <dana@customer.test>", body="More."))
    customer.refresh_from_db()
    assert customer.name == "Dana Miller"


@pytest.mark.django_db
def test_a_name_an_agent_or_the_customer_set_is_never_overwritten(mailbox: Mailbox) -> None:
    first = deliver(mailbox, build_email(sender="Dana Miller <dana@customer.test>"))
    assert first.message is not None
    customer = first.message.conversation.customer
    customer_update(customer=customer, name="Dana M. (key account)")

    deliver(mailbox, build_email(sender="DANA MILLER <dana@customer.test>", body="Again."))
    customer.refresh_from_db()
    assert customer.name == "Dana M. (key account)"

    # Nor a name the first email gave, by a later one.
    deliver(mailbox, build_email(sender="Eve Stone <eve@other.test>", body="Hi"))
    deliver(mailbox, build_email(sender="E. <eve@other.test>", body="Hi again"))
    assert Customer.objects.get(identities__normalized="eve@other.test").name == "Eve Stone"
