"""Committed conversation changes notify the people they concern (notifications.services)."""

from __future__ import annotations

import logging
from typing import Any

from concord.conversations.models import Event
from concord.conversations.signals import conversation_changed

logger = logging.getLogger("concord.notifications")


def _notify(sender: object, *, conversation_id: int, event_ids: list[int], **_: Any) -> None:
    from concord.notifications.services import notify_conversation_events

    # Sent after commit: the change stands whatever happens here, so a failure
    # is logged rather than turned into an error for whoever made the change.
    try:
        notify_conversation_events(conversation_id=conversation_id, event_ids=list(event_ids))
    except Exception:
        logger.exception("Notifying about conversation %s failed", conversation_id)


def connect() -> None:
    conversation_changed.connect(_notify, sender=Event, dispatch_uid="notifications-watch")
