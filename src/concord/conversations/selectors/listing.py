"""Lists of conversations: filters, keyset cursors, model rows and plain value rows."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from concord.accounts.models import User
from concord.common.errors import ValidationFailed
from concord.conversations.models import (
    Conversation,
)
from concord.conversations.selectors.access import conversation_worked_by


@dataclass(frozen=True)
class ConversationFilters:
    status: list[str] | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None
    tag: str | None = None
    customer_id: int | None = None
    channel: str | None = None
    priority: str | None = None
    updated_since: datetime | None = None
    include_merged: bool = False


@dataclass(frozen=True)
class Page:
    items: list[Conversation]
    next_cursor: str | None


def encode_cursor(conversation: Conversation) -> str:
    return _cursor_for(conversation.updated_at, conversation.pk)


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, _, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition("|")
        moment = parse_datetime(stamp)
        # We only hand out aware times and real ids; anything else was made up.
        if moment is None or timezone.is_naive(moment):
            raise ValueError(stamp)
        number = int(pk)
        if not 0 < number < 2**63:
            raise ValueError(pk)
        return moment, number
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("The cursor is not one this API gave out.", field="cursor") from None


def _cursor_for(updated_at: datetime, pk: int) -> str:
    raw = f"{updated_at.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _filtered(
    *, user: User, filters: ConversationFilters, cursor: str | None
) -> QuerySet[Conversation]:
    """The conversations the user works matching ``filters``, after ``cursor``, unordered.

    A conversation only consulted to the user's team is not in their lists:
    it is in the consult queue.
    """
    qs = conversation_worked_by(user=user)
    if not filters.include_merged:
        # Nearly every row is unmerged, but without table statistics SQLite takes
        # "merged_into_id IS NULL" for a selective index lookup and then sorts the
        # whole table. Wrapped in COALESCE it is a plain row filter, and the page
        # is read straight off the (updated_at, id) index in order.
        qs = qs.alias(_merged_into=Coalesce("merged_into_id", Value(0))).filter(_merged_into=0)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.unassigned:
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee_id is not None:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.team_id is not None:
        qs = qs.filter(team_id=filters.team_id)
    if filters.tag:
        # EXISTS rather than a join, for the same reason: walk the conversations
        # in page order and stop at the page's end, instead of sorting every
        # conversation that carries a common tag.
        tagged = Conversation.tags.through.objects.filter(
            conversation_id=OuterRef("pk"), tag__name=filters.tag.strip().lower()
        )
        qs = qs.filter(Exists(tagged))
    if filters.customer_id is not None:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.updated_since is not None:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    if cursor:
        stamp, pk = decode_cursor(cursor)
        qs = qs.filter(Q(updated_at__lt=stamp) | Q(updated_at=stamp, id__lt=pk))
    return qs


def conversation_list(
    *, user: User, filters: ConversationFilters, cursor: str | None = None, limit: int = 25
) -> Page:
    """A page of conversations, newest update first, by keyset (cursor) pagination.

    Keyset pagination keeps every page as cheap as the first at any depth; the
    related rows come in a fixed number of queries whatever the page size.
    """
    qs = _filtered(user=user, filters=filters, cursor=cursor)
    limit = max(1, min(limit, 100))
    rows = list(
        qs.select_related("customer", "team", "assignee")
        .prefetch_related(Prefetch("tags"))
        .order_by("-updated_at", "-id")[: limit + 1]
    )
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


@dataclass(frozen=True)
class RowPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


_ROW_COLUMNS = (
    "id",
    "subject",
    "status",
    "priority",
    "channel",
    "customer_id",
    "customer__name",
    "team_id",
    "team__name",
    "assignee_id",
    "assignee__username",
    "created_at",
    "updated_at",
    "message_count",
)


def _tag_names_of(ids: list[int]) -> dict[int, list[str]]:
    """Each conversation's tag names, alphabetically, in one query."""
    tags: dict[int, list[str]] = {pk: [] for pk in ids}
    if ids:
        pairs = (
            Conversation.tags.through.objects.filter(conversation_id__in=ids)
            .order_by("tag__name")
            .values_list("conversation_id", "tag__name")
        )
        for conversation_id, name in pairs:
            tags[conversation_id].append(name)
    return tags


def conversation_list_rows(
    *, user: User, filters: ConversationFilters, cursor: str | None = None, limit: int = 25
) -> RowPage:
    """The page ``conversation_list`` gives, as plain rows for the API's list.

    Two queries (the page, then its tags) and no model instances: building
    a hundred-odd model objects per page costs more than the queries do.
    Each row: id, subject, status, priority, channel, customer {id, name},
    team {id, name} | None, assignee {id, username} | None, tags [names],
    created_at, updated_at, message_count.
    """
    limit = max(1, min(limit, 100))
    found = list(
        _filtered(user=user, filters=filters, cursor=cursor)
        .order_by("-updated_at", "-id")
        .values_list(*_ROW_COLUMNS)[: limit + 1]
    )
    page = found[:limit]
    tags = _tag_names_of([row[0] for row in page])
    items = [
        {
            "id": pk,
            "subject": subject,
            "status": status,
            "priority": priority,
            "channel": channel,
            "customer": {"id": customer_id, "name": customer_name},
            "team": None if team_id is None else {"id": team_id, "name": team_name},
            "assignee": (
                None if assignee_id is None else {"id": assignee_id, "username": username}
            ),
            "tags": tags[pk],
            "created_at": created_at,
            "updated_at": updated_at,
            "message_count": message_count,
        }
        for (
            pk,
            subject,
            status,
            priority,
            channel,
            customer_id,
            customer_name,
            team_id,
            team_name,
            assignee_id,
            username,
            created_at,
            updated_at,
            message_count,
        ) in page
    ]
    last = page[-1] if page else None
    next_cursor = _cursor_for(last[12], last[0]) if last and len(found) > limit else None
    return RowPage(items=items, next_cursor=next_cursor)
