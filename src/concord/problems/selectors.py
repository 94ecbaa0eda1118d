"""Reads for problems and feature requests, and the one access rule for them.

Staff who work conversations (agents, supervisors, admins) read every problem:
they need to find the one their customer's report belongs to. A collaborator
(a member of another department) reads only the problems their team owns.
Changing a problem (status, note, announcing) is for its owning team,
supervisors and admins; linking a conversation needs the right to work it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from concord.accounts.models import Role, Team, User
from concord.common.errors import NotFound
from concord.conversations.models import Conversation
from concord.conversations.selectors import conversation_visible_to
from concord.customers.models import Customer
from concord.problems.models import (
    Announcement,
    AnnouncementRecipient,
    Problem,
    ProblemEvent,
    ProblemKind,
    ProblemLink,
    ProblemVote,
    RecipientState,
)

_READ_ALL = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT})


def _own_team(user: User) -> Q:
    mine = Team.members.through.objects.filter(team_id=OuterRef("team_id"), user_id=user.pk)
    return Q(Exists(mine))


def problem_visible_to(*, user: User) -> QuerySet[Problem]:
    """The problems and feature requests ``user`` may read (the one rule; 404 for the rest)."""
    qs = Problem.objects.all()
    if not user.is_active:
        return qs.none()
    if user.role in _READ_ALL:
        return qs
    if user.role == Role.COLLABORATOR:
        return qs.filter(_own_team(user))
    return qs.none()


def problem_get_for_user(*, user: User, problem_id: int) -> Problem:
    problem = (
        problem_visible_to(user=user)
        .select_related("team", "created_by")
        .filter(pk=problem_id)
        .first()
    )
    if problem is None:
        raise NotFound(f"Problem {problem_id} not found.")
    return problem


def problem_may_manage(*, user: User, problem: Problem) -> bool:
    """Whether ``user`` may edit it, move its status and tell its customers."""
    if not user.is_active:
        return False
    if user.role in (Role.ADMIN, Role.SUPERVISOR):
        return True
    if user.role not in (Role.AGENT, Role.COLLABORATOR):
        return False
    return Team.members.through.objects.filter(team_id=problem.team_id, user_id=user.pk).exists()


def problem_list(
    *,
    user: User,
    kind: str | None = None,
    status: str | None = None,
    open_only: bool = False,
    search: str = "",
) -> QuerySet[Problem]:
    """Visible problems with their link and customer counts, newest first."""
    qs = problem_visible_to(user=user).select_related("team")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(closed_at__isnull=True)
    if search.strip():
        qs = qs.filter(title__icontains=search.strip())
    # One subquery per count, not Count(distinct) over joins: joining links and
    # votes together multiplies them (a problem's links times its votes).
    return qs.annotate(
        link_count=count_per_problem(ProblemLink, Count("pk")),
        customer_count=count_per_problem(
            ProblemLink, Count("conversation__customer", distinct=True)
        ),
        vote_count=count_per_problem(ProblemVote, Count("pk")),
    ).order_by("-created_at", "-id")


def count_per_problem(
    model: type[ProblemLink] | type[ProblemVote], count: Count | None = None, **filters: Any
) -> Coalesce:
    """``count`` (default: rows) over ``model``'s rows of each problem matching ``filters``,
    as a correlated subquery (0 if none); joining links and votes would multiply them."""
    rows = (
        model.objects.filter(problem_id=OuterRef("pk"), **filters)
        .order_by()
        .values("problem_id")
        .annotate(n=count if count is not None else Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def problems_for_conversation(*, user: User, conversation: Conversation) -> list[Problem]:
    """The problems a conversation is linked to, among those ``user`` may read."""
    return list(
        problem_visible_to(user=user)
        .filter(links__conversation_id=conversation.pk)
        .select_related("team")
        .order_by("created_at", "id")
    )


def problem_linked_conversations(
    *, user: User, problem: Problem, limit: int = 200
) -> list[Conversation]:
    """Linked conversations ``user`` may read (a collaborator sees only those consulted to them)."""
    links = ProblemLink.objects.filter(problem_id=problem.pk)
    count = links.count()
    newest = Conversation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if user.role != Role.COLLABORATOR and count * count > limit * newest:
        # Many links: walking the conversations newest first meets ``limit``
        # linked ones after about limit * all / count of them, fewer rows than
        # reading every link and sorting (a collaborator sees few, so never).
        wanted = Q(Exists(links.filter(conversation_id=OuterRef("pk"))))
    else:
        # Few links (most problems): read them through the problem's index,
        # rather than probing the conversations until the history runs out.
        wanted = Q(pk__in=links.values("conversation_id"))
    return list(
        conversation_visible_to(user=user)
        .filter(wanted)
        .select_related("customer", "customer__organization", "assignee", "team")
        .order_by("-updated_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class Impact:
    """Who a problem touches: counts over every linked conversation, whoever reads them."""

    conversations: int
    open_conversations: int
    customers: int
    by_channel: list[tuple[str, int]]
    by_tier: list[tuple[str, int]]
    organizations: list[tuple[str, int]]  # the biggest first, at most ten
    votes: int


def problem_impact(*, problem: Problem) -> Impact:
    from concord.conversations.models import Channel, Status
    from concord.customers.models import Tier

    links = ProblemLink.objects.filter(problem_id=problem.pk)
    conversations = Conversation.objects.filter(problem_links__problem_id=problem.pk)
    customers = Customer.objects.filter(conversations__problem_links__problem_id=problem.pk)
    channel_labels = dict(Channel.choices)
    tier_labels = dict(Tier.choices)
    # Two passes over the links, not five: conversations by channel and status,
    # customers by tier and organization; the figures are sums of those groups
    # (each conversation has one channel and status, each customer one tier and
    # organization, so distinct customers per group add up without counting twice).
    per_channel: dict[str, int] = {}
    open_conversations = 0
    closed = {Status.SOLVED, Status.CLOSED}
    for row in conversations.values("channel", "status").annotate(n=Count("id")).order_by():
        per_channel[row["channel"]] = per_channel.get(row["channel"], 0) + row["n"]
        if row["status"] not in closed:
            open_conversations += row["n"]
    per_tier: dict[str, int] = {}
    per_organization: dict[str, int] = {}
    for group in (
        customers.values("tier", "organization__name")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    ):
        per_tier[group["tier"]] = per_tier.get(group["tier"], 0) + group["n"]
        name = group["organization__name"]
        if name is not None:
            per_organization[name] = per_organization.get(name, 0) + group["n"]
    by_channel = [
        (channel_labels.get(channel, channel), n)
        for channel, n in sorted(per_channel.items(), key=lambda item: -item[1])
    ]
    by_tier = [
        (tier_labels.get(tier, tier), n)
        for tier, n in sorted(per_tier.items(), key=lambda item: -item[1])
    ]
    organizations = sorted(per_organization.items(), key=lambda item: (-item[1], item[0]))[:10]
    return Impact(
        conversations=links.count(),
        open_conversations=open_conversations,
        customers=sum(per_tier.values()),
        by_channel=by_channel,
        by_tier=by_tier,
        organizations=organizations,
        votes=problem.votes.count(),
    )


def problem_events(*, problem: Problem) -> QuerySet[ProblemEvent]:
    return ProblemEvent.objects.filter(problem_id=problem.pk).select_related("actor")


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    opted_out: int
    skipped: int
    pending: int

    @property
    def done(self) -> int:
        return self.total - self.pending


def announcement_progress(*, announcement: Announcement) -> Progress:
    counts = dict(
        AnnouncementRecipient.objects.filter(announcement_id=announcement.pk)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return Progress(
        total=sum(counts.values()),
        sent=counts.get(RecipientState.SENT, 0),
        opted_out=counts.get(RecipientState.OPTED_OUT, 0),
        skipped=counts.get(RecipientState.SKIPPED, 0),
        pending=counts.get(RecipientState.PENDING, 0),
    )


def announcement_latest(*, problem: Problem) -> Announcement | None:
    return Announcement.objects.filter(problem_id=problem.pk).order_by("-created_at", "-id").first()


def announcement_get(*, problem: Problem, announcement_id: int) -> Announcement:
    found = Announcement.objects.filter(problem_id=problem.pk, pk=announcement_id).first()
    if found is None:
        raise NotFound(f"Announcement {announcement_id} not found.")
    return found


def feature_requests_for_portal(*, customer: Customer | None) -> list[Problem]:
    """Feature requests customers may vote on, most wanted first, with the customer's votes."""
    qs = (
        Problem.objects.filter(kind=ProblemKind.FEATURE, portal_visible=True)
        .annotate(vote_count=Count("votes", distinct=True))
        .order_by("-vote_count", "-created_at")
    )
    if customer is not None:
        qs = qs.annotate(
            voted=Exists(
                ProblemVote.objects.filter(problem_id=OuterRef("pk"), customer_id=customer.pk)
            )
        )
    return list(qs[:200])


