"""Metrics follow the conversation services: facts are recomputed in the writing transaction.

A receiver's exception propagates through the service and rolls the change
back, as when the services called these functions themselves: a change whose
facts could not be written is not kept with stale facts.
"""

from __future__ import annotations

from typing import Any

from concord.conversations.models import Conversation
from concord.conversations.signals import conversation_written, conversations_written
from concord.metrics.services import conversation_facts_refresh, conversation_facts_refresh_many


def _refresh(sender: object, *, conversation_id: int, **_: Any) -> None:
    conversation_facts_refresh(conversation_id=conversation_id)


def _refresh_many(sender: object, *, conversation_ids: list[int], **_: Any) -> None:
    conversation_facts_refresh_many(conversation_ids=conversation_ids)


def connect() -> None:
    conversation_written.connect(
        _refresh, sender=Conversation, dispatch_uid="metrics-conversation-facts"
    )
    conversations_written.connect(
        _refresh_many, sender=Conversation, dispatch_uid="metrics-conversation-facts-many"
    )
