"""Reads for conversations, with the one access rule every interface uses."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from concord.accounts.models import Role, Team, User
from concord.common.errors import NotFound, ValidationFailed
from concord.conversations.models import Conversation, Event, Message, Visibility
from concord.customers.models import Customer


def conversation_visible_to(*, user: User) -> QuerySet[Conversation]:
    """The one place that says which conversations a user may reach.

    Admins and supervisors see all; agents those of their teams and those
    assigned to them; a customer their own, and their organization's when it
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
        return qs.filter(Q(assignee_id=user.pk) | Exists(in_my_team))
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


def message_list(*, user: User, conversation: Conversation) -> QuerySet[Message]:
    """The timeline's messages; customers never see internal notes."""
    qs = conversation.messages.select_related("author_user", "author_customer")
    if user.role == Role.CUSTOMER:
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return qs.order_by("created_at", "id")


def event_list(*, user: User, conversation: Conversation) -> QuerySet[Event]:
    """The event log, for staff only (it mentions internal notes and assignees)."""
    if user.role == Role.CUSTOMER:
        return Event.objects.none()
    return conversation.events.select_related("actor_user", "actor_customer").order_by(
        "created_at", "id"
    )


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
    raw = f"{conversation.updated_at.isoformat()}|{conversation.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


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


def conversation_list(
    *, user: User, filters: ConversationFilters, cursor: str | None = None, limit: int = 25
) -> Page:
    """A page of conversations, newest update first, by keyset (cursor) pagination.

    Keyset pagination keeps every page as cheap as the first at any depth; the
    related rows come in a fixed number of queries whatever the page size.
    """
    qs = conversation_visible_to(user=user)
    if not filters.include_merged:
        qs = qs.filter(merged_into__isnull=True)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.unassigned:
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee_id is not None:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.team_id is not None:
        qs = qs.filter(team_id=filters.team_id)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag.strip().lower())
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
    limit = max(1, min(limit, 100))
    rows = list(
        qs.select_related("customer", "team", "assignee")
        .prefetch_related(Prefetch("tags"))
        .order_by("-updated_at", "-id")[: limit + 1]
    )
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


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


def conversation_customer_may_write(*, user: User, conversation: Conversation) -> bool:
    """Whether ``user`` may post as the customer: only the customer the conversation is with.

    A colleague who sees it through a shared organization may read it but not
    write in someone else's name.
    """
    return (
        user.is_active and user.role == Role.CUSTOMER and conversation.customer.user_id == user.pk
    )
