"""Announcements sent after a conversation change has committed.

Listeners (automations, realtime updates, webhooks in later issues) receive the
ids of the events written, never uncommitted state.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``conversation_id`` and ``event_ids`` (list[int]).
conversation_changed = Signal()
