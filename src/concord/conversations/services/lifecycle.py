"""Status, priority and merging."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from concord.accounts.models import User
from concord.common.errors import Conflict, ValidationFailed
from concord.conversations.models import (
    TRANSITIONS,
    Conversation,
    Event,
    EventKind,
    Message,
    Priority,
    Status,
)
from concord.conversations.services._common import lock, record, require_worker, touch, when


def change_status(
    *, conversation: Conversation, status: str, actor: User | None, at: datetime
) -> list[str]:
    """Move to ``status`` inside the caller's transaction; returns the fields changed."""
    if status not in Status.values:
        raise ValidationFailed(
            f"{status!r} is not a status ({', '.join(Status.values)}).", field="status"
        )
    old = conversation.status
    if status == old:
        return []
    if status not in TRANSITIONS[old]:
        raise Conflict(f"A conversation cannot go from {old} to {status}.", field="status")
    conversation.status = status
    fields = ["status"]
    if status == Status.SOLVED:
        conversation.solved_at = at
        fields.append("solved_at")
    elif status == Status.CLOSED:
        conversation.closed_at = at
        fields.append("closed_at")
    if old == Status.SOLVED and status == Status.OPEN:
        record(conversation, EventKind.REOPENED, at=at, actor=actor, old=old, new=status)
    record(conversation, EventKind.STATUS_CHANGED, at=at, actor=actor, old=old, new=status)
    return fields


def conversation_set_status(
    *, conversation: Conversation, actor: User, status: str, at: datetime | None = None
) -> Conversation:
    require_worker(actor)
    moment = when(at)
    with transaction.atomic():
        conversation = lock(conversation)
        if conversation.merged_into_id is not None:
            raise Conflict("This conversation was merged into another one.", field="status")
        fields = change_status(conversation=conversation, status=status, actor=actor, at=moment)
        if fields:
            touch(conversation, moment, fields)
    return conversation


def conversation_set_priority(
    *, conversation: Conversation, actor: User, priority: str, at: datetime | None = None
) -> Conversation:
    if priority not in Priority.values:
        raise ValidationFailed(
            f"{priority!r} is not a priority ({', '.join(Priority.values)}).", field="priority"
        )
    return _set_label(
        conversation=conversation,
        actor=actor,
        field="priority",
        value=priority,
        kind=EventKind.PRIORITY_CHANGED,
        at=at,
    )


def conversation_set_category(
    *, conversation: Conversation, actor: User, category: str, at: datetime | None = None
) -> Conversation:
    """Label what the request is about ("billing", "shipping"); an empty string clears it."""
    category = " ".join(category.split())
    if len(category) > 100:
        raise ValidationFailed("A category is at most 100 characters.", field="category")
    return _set_label(
        conversation=conversation,
        actor=actor,
        field="category",
        value=category,
        kind=EventKind.CATEGORY_CHANGED,
        at=at,
    )


def _set_label(
    *,
    conversation: Conversation,
    actor: User,
    field: str,
    value: str,
    kind: str,
    at: datetime | None,
) -> Conversation:
    """Set one plain field (priority, category) with its event; a no-op if unchanged."""
    require_worker(actor)
    moment = when(at)
    with transaction.atomic():
        conversation = lock(conversation)
        if conversation.status == Status.CLOSED or conversation.merged_into_id is not None:
            raise Conflict("This conversation can no longer change.", field=field)
        old = getattr(conversation, field)
        if old != value:
            record(conversation, kind, at=moment, actor=actor, old=old, new=value)
            setattr(conversation, field, value)
            touch(conversation, moment, [field])
    return conversation


def conversation_merge(
    *, source: Conversation, target: Conversation, actor: User, at: datetime | None = None
) -> Conversation:
    """Merge ``source`` into ``target``: its messages, events and tags move to the target.

    The source stays as a closed stub pointing at the target, so links to it
    still lead somewhere and metrics count the request once.
    """
    require_worker(actor)
    if source.pk == target.pk:
        raise ValidationFailed("A conversation cannot be merged into itself.", field="target_id")
    moment = when(at)
    with transaction.atomic():
        # Lock in id order so two opposite merges cannot deadlock.
        first, second = sorted([source.pk, target.pk])
        locked = {
            c.pk: c for c in Conversation.objects.select_for_update().filter(pk__in=[first, second])
        }
        source, target = locked[source.pk], locked[target.pk]
        for conv, role in ((source, "source"), (target, "target_id")):
            if conv.merged_into_id is not None:
                raise Conflict(f"Conversation #{conv.pk} was already merged.", field=role)
        if target.status == Status.CLOSED:
            raise Conflict(f"Conversation #{target.pk} is closed.", field="target_id")
        moved = Message.objects.filter(conversation=source).update(conversation=target)
        # Events that an earlier merge brought into the source keep their first home.
        Event.objects.filter(conversation=source).update(
            conversation=target, merged_from=Coalesce(F("merged_from"), Value(source.pk))
        )
        target_tag_ids = set(target.tags.values_list("id", flat=True))
        for tag in source.tags.all():
            if tag.pk not in target_tag_ids:
                target.tags.add(tag)
                record(target, EventKind.TAG_ADDED, at=moment, actor=actor, new=tag.name)
        source.tags.clear()
        old_status = source.status
        source.merged_into = target
        source.status = Status.CLOSED
        source.closed_at = moment
        source.message_count = 0
        record(source, EventKind.MERGED, at=moment, actor=actor, old=old_status, new=target)
        touch(source, moment, ["merged_into", "status", "closed_at", "message_count"])
        record(target, EventKind.MERGED_IN, at=moment, actor=actor, new=source)
        target.message_count = F("message_count") + moved
        touch(target, moment, ["message_count"])
        target.refresh_from_db(fields=["message_count"])
    return target
