"""Hands every committed conversation change to the automation pipeline."""

from __future__ import annotations

from typing import Any

from concord.automations.context import is_suppressed
from concord.conversations.models import Event
from concord.conversations.signals import conversation_changed


def _enqueue(
    sender: object,
    *,
    conversation_id: int,
    event_ids: list[int],
    cause: tuple[str, ...] = (),
    **_: Any,
) -> None:
    if is_suppressed():
        return
    from concord.automations.tasks import process_change

    # The chain of rules that caused this change travels with the task, so the
    # loop guard can see a rule about to fire on its own consequences.
    process_change.enqueue(
        conversation_id=conversation_id, event_ids=list(event_ids), chain=list(cause)
    )


def connect() -> None:
    conversation_changed.connect(_enqueue, sender=Event, dispatch_uid="automations-enqueue")
