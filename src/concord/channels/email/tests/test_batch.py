"""The batch path: many stored emails recorded together, with the same outcome as one by one."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core import mail as django_mail
from django.test import override_settings
from django_tasks.signals import task_enqueued

from concord.channels.email.listener import start_listener, stop_listener
from concord.channels.email.models import (
    InboundEmail,
    InboundStatus,
    Mailbox,
    OutboundEmail,
    OutboundKind,
)
from concord.channels.email.services import inbound as inbound_module
from concord.channels.email.services.inbound import inbound_store
from concord.channels.email.tests.conftest import build_email
from concord.channels.email.worker import process_waiting
from concord.common.testing.mail import free_port
from concord.conversations.models import Conversation, Event, EventKind, Status
from concord.customers.models import Customer, CustomerIdentity
from concord.metrics.models import ConversationFacts

pytestmark = pytest.mark.django_db(transaction=True)


def store(mailbox: Mailbox, *emails: Any) -> list[int]:
    return [
        inbound_store(mailbox=mailbox, raw=email.as_bytes(), source="smtp").inbound.pk
        for email in emails
    ]


def rows(ids: list[int]) -> list[InboundEmail]:
    by_id = InboundEmail.objects.select_related("message", "conversation").in_bulk(ids)
    return [by_id[pk] for pk in ids]


def test_a_batch_records_each_email_as_one_by_one_would(mailbox: Mailbox) -> None:
    earlier = build_email(sender="Ann <ann@customer.test>", body="First question.")
    store(mailbox, earlier)
    assert process_waiting() == 1
    ann_conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=ann_conversation.pk).update(status=Status.SOLVED)

    emails = [
        build_email(sender="Bob <bob@customer.test>", subject="Broken screen", body="It cracked."),
        # Ann answers her solved conversation: it reopens.
        build_email(
            sender="ann@customer.test",
            body="It happened again.",
            in_reply_to=str(earlier["Message-ID"]),
        ),
        # Bob again, a new request: the same new customer, a second conversation.
        build_email(sender="Bob <bob@customer.test>", subject="Invoice", body="Wrong VAT."),
        build_email(sender="Cleo <cleo@other.test>", subject="Password", body="Locked out."),
    ]
    ids = store(mailbox, *emails)
    assert process_waiting() == 4

    bob1, ann, bob2, cleo = rows(ids)
    assert all(row.status == InboundStatus.PROCESSED for row in (bob1, ann, bob2, cleo))
    assert CustomerIdentity.objects.filter(normalized="bob@customer.test").count() == 1
    assert Customer.objects.get(identities__normalized="bob@customer.test").name == "Bob"
    assert bob1.conversation is not None
    assert bob2.conversation is not None
    assert bob1.conversation_id != bob2.conversation_id
    assert bob1.conversation.customer_id == bob2.conversation.customer_id
    assert (bob1.conversation.subject, bob2.conversation.subject) == ("Broken screen", "Invoice")
    assert ann.conversation_id == ann_conversation.pk
    reopened = Conversation.objects.get(pk=ann_conversation.pk)
    assert (reopened.status, reopened.message_count) == (Status.OPEN, 2)
    assert Event.objects.filter(conversation=reopened, kind=EventKind.REOPENED).count() == 1
    assert bob1.message is not None
    assert bob1.message.body_text == "It cracked."
    opened = Conversation.objects.filter(pk__in=[bob1.conversation_id, cleo.conversation_id])
    for conversation in opened:
        assert conversation.team_id == mailbox.team_id
        kinds = set(conversation.events.values_list("kind", flat=True))
        assert {EventKind.CREATED, EventKind.MESSAGE_RECEIVED, EventKind.TEAM_CHANGED} <= kinds
    # The metrics' facts exist for every conversation the batch touched.
    touched = {row.conversation_id for row in (bob1, ann, bob2, cleo)}
    assert set(ConversationFacts.objects.values_list("conversation_id", flat=True)) >= touched


def test_a_reply_to_an_email_of_the_same_batch_joins_its_conversation(mailbox: Mailbox) -> None:
    first = build_email(sender="dana@customer.test", body="Order 4411 is late.")
    reply = build_email(
        sender="dana@customer.test",
        body="Also, it was paid twice.",
        in_reply_to=str(first["Message-ID"]),
        references=str(first["Message-ID"]),
    )
    ids = store(mailbox, first, reply)
    assert process_waiting() == 2

    opening, follow = rows(ids)
    assert follow.conversation_id == opening.conversation_id
    assert Conversation.objects.get().message_count == 2


def test_one_bad_email_is_quarantined_alone_and_the_rest_are_recorded(mailbox: Mailbox) -> None:
    good = [build_email(sender=f"c{n}@customer.test", body=f"Question {n}") for n in range(3)]
    own = build_email(sender="support@acme.test", body="A loop from our own address.")
    ids = store(mailbox, good[0], own, good[1], good[2])
    assert process_waiting() == 4

    outcomes = [(row.status, bool(row.reason)) for row in rows(ids)]
    assert outcomes[1] == (InboundStatus.QUARANTINED, True)
    assert [o[0] for o in outcomes[::2] + outcomes[3:]] == [InboundStatus.PROCESSED] * 3
    assert Conversation.objects.count() == 3


def test_a_batch_that_fails_is_undone_and_each_email_recorded_alone(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concord.channels.email.services.record import record_messages as real

    sizes: list[int] = []

    def fails_for_batches(**kwargs: Any) -> None:
        sizes.append(len(kwargs["entries"]))
        real(**kwargs)  # writes, then fails: the savepoint must undo it all
        if len(kwargs["entries"]) > 1:
            raise RuntimeError("a batch-only failure")

    monkeypatch.setattr(inbound_module, "record_messages", fails_for_batches)
    ids = store(mailbox, *(build_email(sender=f"c{n}@customer.test") for n in range(4)))
    assert process_waiting() == 4

    assert sizes == [4, 1, 1, 1, 1]
    assert all(row.status == InboundStatus.PROCESSED for row in rows(ids))
    assert Conversation.objects.count() == 4
    assert Customer.objects.count() == 4


@override_settings(CONCORD_EMAIL_ACK_LIMIT_PER_HOUR=2)
def test_acknowledgements_of_a_batch_keep_the_hourly_limit_and_go_in_one_task(
    mailbox: Mailbox,
) -> None:
    enqueued: list[str] = []

    def seen(sender: Any, task_result: Any, **_: Any) -> None:
        enqueued.append(task_result.task.name)

    task_enqueued.connect(seen)
    try:
        emails = [build_email(sender="eve@customer.test", subject=f"Request {n}") for n in range(4)]
        emails.append(build_email(sender="fay@customer.test", subject="Another"))
        store(mailbox, *emails)
        assert process_waiting() == 5
    finally:
        task_enqueued.disconnect(seen)

    acks = OutboundEmail.objects.filter(kind=OutboundKind.ACKNOWLEDGEMENT)
    assert sorted(acks.values_list("to_address", flat=True)) == [
        "eve@customer.test",
        "eve@customer.test",
        "fay@customer.test",
    ]
    assert enqueued.count("send_outbound_many") == 1
    assert "send_outbound" not in enqueued
    assert len(django_mail.outbox) == 3  # the one task sent all three


@pytest.fixture
def listener(mailbox: Mailbox) -> Iterator[int]:
    port = free_port()
    controller: Controller = start_listener(host="127.0.0.1", port=port)
    try:
        yield port
    finally:
        stop_listener(controller)


def test_emails_sent_at_once_on_many_connections_are_each_stored_once(listener: int) -> None:
    answers: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def send(client: int) -> None:
        with smtplib.SMTP("127.0.0.1", listener, timeout=30) as smtp:
            for n in range(5):
                email = build_email(sender=f"c{client}@customer.test", body=f"Mail {client}/{n}")
                code, text = smtp.data(_prepared(smtp, email))
                with lock:
                    answers.append((code, text))

    threads = [threading.Thread(target=send, args=(c,)) for c in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(answers) == 40
    assert all(code == 250 and text.startswith(b"2.0.0 Stored as ") for code, text in answers)
    stored_ids = {int(text.rsplit(b" ", 1)[1]) for _, text in answers}
    assert len(stored_ids) == 40
    assert InboundEmail.objects.count() == 40
    assert process_waiting() == 40
    assert Conversation.objects.count() == 40


def _prepared(smtp: smtplib.SMTP, email: Any) -> bytes:
    smtp.ehlo_or_helo_if_needed()
    smtp.mail("sender@customer.test")
    smtp.rcpt("support@acme.test")
    return bytes(email.as_bytes())
