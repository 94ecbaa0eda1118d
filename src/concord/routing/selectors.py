"""Reads for routing: its settings, rules, agents' load and the waiting queue.

The conversation reads here (text, load, queue, training samples) are shaped for
routing alone, so they live with routing; they never write.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Value, When

from concord.accounts.models import Role, User
from concord.conversations.models import Conversation, Direction, Message, Priority, Status
from concord.routing.models import (
    AUTOMATIC_STRATEGIES,
    AgentStatus,
    Availability,
    ClassifierModel,
    RoutingDecision,
    RoutingSettings,
    TeamRouting,
    TriageRule,
)

# An agent's load: conversations assigned to them in these statuses. Pending
# (waiting on the customer) and on hold (waiting on another team) still count,
# because the agent owns their outcome and will pick them up again.
OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)

# Who can be given conversations (as conversations.services.check_assignment demands).
ASSIGNABLE_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)

PRIORITY_ORDER = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)


@dataclass(frozen=True)
class Policy:
    """The routing settings row as plain values (defaults when there is no row)."""

    confidence_threshold: float
    high_value_tiers: frozenset[str]
    high_value_organization_ids: frozenset[int]
    high_value_priority: str  # "" = one step up
    high_value_team_id: int | None


def routing_policy() -> Policy:
    row = RoutingSettings.objects.filter(pk=1).first()
    if row is None:
        return Policy(
            confidence_threshold=RoutingSettings._meta.get_field("confidence_threshold").default,
            high_value_tiers=frozenset(),
            high_value_organization_ids=frozenset(),
            high_value_priority="",
            high_value_team_id=None,
        )
    return Policy(
        confidence_threshold=row.confidence_threshold,
        high_value_tiers=frozenset(row.high_value_tiers or []),
        high_value_organization_ids=frozenset(
            row.high_value_organizations.values_list("id", flat=True)
        ),
        high_value_priority=row.high_value_priority,
        high_value_team_id=row.high_value_team_id,
    )


def active_rules() -> list[TriageRule]:
    return list(
        TriageRule.objects.filter(is_active=True)
        .prefetch_related("organizations")
        .order_by("position", "id")
    )


def decision_exists(*, conversation_id: int) -> bool:
    return RoutingDecision.objects.filter(conversation_id=conversation_id).exists()


def _first_inbound_text() -> Subquery:
    return Subquery(
        Message.objects.filter(conversation=OuterRef("pk"), direction=Direction.INBOUND)
        .order_by("created_at", "id")
        .values("body_text")[:1]
    )


def conversation_text(*, conversation_id: int) -> str:
    """The subject and the customer's first message: what triage and the classifier read."""
    row = (
        Conversation.objects.filter(pk=conversation_id)
        .annotate(first_text=_first_inbound_text())
        .values_list("subject", "first_text")
        .first()
    )
    if row is None:
        return ""
    return join_text(row[0], row[1])


def join_text(subject: str | None, body: str | None) -> str:
    return f"{subject or ''}\n{body or ''}".strip()


@dataclass(frozen=True)
class Sample:
    text: str
    category: str
    team_id: int | None


def training_samples(*, limit: int) -> list[Sample]:
    """Solved and closed conversations, newest first: the installation's own labelled history."""
    rows = (
        Conversation.objects.filter(
            status__in=[Status.SOLVED, Status.CLOSED], merged_into__isnull=True
        )
        .order_by("-id")
        .annotate(first_text=_first_inbound_text())
        .values_list("subject", "first_text", "category", "team_id")[:limit]
    )
    return [
        Sample(text=join_text(subject, body), category=category, team_id=team_id)
        for subject, body, category, team_id in rows
    ]


def live_classifier() -> ClassifierModel | None:
    return ClassifierModel.objects.order_by("-id").first()


def conversation_for_update(*, conversation_id: int) -> Conversation | None:
    """The conversation under a row lock (inside the caller's transaction)."""
    return Conversation.objects.select_for_update().filter(pk=conversation_id).first()


def team_routing(*, team_id: int) -> TeamRouting | None:
    return TeamRouting.objects.filter(team_id=team_id).first()


def automatic_team_ids() -> list[int]:
    return list(
        TeamRouting.objects.filter(strategy__in=AUTOMATIC_STRATEGIES)
        .order_by("team_id")
        .values_list("team_id", flat=True)
    )


def team_candidates_for_update(*, team_id: int) -> list[AgentStatus]:
    """Members who may take new work now, their status rows locked, in user-id order.

    Active, in a role that takes conversations, online, capacity above 0. Call
    inside a transaction; the user rows come along unlocked.
    """
    return list(
        AgentStatus.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(
            user__teams__id=team_id,
            user__is_active=True,
            user__role__in=ASSIGNABLE_ROLES,
            availability=Availability.ONLINE,
            capacity__gt=0,
        )
        .order_by("user_id")
    )


def agent_loads(*, user_ids: list[int]) -> dict[int, int]:
    """How many open conversations each agent holds (see ``OPEN_STATUSES``)."""
    loads = dict.fromkeys(user_ids, 0)
    rows = (
        Conversation.objects.filter(
            assignee_id__in=user_ids, status__in=OPEN_STATUSES, merged_into__isnull=True
        )
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    for user_id, n in rows:
        loads[user_id] = n
    return loads


def agent_status(*, user: User) -> AgentStatus | None:
    return AgentStatus.objects.filter(user=user).first()


def agent_load(*, user: User) -> int:
    return agent_loads(user_ids=[user.pk])[user.pk]


def waiting_conversation_ids(*, team_id: int, limit: int) -> list[int]:
    """Unassigned open conversations in the team's queue: most urgent first, then oldest."""
    rank = Case(
        *(When(priority=p, then=Value(i)) for i, p in enumerate(PRIORITY_ORDER)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return list(
        Conversation.objects.filter(
            team_id=team_id,
            assignee__isnull=True,
            status__in=OPEN_STATUSES,
            merged_into__isnull=True,
        )
        .annotate(rank=rank)
        .order_by("-rank", "created_at", "id")
        .values_list("id", flat=True)[:limit]
    )
