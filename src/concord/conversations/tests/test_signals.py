"""The in-transaction signals the services send for the apps built on top (metrics)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from concord.common.testing import factories
from concord.conversations import services
from concord.conversations.models import Conversation, Message
from concord.conversations.signals import conversation_written, conversations_written

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


@pytest.fixture
def heard() -> Iterator[list[tuple[str, Any, bool]]]:
    """(signal, ids, inside a transaction) for each send, while the test runs."""
    calls: list[tuple[str, Any, bool]] = []

    def one(sender: object, *, conversation_id: int, **_: Any) -> None:
        calls.append(("one", conversation_id, connection.in_atomic_block))

    def many(sender: object, *, conversation_ids: list[int], **_: Any) -> None:
        calls.append(("many", list(conversation_ids), connection.in_atomic_block))

    conversation_written.connect(one, sender=Conversation, dispatch_uid="test-one")
    conversations_written.connect(many, sender=Conversation, dispatch_uid="test-many")
    yield calls
    conversation_written.disconnect(sender=Conversation, dispatch_uid="test-one")
    conversations_written.disconnect(sender=Conversation, dispatch_uid="test-many")


def _open(**kwargs: Any) -> Conversation:
    return services.conversation_open(
        channel="email",
        identity_kind="email",
        identity_value="ann@example.com",
        subject="Help",
        body_text="Hello",
        **kwargs,
    )


# No test-wide transaction here: "inside a transaction" must be the service's own.
@pytest.mark.django_db(transaction=True)
def test_opening_and_replying_announce_the_conversation(
    heard: list[tuple[str, Any, bool]],
) -> None:
    conversation = _open()
    services.message_receive(conversation=conversation, body_text="Still there?")
    assert heard == [("one", conversation.pk, True), ("one", conversation.pk, True)]


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_announced_once(heard: list[tuple[str, Any, bool]]) -> None:
    customer = factories.CustomerFactory.create()
    existing = _open(customer=customer)
    heard.clear()
    items = [
        services.Inbound(channel="email", customer=customer, body_text="New one"),
        services.Inbound(channel="email", customer=customer, body_text="Another new one"),
        services.Inbound(
            channel="email", customer=customer, body_text="Follow-up", conversation=existing
        ),
    ]
    messages = services.messages_receive_many(items=items)
    assert heard == [("many", [m.conversation_id for m in messages], True)]


def test_a_receiver_that_fails_rolls_the_change_back() -> None:
    def fail(sender: object, **_: Any) -> None:
        raise Boom

    conversation_written.connect(fail, sender=Conversation, dispatch_uid="test-fail")
    try:
        with pytest.raises(Boom):
            _open()
    finally:
        conversation_written.disconnect(sender=Conversation, dispatch_uid="test-fail")
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


def test_a_batch_receiver_that_fails_rolls_the_batch_back() -> None:
    def fail(sender: object, **_: Any) -> None:
        raise Boom

    customer = factories.CustomerFactory.create()
    conversations_written.connect(fail, sender=Conversation, dispatch_uid="test-fail-many")
    try:
        with pytest.raises(Boom):
            services.messages_receive_many(
                items=[services.Inbound(channel="email", customer=customer, body_text="Hi")]
            )
    finally:
        conversations_written.disconnect(sender=Conversation, dispatch_uid="test-fail-many")
    assert not Conversation.objects.exists()
