"""The CX overview: the headline figures with the previous period, and volume matrices.

One call serves the reports page, its CSV export, the weekly summary and the
benchmark, so they can never disagree about a figure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from concord.metrics.selectors.conversations import created_rollup
from concord.metrics.selectors.query import MetricQuery, MetricResult
from concord.metrics.selectors.registry import METRICS, Metric, metric_supports
from concord.metrics.selectors.scope import shared_reads

Dimension = Literal["channel", "category"]

# In the order the overview shows them: satisfaction, effort and speed, outcomes, workload.
OVERVIEW_METRICS: tuple[str, ...] = (
    "csat",
    "nps",
    "ces",
    "star_rating",
    "ves",
    "gcr",
    "frt",
    "art",
    "resolution_time",
    "fcr",
    "reopen_rate",
    "escalation_rate",
    "sla_first_response",
    "sla_resolution",
    "asa",
    "aht",
    "backlog",
    "volume",
    "churn_rate",
)

# The overview metrics the reports page draws as lines, per bucket.
OVERVIEW_LINES: tuple[str, ...] = (
    "csat",
    "ces",
    "nps",
    "frt",
    "art",
    "resolution_time",
    "sla_first_response",
    "sla_resolution",
)
# The overview metrics measured per bucket: the lines, and volume and escalation
# rate, which come from the same grouped read as the volume charts. The rest are
# tiles, one figure for the period, and are measured without buckets: a per-day
# churn rate or backlog nobody looks at would cost more than the figures shown.
OVERVIEW_SERIES: frozenset[str] = frozenset({*OVERVIEW_LINES, "volume", "escalation_rate"})


@dataclass(frozen=True)
class Figure:
    """A metric over the period (with its buckets) and over the period before."""

    metric: Metric
    current: MetricResult
    previous: MetricResult

    @property
    def change(self) -> float | None:
        """Current minus previous, only when both are figures worth comparing."""
        now, before = self.current, self.previous
        if now.value is None or before.value is None or not (now.enough and before.enough):
            return None
        return now.value - before.value

    @property
    def improved(self) -> bool | None:
        change = self.change
        if change is None or change == 0:
            return None
        return (change > 0) == self.metric.higher_is_better


@dataclass(frozen=True)
class Matrix:
    """Counts per value of a dimension, per bucket of the query."""

    buckets: tuple[tuple[datetime, datetime], ...]
    rows: Mapping[str, tuple[int, ...]]
    totals: Mapping[str, int]


@dataclass(frozen=True)
class Overview:
    query: MetricQuery
    figures: Mapping[str, Figure]
    volume_by_channel: Matrix
    volume_by_category: Matrix


def volume_matrix(*, query: MetricQuery, dimension: Dimension) -> Matrix:
    """Conversations created per bucket and per channel or category, in one query.

    Conversations without a category are counted under "" (shown as
    "uncategorised").
    """
    return _matrices(query, (dimension,))[dimension]


def _matrices(query: MetricQuery, dimensions: tuple[Dimension, ...]) -> dict[str, Matrix]:
    """A matrix per dimension, from the conversations created per channel, category, bucket."""
    windows = tuple(query.buckets() or [(query.start, query.end)])
    cells: dict[str, dict[str, list[int]]] = {
        d: defaultdict(lambda: [0] * len(windows)) for d in dimensions
    }
    for row in created_rollup(query):
        for dimension in dimensions:
            cells[dimension][getattr(row, dimension) or ""][row.bucket] += row.n
    out: dict[str, Matrix] = {}
    for name, by_value in cells.items():
        totals = {key: sum(counts) for key, counts in by_value.items()}
        ordered = sorted(by_value.items(), key=lambda item: (-totals[item[0]], item[0]))
        rows = {key: tuple(counts) for key, counts in ordered}
        out[name] = Matrix(buckets=windows, rows=rows, totals=totals)
    return out


def cx_overview(
    *,
    query: MetricQuery,
    metrics: Sequence[str] = OVERVIEW_METRICS,
    series: Collection[str] = OVERVIEW_SERIES,
) -> Overview:
    """Every overview metric the query's cuts allow, with the previous period's figure.

    Only the metrics in ``series`` are measured per bucket; the others, and
    the previous period, are computed without buckets (only their totals are
    shown). A metric that cannot honour the query's cuts (churn by agent…) is
    left out rather than answered for everyone.
    """
    whole = replace(query, bucket=None)
    before = replace(query.previous(), bucket=None)
    figures: dict[str, Figure] = {}
    # Metrics over the same rows (FCR and reopen rate; volume, escalation
    # rate and the matrices) read them once.
    with shared_reads():
        for name in metrics:
            metric = METRICS.get(name)
            if metric is None or not metric_supports(metric, query):
                continue
            figures[name] = Figure(
                metric=metric,
                current=metric(query=query if name in series else whole),
                previous=metric(query=before),
            )
        matrices = _matrices(query, ("channel", "category"))
    return Overview(
        query=query,
        figures=figures,
        volume_by_channel=matrices["channel"],
        volume_by_category=matrices["category"],
    )
