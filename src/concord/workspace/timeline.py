"""One timeline from a conversation's messages and events, as the workspace shows it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from concord.channels.email.models import OutboundEmail
from concord.conversations.models import Channel, Event, EventKind, Message, Priority, Status
from concord.sla.models import TargetKind

# Events that only say "a message was written": the message itself is on the timeline.
MESSAGE_EVENTS = frozenset(
    {
        EventKind.MESSAGE_RECEIVED,
        EventKind.AUTOMATIC_RECEIVED,
        EventKind.REPLIED,
        EventKind.NOTE_ADDED,
    }
)
_SLA_TARGETS = {key: str(label).lower() for key, label in TargetKind.choices}
_LABELS: dict[str, str] = {
    **dict(Status.choices),
    **dict(Priority.choices),
    **dict(Channel.choices),
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    message: Message | None = None
    event: Event | None = None
    text: str = ""  # what the event says, in plain words (autoescaped in the template)
    author: str = ""  # who wrote the message
    delivery: OutboundEmail | None = None  # the email that carries an outbound message
    mail_note: str = ""  # what the mail worker noted about an inbound email (agents only)


def build_timeline(
    *,
    messages: Iterable[Message],
    events: Iterable[Event],
    users: Mapping[int, str],
    teams: Mapping[int, str],
    deliveries: Mapping[int, OutboundEmail] | None = None,
    mail_notes: Mapping[int, str] | None = None,
) -> list[Entry]:
    """Messages and the events worth showing between them, oldest first.

    ``users`` and ``teams`` map the ids events store to names, and
    ``deliveries`` and ``mail_notes`` the message ids to their emails, so the timeline needs no
    query of its own.
    """
    deliveries = deliveries or {}
    mail_notes = mail_notes or {}
    entries = [
        Entry(
            at=m.created_at,
            message=m,
            author=_author(m),
            delivery=deliveries.get(m.pk),
            mail_note=mail_notes.get(m.pk, ""),
        )
        for m in messages
    ]
    entries += [
        Entry(at=e.created_at, event=e, text=describe(e, users=users, teams=teams))
        for e in events
        if e.kind not in MESSAGE_EVENTS
    ]

    # A change made with a reply ("send and set solved") follows the reply;
    # "created" precedes the first message that came with it.
    def order(entry: Entry) -> tuple[datetime, int, int]:
        if entry.event is None:
            return (entry.at, 1, entry.message.pk if entry.message else 0)
        rank = 0 if entry.event.kind == EventKind.CREATED else 2
        return (entry.at, rank, entry.event.pk)

    return sorted(entries, key=order)


def _author(message: Message) -> str:
    if message.author_user is not None:
        return str(message.author_user)
    if message.author_customer is not None:
        return str(message.author_customer)
    return "Concord"


def _local_time(value: str) -> str:
    """An ISO time an event stored, in the viewer's zone; as stored if it does not parse."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        return value
    local = timezone.localtime(moment)
    return f"{local:%b} {local.day}, {local:%H:%M}"


def _named(value: str, names: Mapping[int, object], fallback: str) -> str:
    if not value:
        return ""
    if value.isdigit() and int(value) in names:
        return str(names[int(value)])
    return f"{fallback} #{value}" if value.isdigit() else value


def describe(event: Event, *, users: Mapping[int, str], teams: Mapping[int, str]) -> str:
    """One line for an event, e.g. "Alex Lee changed status from Open to Pending"."""
    if event.actor_user is not None:
        actor = str(event.actor_user)
    elif event.actor_customer is not None:
        actor = str(event.actor_customer)
    else:
        actor = "Concord"
    old, new = event.old_value, event.new_value
    label_old, label_new = _LABELS.get(old, old), _LABELS.get(new, new)
    kind = event.kind
    if kind == EventKind.CREATED:
        text = f"Conversation started by {label_new or 'unknown channel'}"
    elif kind == EventKind.ASSIGNED:
        who = _named(new, users, "user")
        if not who:
            text = f"{actor} unassigned this"
        elif event.actor_user is not None and new == str(event.actor_user.pk):
            text = f"{actor} took this"
        else:
            text = f"{actor} assigned this to {who}"
    elif kind == EventKind.TEAM_CHANGED:
        team = _named(new, teams, "team")
        text = f"{actor} moved this to {team}" if team else f"{actor} removed the team"
    elif kind == EventKind.STATUS_CHANGED:
        text = f"{actor} changed status from {label_old} to {label_new}"
    elif kind == EventKind.REOPENED:
        text = f"{actor} reopened this"
    elif kind == EventKind.PRIORITY_CHANGED:
        text = f"{actor} changed priority from {label_old} to {label_new}"
    elif kind == EventKind.TAG_ADDED:
        text = f"{actor} added tag {new}"
    elif kind == EventKind.TAG_REMOVED:
        text = f"{actor} removed tag {old}"
    elif kind == EventKind.MERGED:
        text = f"{actor} merged this into #{new}"
    elif kind == EventKind.MERGED_IN:
        text = f"{actor} merged #{new} into this"
    elif kind == EventKind.DELIVERY_FAILED:
        text = f"Email delivery failed: {new}"
    elif kind == EventKind.SLA_WARNING:
        text = f"SLA warning: {_SLA_TARGETS.get(old, old)} due {_local_time(new)}"
    elif kind == EventKind.SLA_BREACHED:
        text = f"SLA breached: {_SLA_TARGETS.get(old, old)} was due {_local_time(new)}"
    elif kind == EventKind.CONSULT_ASKED:
        text = f"{actor} asked {new} (consult)"
    elif kind == EventKind.CONSULT_ANSWERED:
        text = f"{actor} answered the consult"
    elif kind == EventKind.CONSULT_CLOSED:
        text = f"{actor} closed the consult with {new}"
    elif kind == EventKind.CUSTOMER_ERASED:
        text = f"{actor} erased the customer's personal data"
    else:
        text = f"{actor}: {event.get_kind_display()}"
    if event.merged_from_id is not None:
        text += f" (in #{event.merged_from_id})"
    return text
