"""Reads for conversations, with the one access rule every interface uses."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from concord.accounts.models import Role, Team, User
from concord.common.errors import NotFound, ValidationFailed
from concord.conversations.models import (
    Attachment,
    Conversation,
    Event,
    Message,
    Status,
    Tag,
    Visibility,
)
from concord.customers.models import Customer


def conversation_visible_to(*, user: User) -> QuerySet[Conversation]:
    """The one place that says which conversations a user may reach.

    Admins and supervisors see all; agents those of their teams, those with
    no team yet, and those assigned to them; a customer their own, and their organization's when it
    shares conversations; collaborators nothing yet (consultations come later).
    """
    qs = Conversation.objects.all()
    if not user.is_active:
        return qs.none()
    if user.role in (Role.ADMIN, Role.SUPERVISOR):
        return qs
    if user.role == Role.AGENT:
        in_my_team = Team.members.through.objects.filter(
            team_id=OuterRef("team_id"), user_id=user.pk
        )
        # A conversation with no team yet is in the shared triage queue, which
        # every agent works; once a team owns it, only that team's agents (and
        # whoever it is assigned to) see it.
        return qs.filter(Q(assignee_id=user.pk) | Q(team__isnull=True) | Exists(in_my_team))
    if user.role == Role.CUSTOMER:
        own = Customer.objects.filter(user_id=user.pk)
        shared_org = Customer.objects.filter(
            user_id=user.pk,
            organization__isnull=False,
            organization__shares_conversations=True,
            organization_id=OuterRef("customer__organization_id"),
        )
        return qs.filter(Q(customer__in=own) | Exists(shared_org))
    return qs.none()


def conversation_get_for_user(*, user: User, conversation_id: int) -> Conversation:
    """The conversation if ``user`` may reach it; otherwise NotFound, whichever the reason."""
    conversation = (
        conversation_visible_to(user=user)
        .select_related("customer", "customer__organization", "team", "assignee", "merged_into")
        .prefetch_related("tags")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound(f"Conversation {conversation_id} not found.")
    return conversation


def message_list(
    *, user: User, conversation: Conversation, with_attachments: bool = False
) -> QuerySet[Message]:
    """The timeline's messages; customers never see internal notes.

    ``with_attachments`` loads every message's files in one more query, as a
    list in ``attachment_list`` (a plain list is cheaper for templates).
    """
    qs = conversation.messages.select_related("author_user", "author_customer")
    if with_attachments:
        qs = qs.prefetch_related(Prefetch("attachments", to_attr="attachment_list"))
    if user.role == Role.CUSTOMER:
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return qs.order_by("created_at", "id")


def event_list(
    *, user: User, conversation: Conversation, exclude_kinds: Collection[str] = ()
) -> QuerySet[Event]:
    """The event log, for staff only (it mentions internal notes and assignees).

    ``exclude_kinds`` leaves out events a caller would only drop (the workspace
    timeline shows messages themselves, not their "replied" events).
    """
    if user.role == Role.CUSTOMER:
        return Event.objects.none()
    qs = conversation.events.select_related("actor_user", "actor_customer")
    if exclude_kinds:
        qs = qs.exclude(kind__in=list(exclude_kinds))
    return qs.order_by("created_at", "id")


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
    """The visible conversations matching ``filters``, after ``cursor``, unordered."""
    qs = conversation_visible_to(user=user)
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


def conversation_recent_for_customer(
    *, user: User, customer: Customer, limit: int = 20
) -> list[Conversation]:
    """A customer's latest conversations on every channel, as far as ``user`` may see them."""
    return list(
        conversation_visible_to(user=user)
        .filter(customer=customer, merged_into__isnull=True)
        .select_related("team", "assignee")
        .order_by("-updated_at", "-id")[:limit]
    )


def conversation_any_exist() -> bool:
    """Whether the database holds any conversation yet (``concord serve --demo-if-empty``)."""
    return Conversation.objects.exists()


def conversation_user_works(*, user: User) -> bool:
    """Whether ``user`` may work conversations (reply, assign, change status, merge).

    Interfaces ask this before resolving the ids a request names, so a customer
    or collaborator learns "not allowed", never which users or teams exist.
    The services enforce the same rule.
    """
    from concord.conversations.services._common import WORKING_ROLES

    return user.is_active and user.role in WORKING_ROLES


def conversation_role_works(*, role: str) -> bool:
    """``conversation_user_works`` for an active user of ``role``, when only the role is at hand."""
    from concord.conversations.services._common import WORKING_ROLES

    return role in WORKING_ROLES


def conversation_customer_may_write(*, user: User, conversation: Conversation) -> bool:
    """Whether ``user`` may post as the customer: only the customer the conversation is with.

    A colleague who sees it through a shared organization may read it but not
    write in someone else's name.
    """
    return (
        user.is_active and user.role == Role.CUSTOMER and conversation.customer.user_id == user.pk
    )


def attachment_get_for_user(*, user: User, attachment_id: int) -> Attachment:
    """The attachment if ``user`` may see its message; otherwise NotFound.

    A file on an internal note is as private as the note: customers never get it.
    """
    qs = Attachment.objects.select_related("message").filter(
        pk=attachment_id,
        message__conversation__in=conversation_visible_to(user=user).values("pk"),
    )
    if user.role == Role.CUSTOMER:
        qs = qs.filter(message__visibility=Visibility.PUBLIC)
    attachment = qs.first()
    if attachment is None:
        raise NotFound(f"Attachment {attachment_id} not found.")
    return attachment


