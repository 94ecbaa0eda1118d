"""What the conversation services announce, for the apps built on top to follow.

The core publishes; metrics, channels and the department features subscribe
(in their ``AppConfig.ready``), so nothing under ``conversations/`` imports
them (docs/layers.md). ``conversation_changed`` is sent after commit; the
others are sent INSIDE the writing transaction, where a receiver's rows must
stay consistent with the change, and an exception a receiver raises
propagates to the service's caller and rolls the change back.
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

# Sent with ``conversation_id`` INSIDE the writing transaction, once the
# conversation and its messages, events and tags are saved (the last write of
# the change). Receivers keep derived rows in step with it (metrics' facts)
# and may only write in that same transaction.
conversation_written = Signal()

# ``conversation_written`` for a batch (``conversation_ids``: list[int], one id
# per message, so repeats are possible), sent once per batch by the bulk paths
# (``messages_receive_many``): a receiver can do its work in a few statements
# for all of them instead of a few per conversation.
conversations_written = Signal()
