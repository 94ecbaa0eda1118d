"""Who has a conversation open right now, for collision warnings.

Presence is a few seconds of ephemeral state, not a domain fact, so it lives in
Django's cache rather than the database. The default local-memory cache is per
process: right for the embedded single-process server (``concord serve``). A
deployment with several web processes must configure a shared cache (Redis,
database) or agents on different processes will not see each other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

from concord.accounts.models import User

# Pages report every 5 s; an entry outlives one missed report, then expires.
TTL_SECONDS = 12
STATES = ("viewing", "replying")


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    state: str


def _key(conversation_id: int) -> str:
    return f"concord:presence:{conversation_id}"


def presence_report(*, conversation_id: int, user: User, state: str) -> list[Presence]:
    """Record that ``user`` is viewing or replying; return the *other* agents present.

    Read-modify-write without a lock: two reports racing may drop one entry,
    which the next report (5 s later) puts back. A warning a few seconds late
    is acceptable; a lock on every poll is not worth it.
    """
    if state not in STATES:
        state = "viewing"
    now = time.time()
    key = _key(conversation_id)
    stored = cache.get(key) or {}
    entries: dict[int, tuple[str, str, float]] = {
        uid: entry for uid, entry in stored.items() if entry[2] > now
    }
    entries[user.pk] = (str(user), state, now + TTL_SECONDS)
    cache.set(key, entries, TTL_SECONDS)
    others = [
        Presence(user_id=uid, name=name, state=st)
        for uid, (name, st, _until) in entries.items()
        if uid != user.pk
    ]
    # Someone replying matters more than someone reading.
    return sorted(others, key=lambda p: (p.state != "replying", p.name))
