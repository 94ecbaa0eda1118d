"""The demand report for product teams: feature requests by votes, revenue asking, and trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from concord.accounts.models import User
from concord.customers.selectors import revenue_of
from concord.problems.models import Problem, ProblemKind, ProblemLink, ProblemVote
from concord.problems.selectors import count_per_problem, problem_visible_to

TREND_DAYS = 30


@dataclass(frozen=True)
class DemandRow:
    problem: Problem
    votes: int
    linked: int  # conversations linked as demand
    customers: int  # distinct customers asking (voters and linked)
    revenue: Decimal  # their organizations' spend over the past year
    recent: int  # votes and links in the last 30 days
    before: int  # in the 30 days before that

    @property
    def trend(self) -> str:
        if self.recent > self.before:
            return "rising"
        if self.recent < self.before:
            return "falling"
        return "steady"


def feature_demand(
    *, user: User, order: str = "votes", now: datetime | None = None, limit: int = 200
) -> list[DemandRow]:
    """Open and planned feature requests ``user`` may read, ranked by ``order``.

    ``order``: votes, revenue, or trend (growth over the previous 30 days).
    """
    moment = now or timezone.now()
    recent_from = moment - timedelta(days=TREND_DAYS)
    before_from = recent_from - timedelta(days=TREND_DAYS)
    requests = list(
        problem_visible_to(user=user)
        .filter(kind=ProblemKind.FEATURE)
        .select_related("team")
        # One subquery per figure, not Count(distinct) over joins: joining
        # votes and links together multiplies them (votes times links per request).
        .annotate(
            vote_count=count_per_problem(ProblemVote),
            link_count=count_per_problem(ProblemLink),
            recent_votes=count_per_problem(ProblemVote, created_at__gte=recent_from),
            before_votes=count_per_problem(
                ProblemVote, created_at__gte=before_from, created_at__lt=recent_from
            ),
            recent_links=count_per_problem(ProblemLink, linked_at__gte=recent_from),
            before_links=count_per_problem(
                ProblemLink, linked_at__gte=before_from, linked_at__lt=recent_from
            ),
        )
        # Shipped and declined requests are no longer demand. The ``limit`` most
        # asked for (votes and links) are kept, then ranked by ``order`` below;
        # by id, the newest would fall off once there are more than ``limit``.
        .filter(closed_at__isnull=True)
        .order_by((F("vote_count") + F("link_count")).desc(), "-pk")[:limit]
    )
    ids = [p.pk for p in requests]
    askers: dict[int, set[int]] = {pk: set() for pk in ids}
    for problem_id, customer_id in ProblemVote.objects.filter(problem_id__in=ids).values_list(
        "problem_id", "customer_id"
    ):
        askers[problem_id].add(customer_id)
    for problem_id, customer_id in ProblemLink.objects.filter(problem_id__in=ids).values_list(
        "problem_id", "conversation__customer_id"
    ):
        askers[problem_id].add(customer_id)
    year_ago = moment - timedelta(days=365)
    rows = [
        DemandRow(
            problem=p,
            votes=p.vote_count,
            linked=p.link_count,
            customers=len(askers[p.pk]),
            revenue=revenue_of(customer_ids=askers[p.pk], since=year_ago),
            recent=p.recent_votes + p.recent_links,
            before=p.before_votes + p.before_links,
        )
        for p in requests
    ]
    keys = {
        "revenue": lambda r: (r.revenue, r.votes),
        "trend": lambda r: (r.recent - r.before, r.recent),
    }
    rows.sort(key=keys.get(order, lambda r: (r.votes + r.linked, r.revenue)), reverse=True)
    return rows
