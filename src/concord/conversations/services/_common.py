"""Helpers shared by the conversation services: events, bodies, permission checks."""

from __future__ import annotations

import contextvars
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from concord.accounts.models import Role, User
from concord.common.errors import NotAllowed, ValidationFailed
from concord.common.html import html_to_text, sanitize_html, text_to_html
from concord.conversations.models import Conversation, Event, Message
from concord.conversations.signals import change_cause, conversation_changed, conversation_written
from concord.customers.models import Customer

# Roles that work conversations: reply, assign, change status. Collaborators
# are consulted through a later issue's mechanism, not through these services.
WORKING_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT})


def require_worker(actor: User) -> None:
    if actor.role not in WORKING_ROLES or not actor.is_active:
        raise NotAllowed("Only agents, supervisors and admins can do this.")


def when(at: datetime | None) -> datetime:
    """The time of a change: now, or an explicit time (imports, demo data)."""
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        raise ValidationFailed("Times must carry a time zone.", field="at")
    return at


@dataclass(frozen=True)
class Body:
    html: str
    text: str


def clean_body(*, text: str | None, html: str | None) -> Body:
    """Sanitised HTML and plain text for a message; one of the two is required."""
    limit = settings.CONCORD_MAX_MESSAGE_BYTES
    # Both parts are checked: a small html must not smuggle in an oversized text.
    for raw in (html, text):
        if raw is not None and len(raw.encode("utf-8")) > limit:
            raise ValidationFailed(f"The message body is larger than {limit} bytes.", field="body")
    if html and html.strip():
        clean = sanitize_html(html)
        plain = text.strip() if text and text.strip() else html_to_text(clean)
    elif text and text.strip():
        plain = text.strip()
        clean = text_to_html(plain)
    else:
        raise ValidationFailed("The message body is empty.", field="body")
    # An image with its source intact is content; one whose unsafe src was removed is not.
    if not plain and not re.search(r"<img[^>]*\ssrc=", clean):
        raise ValidationFailed(
            "The message body is empty once unsafe HTML is removed.", field="body"
        )
    return Body(html=clean, text=plain)


def clean_subject(subject: str) -> str:
    subject = " ".join(subject.split())  # CR/LF and runs of spaces become one space
    limit = settings.CONCORD_MAX_SUBJECT_LENGTH
    if len(subject) > limit:
        raise ValidationFailed(f"The subject is longer than {limit} characters.", field="subject")
    return subject


def record(
    conversation: Conversation,
    kind: str,
    *,
    at: datetime,
    actor: User | None = None,
    actor_customer: Customer | None = None,
    old: object = "",
    new: object = "",
    message: Message | None = None,
) -> Event:
    """Append one event and announce it once the transaction commits."""
    event = Event.objects.create(
        conversation=conversation,
        kind=kind,
        actor_user=actor,
        actor_customer=actor_customer,
        old_value=_as_value(old),
        new_value=_as_value(new),
        message=message,
        created_at=at,
    )
    _announce(conversation.pk, event.pk)
    return event


# Events written but not yet announced, per conversation and cause, in this
# thread. One change (a reply that also assigns and opens) writes several
# events; they are announced together, so listeners (the automation pipeline)
# run once per change instead of once per event.
_unannounced = threading.local()


@dataclass
class _Pending:
    ids: list[int]
    last_callback: Callable[[], None] | None = None


def _announce(conversation_id: int, event_id: int) -> None:
    by_key: dict[tuple[int, tuple[str, ...]], _Pending] = _unannounced.__dict__.setdefault(
        "pending", {}
    )
    cause = change_cause.get()
    key = (conversation_id, cause)
    pending = by_key.get(key)
    if pending is not None and not _still_registered(pending.last_callback):
        # Its transaction rolled back: those events never existed.
        pending = None
    if pending is None:
        pending = by_key[key] = _Pending(ids=[])
    pending.ids.append(event_id)
    # Listeners run in the context of the code that made the change (not that of
    # whoever commits an outer transaction later).
    context = contextvars.copy_context()
    batch = pending

    def send() -> None:
        # The first callback of the commit sends them all; the others find
        # nothing left. A callback dropped with a rolled-back savepoint loses
        # nothing: a later one sends its ids, and listeners skip ids that are gone.
        if by_key.get(key) is batch:
            del by_key[key]
        if batch.ids:
            ids, batch.ids = batch.ids, []
            context.run(
                conversation_changed.send,
                sender=Event,
                conversation_id=conversation_id,
                event_ids=ids,
                cause=cause,
            )

    pending.last_callback = send
    transaction.on_commit(send)


def _still_registered(callback: Callable[[], None] | None) -> bool:
    # Newest first: a live batch's last callback was registered moments ago, so
    # this stops after a few entries even in a transaction with thousands.
    return callback is not None and any(
        entry[1] is callback for entry in reversed(connection.run_on_commit)
    )


def _as_value(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "pk"):
        return str(value.pk)
    return str(value)[:300]


def touch(conversation: Conversation, at: datetime, fields: list[str]) -> None:
    """Save the changed fields and move ``updated_at`` forward (never back).

    Every service that changes a conversation ends here, so this is also where
    the change is published to in-transaction receivers (metrics' facts).
    """
    if conversation.updated_at is None or at > conversation.updated_at:
        conversation.updated_at = at
    conversation.save(update_fields=[*fields, "updated_at"])
    conversation_written.send(sender=Conversation, conversation_id=conversation.pk)


def lock(conversation: Conversation) -> Conversation:
    """Re-read the conversation under a row lock, so concurrent writers serialise."""
    return Conversation.objects.select_for_update().get(pk=conversation.pk)
