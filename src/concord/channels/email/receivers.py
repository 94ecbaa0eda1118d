"""Hooks into the services below: a public reply on an email conversation is mailed, and
so is a consult to an outside address (its question and the owner's follow-ups)."""

from __future__ import annotations

from typing import Any

from concord.collaboration.models import Consult, ConsultReply
from concord.collaboration.signals import consult_emailed
from concord.conversations.models import Message
from concord.conversations.signals import message_posted


def _queue_reply(sender: object, *, message: Message, **_: Any) -> None:
    from concord.channels.email.services.outbound import outbound_queue_reply

    outbound_queue_reply(message=message)


def _queue_consult(
    sender: object, *, consult: Consult, reply: ConsultReply | None, **_: Any
) -> None:
    from concord.channels.email.services.consults import outbound_queue_consult

    outbound_queue_consult(consult=consult, reply=reply)


def connect() -> None:
    message_posted.connect(_queue_reply, sender=Message, dispatch_uid="email-queue-reply")
    consult_emailed.connect(_queue_consult, sender=Consult, dispatch_uid="email-queue-consult")
