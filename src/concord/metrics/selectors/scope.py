"""The rows a query looks at, and the one-query aggregation over period and buckets."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import Aggregate, Model, Q, QuerySet

from concord.accounts.services import SYSTEM_USERNAME
from concord.conversations.models import Conversation, Direction, Message, Tag, Visibility
from concord.metrics.selectors.query import (
    BucketResult,
    MetricQuery,
    MetricResult,
    UnsupportedCut,
    with_series,
)
from concord.surveys.models import SurveyResponse

M = TypeVar("M", bound=Model)

CONVERSATION_CUTS = frozenset(
    {"channel", "team_id", "agent_id", "category", "tag", "customer_tier", "organization_id"}
)


def check_cuts(query: MetricQuery, supported: Collection[str]) -> None:
    unsupported = query.cuts() - set(supported)
    if unsupported:
        raise UnsupportedCut(f"This metric cannot be cut by {', '.join(sorted(unsupported))}.")


def _tier(prefix: str, tier: str) -> Q:
    # As SLA policies match: the customer's own tier or their organization's.
    return Q(**{f"{prefix}customer__tier": tier}) | Q(
        **{f"{prefix}customer__organization__tier": tier}
    )


def conversation_filter(query: MetricQuery, prefix: str = "") -> Q:
    """The cuts as a filter on conversations (``prefix`` reaches them from another model).

    Agent means the conversation's assignee; team, category and tags are the
    conversation's current ones. A tag is matched through a subquery so the
    join cannot multiply rows under a count.
    """
    q = Q()
    if query.channel is not None:
        q &= Q(**{f"{prefix}channel": query.channel})
    if query.team_id is not None:
        q &= Q(**{f"{prefix}team_id": query.team_id})
    if query.agent_id is not None:
        q &= Q(**{f"{prefix}assignee_id": query.agent_id})
    if query.category is not None:
        q &= Q(**{f"{prefix}category": query.category})
    if query.tag is not None:
        tagged = Tag.conversations.through.objects.filter(tag__name=query.tag).values(
            "conversation_id"
        )
        q &= Q(**{f"{prefix}pk__in": tagged})
    if query.customer_tier is not None:
        q &= _tier(prefix, query.customer_tier)
    if query.organization_id is not None:
        q &= Q(**{f"{prefix}customer__organization_id": query.organization_id})
    return q


def conversations(query: MetricQuery) -> QuerySet[Conversation]:
    """Conversations in scope; a merged-away source is never counted (its target is)."""
    check_cuts(query, CONVERSATION_CUTS)
    return Conversation.objects.filter(merged_into__isnull=True).filter(conversation_filter(query))


def survey_responses(query: MetricQuery, kind: str) -> QuerySet[SurveyResponse]:
    """Answers of one survey kind in scope.

    Channel, team and agent are the ones the response copied from its
    invitation (who handled it then); category, tag, tier and organization come
    from the conversation and customer.
    """
    check_cuts(query, CONVERSATION_CUTS)
    q = Q(kind=kind)
    if query.channel is not None:
        q &= Q(channel=query.channel)
    if query.team_id is not None:
        q &= Q(team_id=query.team_id)
    if query.agent_id is not None:
        q &= Q(agent_id=query.agent_id)
    rest = MetricQuery(
        start=query.start,
        end=query.end,
        category=query.category,
        tag=query.tag,
    )
    q &= conversation_filter(rest, prefix="conversation__")
    if query.customer_tier is not None:
        q &= _tier("", query.customer_tier)
    if query.organization_id is not None:
        q &= Q(customer__organization_id=query.organization_id)
    return SurveyResponse.objects.filter(q)


def agent_replies() -> Q:
    """Public staff messages written by a person (not the automation user)."""
    return Q(direction=Direction.OUTBOUND, visibility=Visibility.PUBLIC) & ~Q(
        author_user__username=SYSTEM_USERNAME
    )


def customer_messages() -> Q:
    """The customer's own messages; out-of-office and other machine mail is left out."""
    return Q(direction=Direction.INBOUND, automatic=False)


def messages_of(conversation_ids: QuerySet[Any]) -> QuerySet[Message]:
    return Message.objects.filter(conversation_id__in=conversation_ids)


Parts = Mapping[str, Callable[[Q], Aggregate]]
Compute = Callable[[Mapping[str, float]], tuple[float | None, int]]
Judge = Callable[[float | None, int], MetricResult]


def aggregate_windows(
    rows: QuerySet[M],
    *,
    query: MetricQuery,
    time_field: str,
    parts: Parts,
    compute: Compute,
    judge: Judge,
) -> MetricResult:
    """Aggregate over the period and each bucket in one query.

    Each window is a filtered aggregate whose bounds are computed in Python, so
    buckets start at local midnight in the query's zone on every database.
    """
    windows: list[tuple[datetime, datetime]] = [(query.start, query.end), *query.buckets()]
    expressions: dict[str, Aggregate] = {}
    for index, (lo, hi) in enumerate(windows):
        inside = Q(**{f"{time_field}__gte": lo, f"{time_field}__lt": hi})
        for key, make in parts.items():
            expressions[f"{key}_{index}"] = make(inside)
    totals = rows.filter(
        **{f"{time_field}__gte": query.start, f"{time_field}__lt": query.end}
    ).aggregate(**expressions)
    results = []
    for index in range(len(windows)):
        values = {key: float(totals[f"{key}_{index}"] or 0) for key in parts}
        results.append(judge(*compute(values)))
    series = [
        BucketResult(lo, hi, result)
        for (lo, hi), result in zip(windows[1:], results[1:], strict=True)
    ]
    return with_series(results[0], series)
