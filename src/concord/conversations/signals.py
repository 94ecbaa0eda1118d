"""Announcements sent after a conversation change has committed.

Listeners (automations, realtime updates, webhooks in later issues) receive the
ids of the events written, never uncommitted state.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.dispatch import Signal

# Sent with ``conversation_id``, ``event_ids`` (list[int]) and ``cause`` (the
# value of ``change_cause`` when the events were written).
conversation_changed = Signal()

# What caused the changes being written, e.g. ("trigger:3", "trigger:4"): set by
# automations while their actions run, carried with the announcement, so the
# next automation can see a rule about to fire on its own consequences.
change_cause: ContextVar[tuple[str, ...]] = ContextVar("concord_change_cause", default=())

# Sent with ``message`` (a public staff reply) INSIDE the writing transaction,
# before it commits. Receivers are the channels that deliver replies; they may
# only write rows in that same transaction (and enqueue work on commit), and
# an exception they raise refuses the reply.
message_posted = Signal()
