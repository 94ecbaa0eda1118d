"""What a metric is asked (``MetricQuery``) and what it answers (``MetricResult``)."""

from __future__ import annotations

import functools
import statistics
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Literal
from zoneinfo import ZoneInfo

from django.utils import timezone

Bucket = Literal["day", "week", "month"]
TimeBasis = Literal["calendar", "business"]

# Below this many samples a figure is shown as "too few samples", not as a number.
MIN_SAMPLES = 5

# The periods a figure can be asked for. The bounds keep every derived instant
# (the previous period, a bucket's edges, a local midnight) inside the calendar
# Python can represent: a period near year 1 or 9999 would overflow.
EARLIEST_START = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_END = datetime(3000, 1, 1, tzinfo=UTC)
MAX_PERIOD = timedelta(days=3660)


class PeriodInvalid(ValueError):
    """A period no figure can be computed for; ``field`` names the bound at fault."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def period_check(start: datetime, end: datetime, *, max_length: timedelta = MAX_PERIOD) -> None:
    """Raise ``PeriodInvalid`` unless [start, end) is a period metrics can measure."""
    if start < EARLIEST_START:
        raise PeriodInvalid(
            f"The period cannot start before {EARLIEST_START:%Y-%m-%d}.", field="start"
        )
    if end > LATEST_END:
        raise PeriodInvalid(f"The period must end by {LATEST_END:%Y-%m-%d}.", field="end")
    if end <= start:
        raise PeriodInvalid("The period must end after it starts.", field="end")
    if end - start > max_length:
        raise PeriodInvalid(f"A period can be at most {max_length.days} days long.", field="end")


@dataclass(frozen=True)
class MetricQuery:
    """A period [start, end), optional buckets, cuts (None: all), and the time basis.

    Cuts narrow every metric the same way where they apply (see each metric's
    ``cuts`` in ``METRICS``); asking a metric for a cut it cannot honour raises
    ``UnsupportedCut`` rather than answering for everything.
    """

    start: datetime
    end: datetime
    bucket: Bucket | None = None
    channel: str | None = None
    team_id: int | None = None
    agent_id: int | None = None
    category: str | None = None
    tag: str | None = None
    customer_tier: str | None = None
    organization_id: int | None = None
    time_basis: TimeBasis = "calendar"
    calendar_id: int | None = None
    # Bucket boundaries (local midnight, Monday, the 1st) are taken in this zone.
    time_zone: str | None = None
    min_samples: int = MIN_SAMPLES
    # Time metrics only: answer the % of samples at most this many seconds
    # ("share of chats with FRT <= 60 s") instead of the mean.
    within_seconds: float | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value: datetime = getattr(self, name)
            if timezone.is_naive(value):
                raise ValueError(f"{name} must be timezone-aware.")
        if self.end <= self.start:
            raise ValueError("The period must end after it starts.")
        if self.time_basis == "business" and self.calendar_id is None:
            raise ValueError("Business time needs a calendar_id.")
        if self.within_seconds is not None and self.within_seconds < 0:
            raise ValueError("within_seconds cannot be negative.")

    @property
    def zone(self) -> ZoneInfo:
        if self.time_zone:
            return ZoneInfo(self.time_zone)
        default = timezone.get_default_timezone()
        return default if isinstance(default, ZoneInfo) else ZoneInfo(str(default))

    def cuts(self) -> set[str]:
        """The names of the cuts this query sets."""
        names = (
            "channel",
            "team_id",
            "agent_id",
            "category",
            "tag",
            "customer_tier",
            "organization_id",
        )
        return {name for name in names if getattr(self, name) is not None}

    def previous(self) -> MetricQuery:
        """The same query over the period of the same length just before this one.

        Raises ``PeriodInvalid`` when there is no such period in the calendar
        (a start near year 1); ``period_check`` refuses such periods up front.
        """
        length = self.end - self.start
        try:
            start = self.start - length
        except OverflowError:
            raise PeriodInvalid(
                "There is no period of the same length before this one.", field="start"
            ) from None
        return replace(self, start=start, end=self.start)

    def buckets(self) -> list[tuple[datetime, datetime]]:
        """The bucket boundaries covering the period, clipped to it; [] without buckets."""
        if self.bucket is None:
            return []
        return list(_buckets(self.start, self.end, self.bucket, self.zone))


@functools.lru_cache(maxsize=256)
def _buckets(
    start: datetime, end: datetime, bucket: Bucket, zone: ZoneInfo
) -> tuple[tuple[datetime, datetime], ...]:
    # Every metric of an overview asks for the same buckets, many times over.
    edges: list[tuple[datetime, datetime]] = []
    current = bucket_start(start, bucket, zone)
    while current < end:
        following = next_bucket(current, bucket, zone)
        edges.append((max(current, start), min(following, end)))
        current = following
    return tuple(edges)


class UnsupportedCut(ValueError):
    """The metric cannot be narrowed by a cut the query sets."""


def bucket_start(moment: datetime, bucket: Bucket, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    day = local.date()
    if bucket == "week":
        day -= timedelta(days=day.weekday())
    elif bucket == "month":
        day = day.replace(day=1)
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def next_bucket(start: datetime, bucket: Bucket, zone: ZoneInfo) -> datetime:
    day = start.date()
    if bucket == "day":
        day += timedelta(days=1)
    elif bucket == "week":
        day += timedelta(days=7)
    else:
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    # Built from the date, not by adding hours, so a DST change keeps local midnight.
    return datetime(day.year, day.month, day.day, tzinfo=zone)


@dataclass(frozen=True)
class BucketResult:
    start: datetime
    end: datetime
    result: MetricResult


@dataclass(frozen=True)
class MetricResult:
    """A figure with its sample size.

    ``value`` is None when there is no data (never a made-up 0). ``enough`` is
    False when the sample is below the query's minimum; ``note`` then says so
    and a display should show the note, not the number. Time metrics carry
    mean (= value), median and p90 in seconds.
    """

    value: float | None
    sample_size: int
    enough: bool
    note: str = ""
    unit: str = ""
    mean: float | None = None
    median: float | None = None
    p90: float | None = None
    series: tuple[BucketResult, ...] = ()
    breakdown: Mapping[str, float] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return self.value is not None


def judged(
    value: float | None,
    sample_size: int,
    *,
    query: MetricQuery,
    unit: str,
    mean: float | None = None,
    median: float | None = None,
    p90: float | None = None,
) -> MetricResult:
    """A result with ``enough`` and ``note`` worked out from the sample size."""
    if value is None or sample_size == 0:
        return MetricResult(
            value=None, sample_size=sample_size, enough=False, note="no data", unit=unit
        )
    enough = sample_size >= query.min_samples
    note = "" if enough else f"too few samples ({sample_size} < {query.min_samples})"
    return MetricResult(
        value=value,
        sample_size=sample_size,
        enough=enough,
        note=note,
        unit=unit,
        mean=mean,
        median=median,
        p90=p90,
    )


def counted(value: int, *, unit: str = "conversations") -> MetricResult:
    """A plain count (volume, backlog): zero is a real answer and no sample is too small."""
    return MetricResult(value=float(value), sample_size=value, enough=True, unit=unit)


def percentile_90(ordered: list[float]) -> float:
    """The 90th percentile of sorted values, linearly interpolated between the closest ranks.

    The arithmetic of ``statistics.quantiles(n=10, method="inclusive")[-1]``,
    without sorting again what is sorted.
    """
    if len(ordered) == 1:
        return ordered[0]
    j, delta = divmod(9 * (len(ordered) - 1), 10)
    return (ordered[j] * (10 - delta) + ordered[j + 1] * delta) / 10


def median(ordered: list[float]) -> float:
    """``statistics.median`` of sorted values, without sorting them again."""
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def summarise(durations: Iterable[float], *, query: MetricQuery) -> MetricResult:
    """Mean, median and p90 of durations in seconds.

    The value is the mean, or with ``query.within_seconds`` the % of samples
    at most that long (mean, median and p90 are still given).
    """
    values = sorted(durations)
    within = query.within_seconds
    unit = "seconds" if within is None else "%"
    if not values:
        return judged(None, 0, query=query, unit=unit)
    mean = statistics.fmean(values)
    value = mean
    if within is not None:
        value = 100.0 * bisect_right(values, within) / len(values)
    return judged(
        value,
        len(values),
        query=query,
        unit=unit,
        mean=mean,
        median=median(values),
        p90=percentile_90(values),
    )


def with_series(result: MetricResult, series: list[BucketResult]) -> MetricResult:
    return replace(result, series=tuple(series))


def summarise_buckets(per_bucket: list[list[float]], *, query: MetricQuery) -> MetricResult:
    """Summarise seconds over the period and per bucket (one list per bucket, or one in all)."""
    windows = query.buckets()
    if len(per_bucket) == 1 and len(windows) < 2:
        overall = summarise(per_bucket[0], query=query)
        return with_series(overall, [BucketResult(lo, hi, overall) for lo, hi in windows])
    ordered = [sorted(values) for values in per_bucket]
    series = [
        BucketResult(lo, hi, summarise(values, query=query))
        for (lo, hi), values in zip(windows, ordered[: len(windows)], strict=True)
    ]
    # Sorting runs that are each sorted already is a merge, not a sort.
    overall = summarise(chain.from_iterable(ordered), query=query)
    return with_series(overall, series)


def bucketed_durations(
    samples: list[tuple[datetime, float]], *, query: MetricQuery
) -> MetricResult:
    """Summarise (moment, seconds) samples over the period and per bucket.

    Every sample must lie in the period.
    """
    windows = query.buckets()
    edges = [lo for lo, _ in windows[1:]]
    per_bucket: list[list[float]] = [[] for _ in windows or [(query.start, query.end)]]
    for at, seconds in samples:
        per_bucket[bisect_right(edges, at)].append(seconds)
    return summarise_buckets(per_bucket, query=query)
