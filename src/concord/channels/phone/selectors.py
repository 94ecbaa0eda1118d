"""Reads for call records, with the one access rule every interface uses.

A call is as visible as the conversation it belongs to: staff who may work
conversations see the calls of the conversations they can see. Customers and
collaborators see no call records (they hold internal facts: hold time, the
agent, a recording link).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from concord.accounts.models import User
from concord.channels.phone.models import CallRecord, CallRecordChange
from concord.common.errors import NotFound
from concord.conversations.models import Conversation
from concord.conversations.selectors import conversation_user_works, conversation_visible_to

MAX_PAGE = 200


def call_visible_to(*, user: User) -> QuerySet[CallRecord]:
    if not conversation_user_works(user=user):
        return CallRecord.objects.none()
    return CallRecord.objects.filter(
        conversation__in=conversation_visible_to(user=user).values("pk")
    )


def call_any_exist() -> bool:
    """Whether any call is recorded yet (demo data goes only into an empty table)."""
    return CallRecord.objects.exists()


def call_get_for_user(*, user: User, call_id: int) -> CallRecord:
    """The call if ``user`` may see its conversation; otherwise NotFound, whichever the reason."""
    call = (
        call_visible_to(user=user)
        .select_related("customer", "agent", "team")
        .filter(pk=call_id)
        .first()
    )
    if call is None:
        raise NotFound(f"Call {call_id} not found.")
    return call


def call_changes(*, call: CallRecord) -> list[CallRecordChange]:
    """The corrections the telephony system sent for this call, oldest first."""
    return list(call.changes.select_related("actor").order_by("changed_at", "id"))


@dataclass(frozen=True)
class CallFilters:
    customer_id: int | None = None
    agent_id: int | None = None
    since: datetime | None = None  # queued at or after


def call_list(
    *, user: User, filters: CallFilters, limit: int = 50, offset: int = 0
) -> list[CallRecord]:
    """Calls the user may see, newest first."""
    qs = call_visible_to(user=user)
    if filters.customer_id is not None:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.agent_id is not None:
        qs = qs.filter(agent_id=filters.agent_id)
    if filters.since is not None:
        qs = qs.filter(queued_at__gte=filters.since)
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    return list(
        qs.select_related("customer", "agent", "team").order_by("-queued_at", "-id")[
            offset : offset + limit
        ]
    )


def calls_for_conversation(*, user: User, conversation: Conversation) -> list[CallRecord]:
    """The calls about a conversation, oldest first, for its page.

    Calls about a conversation that was merged into this one count as this
    one's: the merge moved their messages here, the calls follow.
    """
    if not conversation_user_works(user=user):
        return []
    return list(
        CallRecord.objects.filter(
            Q(conversation_id=conversation.pk) | Q(conversation__merged_into_id=conversation.pk)
        )
        .select_related("agent")
        .order_by("queued_at", "id")
    )


def calls_for_customer(*, user: User, customer_id: int, limit: int = 20) -> list[CallRecord]:
    """The customer's latest calls the user may see, newest first, for the 360° view."""
    return list(
        call_visible_to(user=user)
        .filter(customer_id=customer_id)
        .select_related("agent")
        .order_by("-queued_at", "-id")[: max(0, limit)]
    )
