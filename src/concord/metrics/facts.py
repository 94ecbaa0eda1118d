"""The facts of one conversation, from its rows (pure: no database).

The definitions here are the metrics' (DOMAIN.md): a customer message is an
inbound message a person wrote (not an out-of-office answer); an agent reply
is a public staff message not written by the automation user; the status log
is the conversation's own events (not ones a merge moved in).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from concord.accounts.services import SYSTEM_USERNAME
from concord.conversations.models import Direction, EventKind, Status, Visibility

# A conversation carrying this tag counts as escalated whatever team it is in.
ESCALATED_TAG = "escalated"
DONE = frozenset({Status.SOLVED, Status.CLOSED})
# The events the facts depend on; the refresh reads no others.
FACT_EVENTS = (
    EventKind.STATUS_CHANGED,
    EventKind.REOPENED,
    EventKind.TEAM_CHANGED,
    EventKind.CONSULT_ASKED,
)


@dataclass(frozen=True)
class MessageRow:
    """A message, as (created_at, id) order gives them."""

    created_at: datetime
    direction: str
    visibility: str
    automatic: bool
    author_username: str | None

    @property
    def from_customer(self) -> bool:
        return self.direction == Direction.INBOUND and not self.automatic

    @property
    def agent_reply(self) -> bool:
        return (
            self.direction == Direction.OUTBOUND
            and self.visibility == Visibility.PUBLIC
            and self.author_username != SYSTEM_USERNAME
        )


@dataclass(frozen=True)
class EventRow:
    """An event of a kind in ``FACT_EVENTS``, in (created_at, id) order."""

    kind: str
    new_value: str
    created_at: datetime
    merged_from_id: int | None


@dataclass
class Facts:
    first_message_at: datetime | None = None
    first_reply_at: datetime | None = None
    agent_replies: int = 0
    first_solved_at: datetime | None = None
    reopened: bool = False
    escalated: bool = False
    # At least one consult was asked (the escalation rate counts these too).
    consulted: bool = False
    # When it was last solved, while it is solved or closed (the row's ``solved_at``).
    resolved_at: datetime | None = None
    # (asked, answered): each customer message and the agent reply that answered it.
    waits: list[tuple[datetime, datetime]] = field(default_factory=list)
    # (since, until or None): stretches in which the conversation was not solved.
    unsolved: list[tuple[datetime, datetime | None]] = field(default_factory=list)


def conversation_facts(
    *,
    created_at: datetime,
    status: str,
    solved_at: datetime | None,
    messages: Iterable[MessageRow],
    events: Iterable[EventRow],
    departments: Collection[str],
    tagged_escalated: bool,
) -> Facts:
    """Everything the metrics need to know about one conversation.

    ``departments`` holds the ids (as strings, as events store them) of the
    department teams; ``tagged_escalated`` says whether it carries the
    ``escalated`` tag now; ``status`` and ``solved_at`` are the row's.
    """
    facts = Facts(escalated=tagged_escalated, resolved_at=solved_at if status in DONE else None)
    waiting: list[datetime] = []
    for message in messages:
        if message.from_customer:
            facts.first_message_at = facts.first_message_at or message.created_at
            waiting.append(message.created_at)
        elif message.agent_reply:
            facts.first_reply_at = facts.first_reply_at or message.created_at
            facts.agent_replies += 1
            facts.waits.extend((asked, message.created_at) for asked in waiting)
            waiting = []
    done, since = False, created_at
    for event in events:
        if event.kind == EventKind.CONSULT_ASKED:
            # DOMAIN.md: "consulted to or escalated to another team".
            facts.escalated = facts.consulted = True
            continue
        if event.kind == EventKind.TEAM_CHANGED:
            # Opening straight into a department is routing; a later move is escalation.
            if event.new_value in departments and event.created_at > created_at:
                facts.escalated = True
            continue
        if event.merged_from_id is not None:
            continue
        if event.kind == EventKind.REOPENED:
            facts.reopened = True
        elif event.kind == EventKind.STATUS_CHANGED:
            if event.new_value == Status.SOLVED and facts.first_solved_at is None:
                facts.first_solved_at = event.created_at
            now_done = event.new_value in DONE
            if now_done and not done:
                facts.unsolved.append((since, event.created_at))
            elif done and not now_done:
                since = event.created_at
            done = now_done
    if not done:
        facts.unsolved.append((since, None))
    return facts


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()
