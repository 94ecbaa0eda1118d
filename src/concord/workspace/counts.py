"""Inbox counts per view, cached until any conversation changes.

Counting every view scans all visible conversations, the one part of the inbox
whose cost grows with the database. The inbox asks for the counts on every
load and every 10 s refresh, while most refreshes see nothing new. So the
counts are cached per user under the id of the newest event (every change
to a conversation appends one): a change makes a new key, and the old entry
just expires. Changes that are not conversation events (a user joining a
team) show within ``TTL_SECONDS``. Local-memory cache caveat as in
``presence``: per process, which suits the embedded single-process server.
"""

from __future__ import annotations

from django.core.cache import cache

from concord.accounts.models import User
from concord.conversations.selectors import conversation_last_event_id, conversation_view_counts

TTL_SECONDS = 30


def inbox_counts(*, user: User) -> dict[str, int]:
    version = conversation_last_event_id()
    key = f"concord:inbox-counts:{user.pk}:{version}"
    counts: dict[str, int] | None = cache.get(key)
    if counts is None:
        counts = conversation_view_counts(user=user)
        cache.set(key, counts, TTL_SECONDS)
    return counts
