"""Hooks into the conversation services: a public reply on an email conversation is mailed."""

from __future__ import annotations

from typing import Any

from concord.conversations.models import Message
from concord.conversations.signals import message_posted


def _queue_reply(sender: object, *, message: Message, **_: Any) -> None:
    from concord.channels.email.services.outbound import outbound_queue_reply

    outbound_queue_reply(message=message)


def connect() -> None:
    message_posted.connect(_queue_reply, sender=Message, dispatch_uid="email-queue-reply")