def problem_public_notes(*, conversation: Conversation) -> list[Problem]:
    """Problems linked to a customer's conversation that have a note for them.

    A problem's title is internal (it may quote another customer's words), so
    the help centre shows the note alone; a feature request is shown with its
    title only when it is listed for voting, where the title is public anyway.
    """
    return list(
        Problem.objects.filter(links__conversation_id=conversation.pk)
        .filter(Q(kind=ProblemKind.PROBLEM) | Q(portal_visible=True))
        .exclude(public_note="")
        .order_by("created_at", "id")
    )


def problem_panel(
    *, user: User, conversation: Conversation, with_choices: bool, limit: int = 100
) -> tuple[list[Problem], list[Problem]]:
    """The conversation page's problems in one query: those it is linked to, and open ones to pick.

    Returns (linked, choices); choices leave out the linked ones, newest first.
    """
    linked_here = ProblemLink.objects.filter(
        problem_id=OuterRef("pk"), conversation_id=conversation.pk
    )
    wanted = Q(Exists(linked_here))
    if with_choices:
        wanted |= Q(closed_at__isnull=True)
    rows: list[Problem] = list(
        problem_visible_to(user=user)
        .filter(wanted)
        .annotate(is_linked=Exists(linked_here))
        .only("pk", "title", "kind", "status")
        .order_by("-is_linked", "-created_at", "-id")[: limit + 50]
    )
    linked = [p for p in rows if getattr(p, "is_linked", False)]
    choices = [p for p in rows if not getattr(p, "is_linked", False)][:limit]
    return list(reversed(linked)), choices
