"""Facts a channel reports back about delivery: a bounce, a complaint."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from concord.conversations.models import Conversation, Event, EventKind, Message
from concord.conversations.services._common import record, when


def conversation_record_delivery_failure(
    *,
    conversation: Conversation,
    detail: str,
    message: Message | None = None,
    at: datetime | None = None,
) -> Event:
    """A message of this conversation did not reach the customer (or they complained).

    ``detail`` is what the agent needs to act: the status and the remote
    server's words, e.g. "5.1.1 bounced: user unknown". It changes no status:
    the agent decides whether to reach the customer another way.
    """
    moment = when(at)
    with transaction.atomic():
        return record(
            conversation,
            EventKind.DELIVERY_FAILED,
            at=moment,
            new=" ".join(detail.split())[:300],
            message=message,
        )
