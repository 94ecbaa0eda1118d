"""Consults to outside addresses over real sockets: asked by email, answered by email.

The question goes to the SMTP sink with a signed consult Reply-To; the
supplier's answer, sent to that address through the SMTP listener, lands
in the consult (not in the customer's conversation) and stops its clock.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from concord.accounts.models import Role, Team, User
from concord.channels.email.addresses import (
    consult_address,
    consult_from_address,
    conversation_from_address,
    reply_address,
)
from concord.channels.email.listener import start_listener, stop_listener
from concord.channels.email.models import (
    InboundEmail,
    InboundKind,
    InboundStatus,
    Mailbox,
    OutboundEmail,
    OutboundKind,
    OutboundStatus,
)
from concord.channels.email.services.mailboxes import mailbox_create
from concord.channels.email.tests.conftest import build_email, deliver
from concord.channels.email.tests.test_outbound import _bounce_for
from concord.channels.email.worker import process_waiting
from concord.collaboration.models import Consult, ConsultStatus
from concord.collaboration.selectors import consult_visible_to
from concord.collaboration.services import consult_close, consult_open, consult_reply
from concord.common.testing import factories
from concord.common.testing.mail import Sink, free_port
from concord.conversations.models import Conversation, EventKind
from concord.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)

SUPPLIER = "orders@supplier.test"


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
    user = factories.UserFactory.create(
        username="alex", role=Role.AGENT, first_name="Alex", last_name="Hart"
    )
    Team.objects.get(slug="support").members.add(user)
    return user


def _send(address: tuple[str, int], email: EmailMessage, rcpt: str) -> None:
    with smtplib.SMTP(*address, timeout=10) as client:
        client.send_message(email, to_addrs=[rcpt])


def _settle() -> int:
    handled = 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        count = process_waiting()
        handled += count
        if count == 0 and handled:
            break
        time.sleep(0.05)
    return handled


def _plain(email: EmailMessage) -> str:
    part = email.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _customer_conversation(listener: tuple[str, int], live_agent: User, sink: Sink) -> Conversation:
    _send(listener, build_email(message_id="<q1@customer.test>"), rcpt="support@acme.test")
    assert _settle() == 1
    conversation = Conversation.objects.get()
    conversation.assignee = live_agent
    conversation.save(update_fields=["assignee"])
    return conversation


def _ask(conversation: Conversation, agent: User) -> Consult:
    return consult_open(
        conversation=conversation,
        actor=agent,
        email="  Orders@Supplier.test ",
        question="Has order 4411 left your warehouse? Tracking number please.",
        due_at=timezone.now() + timedelta(hours=4),
    )


def test_an_outside_consult_is_emailed_and_its_answer_threads_back(
    listener: tuple[str, int], live_mailbox: Mailbox, live_agent: User, sink: Sink
) -> None:
    conversation = _customer_conversation(listener, live_agent, sink)
    customer_messages = conversation.messages.count()
    before = len(sink.handler.received)  # the customer's acknowledgement

    consult = _ask(conversation, live_agent)
    assert consult.email == SUPPLIER
    assert consult.asked_of == SUPPLIER

    # One email to the supplier, sent by the usual outbound path.
    assert len(sink.handler.received) == before + 1
    row = OutboundEmail.objects.get(consult=consult)
    assert (row.kind, row.status, row.to_address) == (
        OutboundKind.CONSULT,
        OutboundStatus.SENT,
        SUPPLIER,
    )
    email = sink.handler.received[-1].message
    assert email["To"] == SUPPLIER
    reply_to = email["Reply-To"].addresses[0].addr_spec
    assert reply_to == consult_address(mailbox_address="support@acme.test", consult_id=consult.pk)
    assert consult_from_address(reply_to) == consult.pk
    assert conversation_from_address(reply_to) is None  # never a conversation's address
    text = _plain(email)
    assert "Alex Hart" in text
    assert "Has order 4411 left your warehouse?" in text
    assert "Reply to this email to answer" in text
    assert "order 4411 has not arrived yet" not in text  # never the customer's words

    # The supplier answers to the signed address, quoting the question.
    answer = build_email(
        sender=f"Warehouse <{SUPPLIER}>",
        to=reply_to,
        subject=f"Re: {email['Subject']}",
        body="Shipped yesterday, tracking ZX123.\n\nOn Mon, Alex wrote:\n> Has order 4411 left?\n",
        in_reply_to=email["Message-ID"],
    )
    _send(listener, answer, rcpt=reply_to)
    assert _settle() == 1

    inbound = InboundEmail.objects.order_by("-id").first()
    assert inbound is not None
    assert (inbound.status, inbound.kind, inbound.conversation) == (
        InboundStatus.PROCESSED,
        InboundKind.MESSAGE,
        None,
    )
    assert f"consult #{consult.pk}" in inbound.reason
    consult.refresh_from_db()
    assert consult.status == ConsultStatus.ANSWERED
    assert consult.first_answer_at is not None  # the clock stopped
    assert consult.breached_at is None
    reply = consult.replies.get()
    assert (reply.author, reply.author_email, reply.body) == (
        None,
        SUPPLIER,
        "Shipped yesterday, tracking ZX123.",
    )
    assert conversation.events.filter(kind=EventKind.CONSULT_ANSWERED).count() == 1
    # The customer's conversation has no new message, and nobody else got one.
    assert conversation.messages.count() == customer_messages
    assert Conversation.objects.count() == 1
    told = Notification.objects.filter(kind="consult", recipient=live_agent)
    assert told.filter(title__contains=f"{SUPPLIER} answered by email").count() == 1


def test_a_follow_up_is_emailed_in_the_same_thread_and_another_sender_is_named(
    listener: tuple[str, int], live_mailbox: Mailbox, live_agent: User, sink: Sink
) -> None:
    conversation = _customer_conversation(listener, live_agent, sink)
    consult = _ask(conversation, live_agent)
    first = sink.handler.received[-1].message
    reply_to = first["Reply-To"].addresses[0].addr_spec

    consult_reply(consult=consult, actor=live_agent, body="Also: which carrier?")
    follow_up = sink.handler.received[-1].message
    assert follow_up["To"] == SUPPLIER
    assert follow_up["In-Reply-To"] == first["Message-ID"]
    assert follow_up["Reply-To"].addresses[0].addr_spec == reply_to
    assert "Also: which carrier?" in _plain(follow_up)
    assert OutboundEmail.objects.filter(consult=consult).count() == 2

    # A colleague at the supplier answers: accepted, and recorded as who wrote.
    colleague = build_email(sender="Sam <sam@supplier.test>", to=reply_to, body="DHL.")
    _send(listener, colleague, rcpt=reply_to)
    assert _settle() == 1
    reply = consult.replies.order_by("-id").first()
    assert reply is not None
    assert (reply.author_email, reply.body) == ("sam@supplier.test", "DHL.")


def test_a_tampered_consult_address_does_not_thread(
    listener: tuple[str, int], live_mailbox: Mailbox, live_agent: User, sink: Sink
) -> None:
    conversation = _customer_conversation(listener, live_agent, sink)
    consult = _ask(conversation, live_agent)
    good = consult_address(mailbox_address="support@acme.test", consult_id=consult.pk)
    base, _, domain = good.partition("@")
    forged = f"{base[:-1]}{'0' if base[-1] != '0' else '1'}@{domain}"
    other = consult_address(mailbox_address="support@acme.test", consult_id=consult.pk + 1)
    moved = other.replace(f"+k{consult.pk + 1}-", f"+k{consult.pk}-")  # another consult's hmac
    # A conversation's signed address never names a consult of the same number.
    as_conversation = reply_address(mailbox_address="support@acme.test", conversation_id=consult.pk)
    for address in (forged, moved, as_conversation):
        assert consult_from_address(address) is None
    _send(listener, build_email(sender=f"<{SUPPLIER}>", to=forged, body="Forged."), rcpt=forged)
    assert _settle() == 1
    consult.refresh_from_db()
    assert consult.replies.count() == 0
    assert consult.first_answer_at is None
    # Processed as any email: a new conversation of the sender, not the customer's.
    assert Conversation.objects.count() == 2
    assert conversation.messages.filter(body_text="Forged.").count() == 0


def test_an_out_of_office_or_an_answer_to_a_closed_consult_is_not_an_answer(
    listener: tuple[str, int], live_mailbox: Mailbox, live_agent: User, sink: Sink
) -> None:
    conversation = _customer_conversation(listener, live_agent, sink)
    consult = _ask(conversation, live_agent)
    address = consult_address(mailbox_address="support@acme.test", consult_id=consult.pk)
    ooo = build_email(
        sender=SUPPLIER,
        to=address,
        body="I am away until Monday.",
        headers={"Auto-Submitted": "auto-replied"},
    )
    _send(listener, ooo, rcpt=address)
    assert _settle() == 1
    consult.refresh_from_db()
    assert consult.first_answer_at is None
    assert InboundEmail.objects.order_by("-id").values_list("kind", flat=True)[0] == "automatic"

    consult_close(consult=consult, actor=live_agent)
    _send(listener, build_email(sender=SUPPLIER, to=address, body="Late."), rcpt=address)
    assert _settle() == 1
    late = InboundEmail.objects.order_by("-id").first()
    assert late is not None
    assert late.status == InboundStatus.QUARANTINED  # kept, not lost; not the customer's
    assert "closed" in late.reason
    assert consult.replies.count() == 0
    assert conversation.messages.filter(body_text="Late.").count() == 0


def test_access_is_unchanged_for_an_outside_consult(
    listener: tuple[str, int], live_mailbox: Mailbox, live_agent: User, sink: Sink
) -> None:
    conversation = _customer_conversation(listener, live_agent, sink)
    consult = _ask(conversation, live_agent)
    outsider_team = factories.TeamFactory.create(name="Billing", slug="billing")
    stranger = factories.UserFactory.create(username="cole", role=Role.COLLABORATOR)
    outsider_team.members.add(stranger)
    assert not consult_visible_to(user=stranger).filter(pk=consult.pk).exists()
    assert consult_visible_to(user=live_agent).filter(pk=consult.pk).exists()


def test_a_bounce_of_a_consult_email_marks_it_not_the_customers_conversation(
    listener: tuple[str, int], live_mailbox: Mailbox, live_agent: User, sink: Sink
) -> None:
    conversation = _customer_conversation(listener, live_agent, sink)
    consult = _ask(conversation, live_agent)
    row = OutboundEmail.objects.get(consult=consult)
    report = deliver(live_mailbox, _bounce_for(row.rfc_message_id, SUPPLIER, "5.1.1"))
    assert report.kind == InboundKind.BOUNCE
    assert report.conversation is None
    assert f"consult #{consult.pk}" in report.reason
    assert not conversation.events.filter(kind=EventKind.DELIVERY_FAILED).exists()
    row.refresh_from_db()
    assert row.status == OutboundStatus.BOUNCED
