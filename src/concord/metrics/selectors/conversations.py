"""Outcome and workload metrics over conversations: FCR, reopen, escalation and consult
rates, SLA attainment, backlog and volume.

All but SLA attainment read the conversation facts (``metrics.models``),
which hold what each conversation's messages and status log say; SLA
attainment reads the SLA targets.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import accumulate
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from concord.conversations.models import Conversation
from concord.metrics.facts import ESCALATED_TAG
from concord.metrics.models import ConversationInterval, IntervalKind
from concord.metrics.selectors.query import (
    BucketResult,
    MetricQuery,
    MetricResult,
    counted,
    judged,
    with_series,
)
from concord.metrics.selectors.scope import (
    CONVERSATION_CUTS,
    Parts,
    check_cuts,
    conversation_facts,
    conversation_intervals,
    fetch,
    judged_windows,
    rows_where,
    shared,
    window_totals,
)
from concord.metrics.selectors.sql import BucketKeys, bucket_keys
from concord.sla.models import SlaTarget, TargetKind

__all__ = [
    "ESCALATED_TAG",
    "backlog",
    "consult_rate",
    "escalation_rate",
    "first_contact_resolution",
    "reopen_rate",
    "sla_first_response",
    "sla_resolution",
    "volume",
]


def _share_of(totals: list[dict[str, float]], hits: str, query: MetricQuery) -> MetricResult:
    """% of ``n`` that are ``hits``, over the period and per bucket."""

    def compute(v: Mapping[str, float]) -> tuple[float | None, int]:
        n = int(v["n"])
        return (100.0 * v[hits] / n if n else None), n

    return judged_windows(
        totals,
        query=query,
        compute=compute,
        judge=lambda value, n: judged(value, n, query=query, unit="%"),
    )


def _first_solved(query: MetricQuery) -> list[dict[str, float]]:
    """Conversations first solved in the period, with those solved at first contact and
    those reopened; FCR and reopen rate (of one overview) share the one query."""
    parts: Parts = {
        "n": rows_where,
        "fcr": lambda w: rows_where(w & Q(agent_replies=1, reopened=False)),
        "reopened": lambda w: rows_where(w & Q(reopened=True)),
    }
    return shared(
        ("first_solved", query),
        lambda: window_totals(
            conversation_facts(query), query=query, time_field="first_solved_at", parts=parts
        ),
    )


def first_contact_resolution(*, query: MetricQuery) -> MetricResult:
    """% of conversations first solved in the period with exactly one agent reply, never reopened.

    Counting by the first solve keeps a conversation in the period it was
    solved even after it is reopened. Replies by the automation user are not
    agent replies.
    """
    return _share_of(_first_solved(query), "fcr", query)


def reopen_rate(*, query: MetricQuery) -> MetricResult:
    """% of conversations first solved in the period that were reopened (then or later)."""
    return _share_of(_first_solved(query), "reopened", query)


def escalation_rate(*, query: MetricQuery) -> MetricResult:
    """% of conversations created in the period that were consulted to or escalated
    to another team (DOMAIN.md).

    Escalated: a consult was asked (a ``consult_asked`` event, whenever it
    was asked: the conversation keeps its team), moved to a department team
    (``TeamKind.DEPARTMENT``: billing, logistics… as opposed to a service
    team) after it was opened, or tagged ``escalated``. Opening straight into
    a department team is routing, not escalation. Whether a team is a
    department is taken when the move is recorded.
    """
    return _created_share(query, "escalated")


def consult_rate(*, query: MetricQuery) -> MetricResult:
    """% of conversations created in the period with at least one consult (asked at any time).

    From the conversations' ``consult_asked`` events (kept in their facts),
    so every consulted conversation also counts in the escalation rate.
    """
    return _created_share(query, "consulted")


def _created_share(query: MetricQuery, hits: str) -> MetricResult:
    """% of the conversations created in the period (and per bucket) that are ``hits``."""
    totals = [{"n": 0.0, hits: 0.0} for _ in range(max(1, len(query.buckets())))]
    for row in created_rollup(query):
        totals[row.bucket]["n"] += row.n
        totals[row.bucket][hits] += getattr(row, hits)
    overall = {key: sum(t[key] for t in totals) for key in ("n", hits)}
    windows = totals if query.buckets() else []
    return _share_of([overall, *windows], hits, query)


def _sla_attainment(query: MetricQuery, target: str) -> MetricResult:
    """% of targets met, among those whose outcome fell in the period.

    Met: achieved by its due time and never breached; counted when achieved.
    Missed: breached, or past due when achieved or by now; counted at its due
    time (or, with no due time, when it was breached). A running target not
    yet due is not counted.

    The three kinds of outcome are counted apart, each from its own index,
    and added up: a target has exactly one outcome, so none counts twice.
    """
    check_cuts(query, CONVERSATION_CUTS)
    now = timezone.now()
    if query.cuts():
        # The conversations in scope from their facts (which a merged-away one
        # lacks): narrower rows than the conversations', with the cuts copied.
        scope = Q(conversation_id__in=conversation_facts(query).values("conversation_id"))
    else:
        # A merged-away conversation is never in scope: the few of them are a
        # set the database builds once, so the count reads the target index alone.
        merged = Conversation.objects.filter(merged_into__isnull=False).values("pk")
        scope = ~Q(conversation_id__in=merged)
    targets = SlaTarget.objects.filter(scope, target=target, cycle=0)
    met = Q(achieved_at__isnull=False, breached_at__isnull=True) & (
        Q(due_at__isnull=True) | Q(achieved_at__lte=F("due_at"))
    )
    late = Q(breached_at__isnull=False) | (
        Q(due_at__lt=now) & (Q(achieved_at__isnull=True) | Q(achieved_at__gt=F("due_at")))
    )
    sources = [
        (targets.filter(met), "achieved_at", 1),
        (targets.filter(~met, late, due_at__isnull=False), "due_at", 0),
        (targets.filter(~met, due_at__isnull=True, breached_at__isnull=False), "breached_at", 0),
    ]
    totals = [{"n": 0.0, "met": 0.0} for _ in range(len(query.buckets()) + 1)]
    for rows, time_field, hit in sources:
        found = window_totals(rows, query=query, time_field=time_field, parts={"n": rows_where})
        for into, part in zip(totals, found, strict=True):
            into["n"] += part["n"]
            into["met"] += part["n"] * hit

    def compute(v: Mapping[str, float]) -> tuple[float | None, int]:
        n = int(v["n"])
        return (100.0 * v["met"] / n if n else None), n

    return judged_windows(
        totals,
        query=query,
        compute=compute,
        judge=lambda value, n: judged(value, n, query=query, unit="%"),
    )


def sla_first_response(*, query: MetricQuery) -> MetricResult:
    """% of first-response targets met (see ``_sla_attainment``)."""
    return _sla_attainment(query, TargetKind.FIRST_RESPONSE)


def sla_resolution(*, query: MetricQuery) -> MetricResult:
    """% of resolution targets met (see ``_sla_attainment``)."""
    return _sla_attainment(query, TargetKind.RESOLUTION)


def backlog(*, query: MetricQuery) -> MetricResult:
    """Conversations unsolved at the end of the period (each bucket: at its end).

    Worked out from the status log, so a past period's backlog is what it was
    then: each conversation's unsolved stretches (from creation or a reopening
    to a solve) are intervals, and at a moment m the backlog is the stretches
    that began before m and had not ended before it. Only stretches still open
    or ended at or after the first moment asked about can count.
    """
    windows = query.buckets()
    moments = [hi for _, hi in windows] or [query.end]
    intervals = conversation_intervals(query, IntervalKind.UNSOLVED)
    # Still unsolved, or solved at or after the first moment: two ranges of one
    # index, read apart (as one OR, SQLite would read the whole index).
    parts = [intervals.filter(ended_at__isnull=True), intervals.filter(ended_at__gte=moments[0])]
    keys = bucket_keys(query)
    if keys is None:
        values = [0] * len(moments)
        for rows in parts:
            found = rows.aggregate(
                **{
                    f"m{i}": rows_where(
                        Q(started_at__lt=m) & (Q(ended_at__isnull=True) | Q(ended_at__gte=m))
                    )
                    for i, m in enumerate(moments)
                }
            )
            values = [v + int(found[f"m{i}"]) for i, v in enumerate(values)]
    else:
        values = _backlog_by_key(parts, query=query, moments=moments, keys=keys)
    series = [
        BucketResult(lo, hi, counted(value))
        for (lo, hi), value in zip(windows, values[: len(windows)], strict=True)
    ]
    return with_series(counted(values[-1]), series)


class _AtOrAfter:
    """Counts of rows by bucket key, to answer "how many at or after moment m"."""

    def __init__(self) -> None:
        self.by_key: dict[Any, int] = defaultdict(int)
        self.at_end = 0  # at or after the period's end, which may fall inside a key
        self.ordered: list[Any] = []
        self.suffix: list[int] = []

    def add(self, key: Any, after_end: bool, n: int) -> None:
        if after_end:
            self.at_end += n
        else:
            self.by_key[key] += n

    def count(self, key: Any) -> int:
        """Rows at or after the moment whose key is ``key`` (None: the period's end)."""
        if key is None:
            return self.at_end
        if not self.suffix:
            self.ordered = sorted(self.by_key)
            self.suffix = list(accumulate(reversed([self.by_key[k] for k in self.ordered])))[::-1]
        at = bisect_left(self.ordered, key)
        return self.at_end + (self.suffix[at] if at < len(self.ordered) else 0)


def _backlog_by_key(
    parts: list[QuerySet[ConversationInterval]],
    *,
    query: MetricQuery,
    moments: list[datetime],
    keys: BucketKeys,
) -> list[int]:
    """The backlog at each moment from one grouped query instead of a filter per moment.

    At m it is the stretches still open, less those that began at or after m
    (open or not), plus the ended ones that ended at or after m. Every moment
    but the last (the period's end) is a bucket edge, on a key boundary.
    """
    end = query.end
    began, ended = _AtOrAfter(), _AtOrAfter()
    still_open = 0
    for rows in parts:
        grouped = (
            rows.annotate(
                s=keys.key("started_at"),
                s_end=Q(started_at__gte=end),
                e=keys.key("ended_at"),
                e_end=Q(ended_at__gte=end),
            )
            .values("s", "s_end", "e", "e_end")
            .annotate(n=Count("*"))
            .order_by()
        )
        for row in grouped:
            began.add(row["s"], bool(row["s_end"]), row["n"])
            if row["e"] is None:
                still_open += row["n"]
            else:
                ended.add(row["e"], bool(row["e_end"]), row["n"])
    # Bucket i ends where bucket i + 1 starts; the last moment is the period's end.
    at = [*keys.edges, None]
    return [still_open - began.count(k) + ended.count(k) for k in at[: len(moments)]]


def volume(*, query: MetricQuery) -> MetricResult:
    """Conversations created in the period; ``breakdown`` by channel.

    A follow-up to a closed conversation is a new conversation; a merged-away
    one is not counted (it has no facts).
    """
    breakdown: dict[str, float] = defaultdict(float)
    per_bucket = [0] * max(1, len(query.buckets()))
    for row in created_rollup(query):
        breakdown[row.channel] += row.n
        per_bucket[row.bucket] += row.n
    series = [
        BucketResult(lo, hi, counted(n))
        for (lo, hi), n in zip(query.buckets(), per_bucket, strict=False)
    ]
    return replace(
        with_series(counted(sum(per_bucket)), series), breakdown=dict(sorted(breakdown.items()))
    )


@dataclass(frozen=True)
class Created:
    """Conversations created in one bucket with one channel and category."""

    channel: str
    category: str
    bucket: int  # 0 without buckets
    n: int
    escalated: int
    consulted: int


def created_rollup(query: MetricQuery) -> list[Created]:
    """Conversations created in the period, per channel, category and bucket.

    One query (grouped by the bucket key, see ``selectors.sql``) that volume,
    escalation rate and the volume matrices of one overview share.
    """
    return shared(("created", query), lambda: _created(query))


def _created(query: MetricQuery) -> list[Created]:
    rows = conversation_facts(query).filter(created_at__gte=query.start, created_at__lt=query.end)
    windows = query.buckets()
    keys = bucket_keys(query)
    escalated = rows_where(Q(escalated=True))
    consulted = rows_where(Q(consulted=True))
    if keys is None and len(windows) >= 2:
        parts = {}
        for i, (lo, hi) in enumerate(windows):
            inside = Q(created_at__gte=lo, created_at__lt=hi)
            parts[f"n{i}"] = rows_where(inside)
            parts[f"e{i}"] = rows_where(inside & Q(escalated=True))
            parts[f"c{i}"] = rows_where(inside & Q(consulted=True))
        by_bucket = rows.values("channel", "category").annotate(**parts).order_by()
        names = ["channel", "category", *parts]
        return [
            Created(row[0], row[1], i, row[2 + 3 * i], row[3 + 3 * i], row[4 + 3 * i])
            for row in fetch(by_bucket.values_list(*names))
            for i in range(len(windows))
        ]
    if keys is None:
        grouped = rows.values("channel", "category").annotate(
            n=Count("*"), e=escalated, c=consulted
        )
        return [
            Created(channel, category, 0, n, e, c)
            for channel, category, n, e, c in fetch(
                grouped.values_list("channel", "category", "n", "e", "c")
            )
        ]
    grouped = rows.values("channel", "category", k=keys.key("created_at")).annotate(
        n=Count("*"), e=escalated, c=consulted
    )
    buckets: dict[object, int] = {}
    out = []
    # Plain rows: by day, thousands of groups.
    for channel, category, key, n, e, c in fetch(
        grouped.values_list("channel", "category", "k", "n", "e", "c").order_by()
    ):
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = keys.bucket(key)
        out.append(Created(channel, category, bucket, n, e, c))
    return out
