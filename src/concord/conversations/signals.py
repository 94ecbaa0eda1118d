"""Announcements sent after a conversation change has committed.

Listeners (automations, realtime updates, webhooks in later issues) receive the
ids of the events written, never uncommitted state.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``conversation_id`` and ``event_ids`` (list[int]).
conversation_changed = Signal()

# Sent with ``message`` (a public staff reply) INSIDE the writing transaction,
# before it commits. Receivers are the channels that deliver replies; they may
# only write rows in that same transaction (and enqueue work on commit), and
# an exception they raise refuses the reply.
message_posted = Signal()
