"""The rows a query looks at, and the one-query aggregation over period and buckets."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Aggregate, Count, Model, Q, QuerySet, Value

from concord.conversations.models import Conversation, Tag
from concord.metrics.models import ConversationFacts, ConversationInterval
from concord.metrics.selectors.query import (
    BucketResult,
    MetricQuery,
    MetricResult,
    UnsupportedCut,
    with_series,
)
from concord.metrics.selectors.sql import bucket_keys
from concord.surveys.models import SurveyResponse

M = TypeVar("M", bound=Model)
T = TypeVar("T")

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


def _copied_cuts(query: MetricQuery, *, agent_field: str) -> Q:
    """Channel, team and agent on rows that copied them (the agent under its own name)."""
    q = Q()
    if query.channel is not None:
        q &= Q(channel=query.channel)
    if query.team_id is not None:
        q &= Q(team_id=query.team_id)
    if query.agent_id is not None:
        q &= Q(**{agent_field: query.agent_id})
    return q


def _facts_filter(query: MetricQuery) -> Q:
    """The cuts on rows that copy the conversation's channel, team, assignee and category."""
    check_cuts(query, CONVERSATION_CUTS)
    q = _copied_cuts(query, agent_field="assignee_id")
    if query.category is not None:
        q &= Q(category=query.category)
    rest = MetricQuery(
        start=query.start,
        end=query.end,
        tag=query.tag,
        customer_tier=query.customer_tier,
        organization_id=query.organization_id,
    )
    return q & conversation_filter(rest, prefix="conversation__")


def conversation_facts(query: MetricQuery) -> QuerySet[ConversationFacts]:
    """The facts of the conversations in scope (a merged-away one has none)."""
    return ConversationFacts.objects.filter(_facts_filter(query))


def conversation_intervals(query: MetricQuery, kind: str) -> QuerySet[ConversationInterval]:
    """Intervals of one kind of the conversations in scope."""
    return ConversationInterval.objects.filter(_facts_filter(query), kind=kind)


def survey_responses(query: MetricQuery, kind: str) -> QuerySet[SurveyResponse]:
    """Answers of one survey kind in scope.

    Channel, team and agent are the ones the response copied from its
    invitation (who handled it then); category, tag, tier and organization come
    from the conversation and customer.
    """
    check_cuts(query, CONVERSATION_CUTS)
    q = Q(kind=kind) & _copied_cuts(query, agent_field="agent_id")
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


def rows_where(condition: Q) -> Count:
    """Count the rows meeting ``condition`` (all rows for an empty Q).

    Counting a constant rather than a column lets the database answer from
    an index that holds the filtered columns (``COUNT(*)`` cannot be filtered
    in Django).
    """
    return Count(Value(1), filter=condition)