# ---- the agent workspace's inbox -------------------------------------------

# The inbox's views, in the order the workspace lists them, with their labels.
INBOX_VIEWS: dict[str, str] = {
    "mine": "My open",
    "unassigned": "Unassigned",
    "my_teams": "My teams",
    "all": "All",
    "pending": "Pending",
    "on_hold": "On hold",
    "solved": "Solved",
}
_UNSOLVED = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


def _inbox_view_q(*, user: User, view: str) -> Q:
    if view == "mine":
        return Q(assignee_id=user.pk, status__in=(Status.NEW, Status.OPEN))
    if view == "unassigned":
        return Q(assignee__isnull=True, status__in=_UNSOLVED)
    if view == "my_teams":
        mine = Team.members.through.objects.filter(user_id=user.pk).values("team_id")
        return Q(team_id__in=mine, status__in=_UNSOLVED)
    if view == "all":
        return Q()
    if view == "pending":
        return Q(status=Status.PENDING)
    if view == "on_hold":
        return Q(status=Status.ON_HOLD)
    if view == "solved":
        return Q(status__in=(Status.SOLVED, Status.CLOSED))
    raise ValidationFailed(f"{view!r} is not an inbox view.", field="view")


def conversation_view_counts(*, user: User) -> dict[str, int]:
    """How many visible, unmerged conversations each inbox view holds, in one query."""
    counts = {view: Count("pk", filter=_inbox_view_q(user=user, view=view)) for view in INBOX_VIEWS}
    found = _filtered(user=user, filters=ConversationFilters(), cursor=None).aggregate(**counts)
    return {view: int(found[view] or 0) for view in INBOX_VIEWS}


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One inbox line as plain values.

    Fifty rows of model instances (with customer, team and assignee) cost
    more than every query of the inbox together.
    """

    pk: int
    subject: str
    status: str
    priority: str
    channel: str
    customer_id: int
    customer_name: str
    team_name: str | None
    assignee_name: str | None  # as str(assignee): full name, else username
    tags: list[str]
    updated_at: datetime


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxRow]
    next_cursor: str | None


_INBOX_COLUMNS = (
    "id",
    "subject",
    "status",
    "priority",
    "channel",
    "customer_id",
    "customer__name",
    "team__name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "updated_at",
)


def _inbox_row(row: tuple[Any, ...], tags: list[str]) -> InboxRow:
    (pk, subject, status, priority, channel, customer_id, customer_name, team_name) = row[:8]
    username, first, last, updated_at = row[8:]
    return InboxRow(
        pk=pk,
        subject=subject,
        status=status,
        priority=priority,
        channel=channel,
        customer_id=customer_id,
        customer_name=customer_name or f"Customer {customer_id}",  # as Customer.__str__
        team_name=team_name,
        assignee_name=(f"{first} {last}".strip() or username) if username else None,
        tags=tags,
        updated_at=updated_at,
    )


def conversation_inbox(
    *,
    user: User,
    view: str,
    filters: ConversationFilters,
    oldest_first: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> InboxPage:
    """A page of one inbox view, by last update (newest or oldest first), keyset-paginated.

    Oldest first puts the conversations that have waited longest since anything
    happened on top. Three queries whatever the page size: ids, rows, tags.
    """
    qs = _filtered(user=user, filters=filters, cursor=None).filter(
        _inbox_view_q(user=user, view=view)
    )
    if cursor:
        stamp, pk = decode_cursor(cursor)
        if oldest_first:
            qs = qs.filter(Q(updated_at__gt=stamp) | Q(updated_at=stamp, id__gt=pk))
        else:
            qs = qs.filter(Q(updated_at__lt=stamp) | Q(updated_at=stamp, id__lt=pk))
    order = ("updated_at", "id") if oldest_first else ("-updated_at", "-id")
    limit = max(1, min(limit, 100))
    # The page's ids first, then its rows with their joins. When SQLite has to
    # sort (a view that matches most of a status index), it then sorts bare
    # (updated_at, id) pairs keeping only the top few, instead of joining the
    # customer, team and assignee of every matching row before sorting.
    ids = list(qs.order_by(*order).values_list("id", flat=True)[: limit + 1])
    found = {
        row[0]: row for row in Conversation.objects.filter(pk__in=ids).values_list(*_INBOX_COLUMNS)
    }
    tags = _tag_names_of(ids)
    rows = [_inbox_row(found[pk], tags[pk]) for pk in ids if pk in found]
    last_row = rows[limit - 1] if len(rows) > limit else None
    next_cursor = _cursor_for(last_row.updated_at, last_row.pk) if last_row else None
    return InboxPage(items=rows[:limit], next_cursor=next_cursor)


def tag_names(*, limit: int = 500) -> list[str]:
    """Known tag names, alphabetically, for pickers and filters."""
    return list(Tag.objects.order_by("name").values_list("name", flat=True)[:limit])


def conversation_last_event_id() -> int:
    """The newest event's id: a cheap version stamp for caches (0 when there is none).

    Every change to a conversation appends an event, so a new id means
    something changed. One lookup on the primary key.
    """
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
