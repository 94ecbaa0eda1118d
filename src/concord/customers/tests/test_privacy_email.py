"""After an erasure, an email from the same address starts afresh: a new customer, a new case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from concord.accounts.models import Team, User
from concord.channels.email.models import InboundEmail, OutboundEmail
from concord.channels.email.services.mailboxes import mailbox_create
from concord.channels.email.tests.conftest import build_email, deliver
from concord.conversations.models import Conversation, Message
from concord.customers.privacy import customer_erase, customer_export_data

pytestmark = pytest.mark.django_db


def test_a_reply_to_an_erased_thread_opens_a_new_case_for_a_new_customer(
    support: Team, admin_user: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    mailbox = mailbox_create(name="Acme Support", address="support@acme.test", team=support)
    first = deliver(
        mailbox,
        build_email(sender="Ann Example <ann@customer.test>", message_id="<q1@customer.test>"),
    )
    assert first.conversation is not None
    erased = first.conversation
    customer_erase(customer=erased.customer, actor=admin_user)
    assert not InboundEmail.objects.exists()  # the raw email went with the rest

    again = deliver(
        mailbox,
        build_email(
            sender="Ann Example <ann@customer.test>",
            subject="Re: My order has not arrived",
            body="Any news?",
            message_id="<q2@customer.test>",
            in_reply_to="<q1@customer.test>",
            references="<q1@customer.test>",
        ),
    )

    assert again.conversation is not None
    assert again.conversation.pk != erased.pk
    new_customer = again.conversation.customer
    assert new_customer.pk != erased.customer_id
    assert new_customer.name == "Ann Example"
    assert Message.objects.filter(conversation=erased).count() == 1
    assert Conversation.objects.get(pk=erased.pk).customer.erased_at is not None


def test_the_email_log_is_exported_and_erased_through_its_contributor(
    support: Team,
    admin_user: User,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    mailbox = mailbox_create(name="Acme Support", address="support@acme.test", team=support)
    received = deliver(
        mailbox,
        build_email(sender="Ann Example <ann@customer.test>", message_id="<q3@customer.test>"),
    )
    assert received.conversation is not None
    customer = received.conversation.customer
    data = customer_export_data(customer=customer)
    assert [row["sender"] for row in data["emails_received"]] == ["ann@customer.test"]
    assert data["emails_sent"] == list(
        OutboundEmail.objects.values(
            "kind", "to_address", "subject", "status", "sent_at", "conversation_id"
        )
    )
    rows = InboundEmail.objects.count() + OutboundEmail.objects.count()
    raw = received.storage_name
    assert default_storage.exists(raw)

    with django_capture_on_commit_callbacks(execute=True):
        result = customer_erase(customer=customer, actor=admin_user)

    assert result.emails == rows
    assert not OutboundEmail.objects.exists()
    assert not default_storage.exists(raw)