_shared: ContextVar[dict[Hashable, Any] | None] = ContextVar("metrics_shared", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Inside it, metrics that need the same rows for the same query read them once.

    For one overview (many metrics at one moment), never longer: rows change.
    """
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def shared(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for ``key`` earlier inside ``shared_reads``."""
    cache = _shared.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    found: T = cache[key]
    return found


Parts = Mapping[str, Callable[[Q], Aggregate]]
Compute = Callable[[Mapping[str, float]], tuple[float | None, int]]
Judge = Callable[[float | None, int], MetricResult]


def window_totals(
    rows: QuerySet[M], *, query: MetricQuery, time_field: str, parts: Parts
) -> list[dict[str, float]]:
    """The parts over the period (first) and each bucket, in one query.

    Parts must add up (counts, sums): rows are grouped by a key that never
    straddles a bucket edge (see ``selectors.sql``) and the groups added into
    buckets here, so buckets start at local midnight in the query's zone on
    every database.
    """
    windows: list[tuple[datetime, datetime]] = query.buckets()
    in_period = rows.filter(**{f"{time_field}__gte": query.start, f"{time_field}__lt": query.end})
    keys = bucket_keys(query)
    totals: list[dict[str, float]] = [dict.fromkeys(parts, 0.0) for _ in range(len(windows) + 1)]
    if len(windows) < 2:
        found = in_period.aggregate(**{key: make(Q()) for key, make in parts.items()})
        for into in totals:
            into.update({key: float(found[key] or 0) for key in parts})
    elif keys is not None:
        grouped = (
            in_period.annotate(_key=keys.key(time_field))
            .values("_key")
            .annotate(**{key: make(Q()) for key, make in parts.items()})
            .order_by()
        )
        for row in grouped:
            into = totals[keys.bucket(row["_key"]) + 1]
            for key in parts:
                into[key] += float(row[key] or 0)
        for key in parts:
            totals[0][key] = sum(t[key] for t in totals[1:])
    else:
        # Bucket edges at odd seconds: one filtered aggregate per bucket.
        expressions: dict[str, Aggregate] = {}
        for index, (lo, hi) in enumerate([(query.start, query.end), *windows]):
            inside = Q(**{f"{time_field}__gte": lo, f"{time_field}__lt": hi})
            for key, make in parts.items():
                expressions[f"{key}_{index}"] = make(inside)
        found = in_period.aggregate(**expressions)
        for index, into in enumerate(totals):
            for key in parts:
                into[key] = float(found[f"{key}_{index}"] or 0)
    return totals


def judged_windows(
    totals: list[dict[str, float]], *, query: MetricQuery, compute: Compute, judge: Judge
) -> MetricResult:
    """The result over the period with its buckets' results as its series."""
    results = [judge(*compute(values)) for values in totals]
    series = [
        BucketResult(lo, hi, result)
        for (lo, hi), result in zip(query.buckets(), results[1:], strict=True)
    ]
    return with_series(results[0], series)


def aggregate_windows(
    rows: QuerySet[M],
    *,
    query: MetricQuery,
    time_field: str,
    parts: Parts,
    compute: Compute,
    judge: Judge,
) -> MetricResult:
    """``window_totals`` judged: one query for the period and every bucket."""
    totals = window_totals(rows, query=query, time_field=time_field, parts=parts)
    return judged_windows(totals, query=query, compute=compute, judge=judge)


def fetch(rows: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` query, as the database driver returns them.

    For tens of thousands of samples Django's per-row work costs more than
    the query; the callers ask only for numbers and bucket keys, which need
    no conversion.
    """
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # .none(), or a filter that can match nothing
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found: list[tuple[Any, ...]] = cursor.fetchall()
        return found


def timed_samples(
    rows: QuerySet[M], *, query: MetricQuery, stopped: str, seconds: str
) -> list[list[float]]:
    """The stored seconds of rows whose clock stopped in the period, per bucket.

    One list per bucket (one in all without buckets). Reads the bucket key
    (not the instant) and the seconds: no date is parsed on either side.
    """
    in_period = rows.filter(**{f"{stopped}__gte": query.start, f"{stopped}__lt": query.end})
    windows = query.buckets()
    if len(windows) < 2:
        return [[value for (value,) in fetch(in_period.values_list(seconds).order_by())]]
    per_bucket: list[list[float]] = [[] for _ in windows]
    keys = bucket_keys(query)
    if keys is None:
        edges = [lo for lo, _ in windows[1:]]
        for at, value in in_period.values_list(stopped, seconds).order_by():
            per_bucket[bisect_right(edges, at)].append(value)
        return per_bucket
    plain = fetch(in_period.annotate(_key=keys.key(stopped)).values_list("_key", seconds))
    first: Callable[[tuple[Any, ...]], Any] = itemgetter(0)
    second: Callable[[tuple[Any, ...]], float] = itemgetter(1)
    # Rows usually come in index (time) order, so runs of one key are long.
    for key, run in groupby(plain, key=first):
        per_bucket[keys.bucket(key)].extend(map(second, run))
    return per_bucket
