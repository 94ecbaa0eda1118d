"""Speed metrics: first response, reply and resolution times, in calendar or business time.

Each sample belongs to the period in which its clock stopped (the reply was
sent, the conversation was solved), so a figure for last week never changes
because of something that happens this week. All three read the conversation
facts (``metrics.models``), which hold each sample's instants and its calendar
seconds; business time is worked out from the instants.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import F, FloatField, Func, Model, QuerySet

from concord.calendars.businesstime import business_seconds_between
from concord.calendars.selectors import calendar_list, calendar_schedule
from concord.metrics.models import IntervalKind
from concord.metrics.selectors.query import (
    BucketResult,
    MetricQuery,
    MetricResult,
    bucketed_durations,
    judged,
    summarise_buckets,
    with_series,
)
from concord.metrics.selectors.scope import (
    conversation_facts,
    conversation_intervals,
    timed_samples,
)


def _timed(
    rows: QuerySet[Model], *, started: str, stopped: str, seconds: str, query: MetricQuery
) -> MetricResult:
    """Samples from rows whose clock stopped in the period, placed when it stopped."""
    rows = rows.exclude(**{f"{seconds}__isnull": True})
    if query.time_basis == "calendar":
        return calendar_durations(rows, stopped=stopped, seconds=seconds, query=query)
    calendar = calendar_list().filter(pk=query.calendar_id).first() if query.calendar_id else None
    if calendar is None:
        raise ValueError(f"There is no calendar {query.calendar_id}.")
    schedule = calendar_schedule(calendar=calendar)
    pairs = (
        rows.filter(**{f"{stopped}__gte": query.start, f"{stopped}__lt": query.end})
        .values_list(started, stopped)
        .order_by()
    )
    samples = [
        (end, max(0.0, float(business_seconds_between(schedule=schedule, start=start, end=end))))
        for start, end in pairs
    ]
    return bucketed_durations(samples, query=query)


def calendar_durations(
    rows: QuerySet[Any], *, stopped: str, seconds: str, query: MetricQuery
) -> MetricResult:
    """Summarise the stored seconds of rows whose clock stopped in the period.

    ``seconds`` may be a column or an annotation; ``stopped`` places each
    sample in its bucket. Negative seconds count as none.
    """
    # An empty queryset (``.none()``) has no SQL to aggregate; it is no samples.
    if connection.vendor == "postgresql" and not rows.query.is_empty():
        return _summarised_by_postgres(rows, stopped=stopped, seconds=seconds, query=query)
    per_bucket = timed_samples(rows, query=query, stopped=stopped, seconds=seconds)
    # A first "customer" message logged after the reply waited no time at all.
    per_bucket = [
        [s if s > 0.0 else 0.0 for s in values] if values and min(values) < 0 else values
        for values in per_bucket
    ]
    return summarise_buckets(per_bucket, query=query)


class SecondsBetween(Func):
    """Seconds from the second instant to the first, as a float (PostgreSQL only)."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s))::float8"
    arg_joiner = " - "
    output_field = FloatField()


def durations_between(
    rows: QuerySet[Any], *, started: str, stopped: str, query: MetricQuery
) -> MetricResult:
    """Calendar seconds from ``started`` to ``stopped`` of rows that stopped in the period.

    PostgreSQL works the seconds, medians and p90s out in SQL (a period can
    hold too many rows to send to Python); SQLite reads the instants.
    """
    if connection.vendor == "postgresql":
        timed = rows.annotate(_seconds=SecondsBetween(F(stopped), F(started)))
        return calendar_durations(timed, stopped=stopped, seconds="_seconds", query=query)
    pairs = rows.filter(**{f"{stopped}__gte": query.start, f"{stopped}__lt": query.end})
    samples = [
        (end, max(0.0, (end - start).total_seconds()))
        for start, end in pairs.values_list(started, stopped).order_by()
        if start is not None and end is not None
    ]
    return bucketed_durations(samples, query=query)


def _summarised_by_postgres(
    rows: QuerySet[Model], *, stopped: str, seconds: str, query: MetricQuery
) -> MetricResult:
    """Count, mean, median and p90 per bucket and over the period, in one PostgreSQL query.

    At a million conversations a period holds hundreds of thousands of
    samples; sending them all to Python would cost more than the whole
    overview may. ``percentile_cont`` interpolates between the closest ranks
    as ``summarise`` does; the figures agree with it to within floating-point
    rounding. Buckets come from ``width_bucket`` over the bucket edges, and
    ``ROLLUP`` adds the period as a whole.
    """
    inner, params = (
        rows.filter(**{f"{stopped}__gte": query.start, f"{stopped}__lt": query.end})
        .values_list(stopped, seconds)
        .order_by()
        .query.sql_with_params()
    )
    windows = query.buckets()
    within = query.within_seconds
    x = "GREATEST(s.seconds, 0)"  # a reply logged before the message waited no time
    # Both percentiles from one sort of each group.
    figures = (
        f"COUNT(*), AVG({x}), "
        f"percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY {x}), "
        f"COUNT(*) FILTER (WHERE {x} <= %s)"
    )
    if len(windows) < 2:
        sql = f"SELECT 0, {figures} FROM ({inner}) s (stopped, seconds)"  # noqa: S608
        arguments: list[Any] = [within or 0, *params]
    else:
        sql = (
            f"SELECT width_bucket(s.stopped, %s::timestamptz[]) AS b, {figures} "  # noqa: S608
            f"FROM ({inner}) s (stopped, seconds) GROUP BY ROLLUP (b)"
        )
        arguments = [[lo for lo, _ in windows[1:]], within or 0, *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, arguments)
        found = {bucket: rest for bucket, *rest in cursor.fetchall()}

    def result(row: list[Any] | None) -> MetricResult:
        unit = "seconds" if within is None else "%"
        if row is None or not row[0]:
            return judged(None, 0, query=query, unit=unit)
        n, mean, (middle, p90), short = row
        value = float(mean) if within is None else 100.0 * short / n
        return judged(value, n, query=query, unit=unit, mean=float(mean), median=middle, p90=p90)

    if len(windows) < 2:
        overall = result(found.get(0))
        return with_series(overall, [BucketResult(lo, hi, overall) for lo, hi in windows])
    series = [BucketResult(lo, hi, result(found.get(i))) for i, (lo, hi) in enumerate(windows)]
    return with_series(result(found.get(None)), series)


def first_response_time(*, query: MetricQuery) -> MetricResult:
    """From the first customer message to the first public agent reply.

    Over conversations whose first reply falls in the period; replies by the
    automation user and internal notes are not responses. A merge target
    counts once, with the messages the merge moved into it.
    """
    return _timed(
        conversation_facts(query),
        started="first_message_at",
        stopped="first_reply_at",
        seconds="first_response_seconds",
        query=query,
    )


def average_reply_time(*, query: MetricQuery) -> MetricResult:
    """Mean, over every customer message that got an agent reply, of the wait for it.

    Several customer messages before one reply are each a sample, waiting
    until that reply. A sample belongs to the period its reply was sent in.
    """
    return _timed(
        conversation_intervals(query, IntervalKind.WAIT),
        started="started_at",
        stopped="ended_at",
        seconds="seconds",
        query=query,
    )


def resolution_time(*, query: MetricQuery) -> MetricResult:
    """From creation to the last solve, over conversations solved in the period.

    A reopened conversation counts only once it is solved again, with the
    time to that last solve; one still open after reopening does not count.
    """
    return _timed(
        conversation_facts(query),
        started="created_at",
        stopped="resolved_at",
        seconds="resolution_seconds",
        query=query,
    )
