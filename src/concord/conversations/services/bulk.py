"""Many customer messages at once: what a busy inbound channel needs.

``conversation_open`` and ``message_receive`` cost about twenty statements
each, and building them one message at a time is most of the cost of taking
in mail. These record the same rows and events for a whole batch with a few
statements, in one transaction, and announce the events the same way. What
is rare (a closed or merged conversation) goes through the one-at-a-time
services, so there is one definition of those rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When

from concord.accounts.models import Team
from concord.conversations.models import (
    Conversation,
    Direction,
    Event,
    EventKind,
    Message,
    Status,
    Visibility,
)
from concord.conversations.services._common import (
    Body,
    _announce,
    _as_value,
    clean_body,
    clean_subject,
    when,
)
from concord.conversations.services.messages import _check_channel, message_receive
from concord.conversations.services.routing import check_assignment
from concord.conversations.signals import conversations_written
from concord.customers.models import Customer


@dataclass(frozen=True)
class Inbound:
    """One customer message: a new conversation (``conversation`` None) or one more message."""

    channel: str
    customer: Customer
    body_text: str | None
    body_html: str | None = None
    subject: str = ""
    team: Team | None = None
    conversation: Conversation | None = None
    external_id: str = ""
    quoted_text: str = ""
    automatic: bool = False


def messages_receive_many(*, items: Sequence[Inbound], at: datetime | None = None) -> list[Message]:
    """Record every item as ``conversation_open`` or ``message_receive`` would, in order.

    Returns the message of each item, aligned with ``items``; a message's
    ``conversation`` says where it landed (a follow-up, the conversation a
    merged one went into). Bad input (an empty body, an unknown channel)
    raises before anything is written, naming what is wrong.
    """
    moment = when(at)
    bodies: list[Body] = []
    for item in items:
        _check_channel(item.channel)
        bodies.append(clean_body(text=item.body_text, html=item.body_html))
    subjects = [clean_subject(item.subject) for item in items]
    for team in {item.team for item in items if item.team is not None}:
        check_assignment(team=team, assignee=None)
    with transaction.atomic():
        replies = _lock_replies(items)
        messages: list[Message | None] = [None] * len(items)
        fresh = [i for i, item in enumerate(items) if item.conversation is None]
        _open(items, bodies, subjects, fresh, messages, moment)
        simple = [i for i in range(len(items)) if i in replies]
        _append(items, bodies, simple, replies, messages, moment)
        for index, item in enumerate(items):
            if messages[index] is None:  # closed or merged: the one-at-a-time rules apply
                assert item.conversation is not None  # noqa: S101 - the others were recorded
                messages[index] = message_receive(
                    conversation=item.conversation,
                    body_text=bodies[index].text,
                    body_html=bodies[index].html,
                    channel=item.channel,
                    external_id=item.external_id,
                    quoted_text=item.quoted_text,
                    automatic=item.automatic,
                    at=moment,
                )
        done = [m for m in messages if m is not None]
        # One announcement for the whole batch, not one per conversation.
        conversations_written.send(
            sender=Conversation, conversation_ids=[m.conversation_id for m in done]
        )
    return done


def _lock_replies(items: Sequence[Inbound]) -> dict[int, Conversation]:
    """The open conversations (neither closed nor merged) the replies go to, locked; by index."""
    ids = {item.conversation.pk for item in items if item.conversation is not None}
    if not ids:
        return {}
    locked = {
        c.pk: c
        for c in Conversation.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk__in=ids, merged_into__isnull=True)
        .exclude(status=Status.CLOSED)
    }
    return {
        index: locked[item.conversation.pk]
        for index, item in enumerate(items)
        if item.conversation is not None and item.conversation.pk in locked
    }


def _message(item: Inbound, body: Body, conversation: Conversation, moment: datetime) -> Message:
    return Message(
        conversation=conversation,
        direction=Direction.INBOUND,
        channel=item.channel,
        visibility=Visibility.PUBLIC,
        author_customer=conversation.customer,
        body_html=body.html,
        body_text=body.text,
        external_id=item.external_id[:998],
        quoted_text=item.quoted_text,
        automatic=item.automatic,
        created_at=moment,
    )


def _event(
    conversation: Conversation,
    kind: str,
    moment: datetime,
    *,
    message: Message | None = None,
    old: object = "",
    new: object = "",
) -> Event:
    return Event(
        conversation=conversation,
        kind=kind,
        actor_customer=conversation.customer,
        old_value=_as_value(old),
        new_value=_as_value(new),
        message=message,
        created_at=moment,
    )


def _received(item: Inbound) -> str:
    return EventKind.AUTOMATIC_RECEIVED if item.automatic else EventKind.MESSAGE_RECEIVED


def _save_events(events: list[Event]) -> None:
    for event in Event.objects.bulk_create(events):
        _announce(event.conversation_id, event.pk)


def _open(
    items: Sequence[Inbound],
    bodies: list[Body],
    subjects: list[str],
    fresh: list[int],
    messages: list[Message | None],
    moment: datetime,
) -> None:
    """New conversations, as ``conversation_open`` makes them (no actor, no tags)."""
    if not fresh:
        return
    conversations = Conversation.objects.bulk_create(
        [
            Conversation(
                # A subject taken from the body is flattened like a given one.
                subject=subjects[i] or " ".join(bodies[i].text[:400].split())[:80],
                channel=items[i].channel,
                status=Status.NEW,
                customer=items[i].customer,
                team=items[i].team,
                message_count=1,
                created_at=moment,
                updated_at=moment,
            )
            for i in fresh
        ]
    )
    made = Message.objects.bulk_create(
        [
            _message(items[i], bodies[i], c, moment)
            for i, c in zip(fresh, conversations, strict=True)
        ]
    )
    events: list[Event] = []
    for i, conversation, message in zip(fresh, conversations, made, strict=True):
        messages[i] = message
        events.append(_event(conversation, EventKind.CREATED, moment, new=items[i].channel))
        events.append(_event(conversation, _received(items[i]), moment, message=message))
        if items[i].team is not None:
            events.append(
                Event(
                    conversation=conversation,
                    kind=EventKind.TEAM_CHANGED,
                    new_value=_as_value(items[i].team),
                    created_at=moment,
                )
            )
    _save_events(events)


def _append(
    items: Sequence[Inbound],
    bodies: list[Body],
    indexes: list[int],
    conversations: dict[int, Conversation],
    messages: list[Message | None],
    moment: datetime,
) -> None:
    """More messages on open conversations, as ``message_receive`` records them."""
    if not indexes:
        return
    made = Message.objects.bulk_create(
        [_message(items[i], bodies[i], conversations[i], moment) for i in indexes]
    )
    events: list[Event] = []
    added: dict[int, int] = {}
    reopened: dict[int, str] = {}
    for i, message in zip(indexes, made, strict=True):
        conversation = conversations[i]
        messages[i] = message
        events.append(_event(conversation, _received(items[i]), moment, message=message))
        added[conversation.pk] = added.get(conversation.pk, 0) + 1
        status = reopened.get(conversation.pk, conversation.status)
        if not items[i].automatic and status in (Status.SOLVED, Status.PENDING):
            reopened[conversation.pk] = Status.OPEN
            if status == Status.SOLVED:
                events.append(
                    _event(conversation, EventKind.REOPENED, moment, old=status, new=Status.OPEN)
                )
            events.append(
                _event(conversation, EventKind.STATUS_CHANGED, moment, old=status, new=Status.OPEN)
            )
    _save_events(events)
    # One statement for the counts, one for the statuses; updated_at never moves back.
    Conversation.objects.filter(pk__in=added).update(
        message_count=F("message_count")
        + Case(
            *(When(pk=pk, then=Value(n)) for pk, n in added.items()),
            default=Value(0),
            output_field=IntegerField(),
        ),
        updated_at=Case(When(updated_at__lt=moment, then=Value(moment)), default=F("updated_at")),
    )
    if reopened:
        Conversation.objects.filter(pk__in=reopened).update(status=Status.OPEN)
    for conversation in {c.pk: c for c in conversations.values()}.values():
        conversation.message_count += added.get(conversation.pk, 0)
        conversation.status = reopened.get(conversation.pk, conversation.status)
        conversation.updated_at = max(conversation.updated_at, moment)
