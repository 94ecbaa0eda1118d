"""What the reports pages show, built from the metrics selectors: tiles, charts and tables.

Views stay thin: they check access and pick a template; everything a figure
looks like is decided here, and the CSV export reuses the same tables so an
export always matches the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from django.utils.safestring import SafeString

from concord.metrics.display import change_text, result_text, value_text
from concord.metrics.selectors import (
    METRICS,
    MIN_SAMPLES,
    OVERVIEW_LINES,
    Figure,
    Matrix,
    MetricResult,
    Overview,
)
from concord.metrics.selectors.breakdown import BreakdownRow
from concord.metrics.selectors.query import Bucket
from concord.workspace.charts import line_chart, stacked_bar_chart

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Satisfaction", ("csat", "nps", "ces", "star_rating", "ves", "gcr")),
    ("Speed and effort", ("frt", "art", "resolution_time", "fcr")),
    ("Outcomes", ("reopen_rate", "escalation_rate", "sla_first_response", "sla_resolution")),
    ("Phone", ("asa", "aht")),
    ("Workload", ("volume", "backlog")),
    ("Customers", ("churn_rate",)),
)
COARSER: dict[str, Bucket] = {"day": "week", "week": "month"}
# Categories past this many are summed as "Other" so the chart stays readable.
TOP_CATEGORIES = 7
HOUR = 3600.0


@dataclass(frozen=True)
class Tile:
    name: str
    label: str
    text: str
    shown: bool  # False: the text is a note ("too few samples…"), not a figure
    sample_size: int
    previous: str
    change: str
    improved: bool | None
    median: str
    p90: str


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    svg: SafeString
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


def tile(figure: Figure) -> Tile:
    current, metric = figure.current, figure.metric
    shown = current.value is not None and current.enough
    timed = current.unit == "seconds"
    return Tile(
        name=metric.name,
        label=metric.label,
        text=result_text(current),
        shown=shown,
        sample_size=current.sample_size,
        previous=result_text(figure.previous),
        change=change_text(figure.change, current.unit),
        improved=figure.improved,
        median=value_text(current.median, "seconds") if timed and shown else "",
        p90=value_text(current.p90, "seconds") if timed and shown else "",
    )


def tile_groups(overview: Overview) -> list[tuple[str, list[Tile]]]:
    groups = []
    for title, names in GROUPS:
        tiles = [tile(overview.figures[name]) for name in names if name in overview.figures]
        if tiles:
            groups.append((title, tiles))
    return groups


def bucket_label(start: datetime, bucket: str | None) -> str:
    if bucket == "month":
        return f"{start:%b %Y}"
    if bucket == "week":
        return f"w/c {start:%d %b}"
    return f"{start:%d %b}"


def _point(result: MetricResult, *, scale: float = 1.0) -> float | None:
    """A chart point; a bucket with too few samples is a gap, not a misleading dot."""
    if result.value is None or not result.enough:
        return None
    return round(result.value / scale, 2)


def _with_n(result: MetricResult) -> str:
    return f"{result_text(result)} (n={result.sample_size})"


def _cell(value: float | None, unit: str) -> str:
    return value_text(value, unit) if value is not None else "-"


def thin(result: MetricResult) -> bool:
    """Too few buckets with enough samples to draw a line, though the period has enough.

    Survey answers come a few a day: a daily CSAT line would be mostly gaps.
    """
    buckets = result.series
    plotted = sum(1 for b in buckets if b.result.enough)
    return result.enough and len(buckets) > 1 and plotted * 2 < len(buckets)


def coarser_series(overview: Overview) -> dict[str, MetricResult]:
    """The charted metrics that are too thin in the query's buckets, in the next coarser ones.

    Only these are measured again, over the current period; the tiles keep
    the overview's figures.
    """
    coarser = COARSER.get(overview.query.bucket or "")
    if coarser is None:
        return {}
    names = [
        name
        for name in OVERVIEW_LINES
        if name in overview.figures and thin(overview.figures[name].current)
    ]
    query = replace(overview.query, bucket=coarser)
    return {name: METRICS[name](query=query) for name in names}


def _series_chart(
    overview: Overview,
    *,
    slug: str,
    title: str,
    names: Sequence[str],
    y_title: str,
    scale: float = 1.0,
    coarse: Mapping[str, MetricResult] | None = None,
) -> Chart | None:
    present = [name for name in names if name in overview.figures]
    if not present:
        return None
    metrics = [overview.figures[name].metric for name in present]
    results = [overview.figures[name].current for name in present]
    bucket: Bucket | None = overview.query.bucket
    if coarse and any(name in coarse for name in present):
        # One line thin in days makes the whole chart weekly, so its lines share the axis.
        bucket = COARSER[bucket or ""]
        query = replace(overview.query, bucket=bucket)
        results = [
            coarse[name] if name in coarse else METRICS[name](query=query) for name in present
        ]
        title = f"{title}, by {bucket}"
    if not results[0].series:
        return None
    labels = [bucket_label(b.start, bucket) for b in results[0].series]
    series = {
        m.label: [_point(b.result, scale=scale) for b in r.series]
        for m, r in zip(metrics, results, strict=True)
    }
    rows = [
        [label, *[_with_n(r.series[i].result) for r in results]] for i, label in enumerate(labels)
    ]
    empty = None
    if any(r.sample_size for r in results):
        # Answers there are, but no bucket has enough of them for a point.
        empty = f"Fewer than {MIN_SAMPLES} samples in every {bucket or 'bucket'}"
    return Chart(
        slug=slug,
        title=title,
        svg=line_chart(
            title=title, x_labels=labels, series=series, y_title=y_title, empty_text=empty
        ),
        headers=["Period", *[m.label for m in metrics]],
        rows=rows,
    )


def _matrix_rows(matrix: Matrix, *, top: int | None = None) -> dict[str, list[float]]:
    named = {
        key or "uncategorised": [float(n) for n in counts] for key, counts in matrix.rows.items()
    }
    if top is None or len(named) <= top:
        return named
    keys = list(named)
    head = {key: named[key] for key in keys[:top]}
    rest = [named[key] for key in keys[top:]]
    head["Other"] = [sum(column) for column in zip(*rest, strict=True)]
    return head


def _matrix_chart(
    matrix: Matrix, *, slug: str, title: str, bucket: str | None, top: int | None = None
) -> Chart:
    labels = [bucket_label(lo, bucket) for lo, _ in matrix.buckets]
    series = _matrix_rows(matrix, top=top)
    names = list(series)
    return Chart(
        slug=slug,
        title=title,
        svg=stacked_bar_chart(title=title, x_labels=labels, series=series, y_title="Conversations"),
        headers=["Period", *names],
        rows=[
            [label, *[f"{series[name][i]:,.0f}" for name in names]]
            for i, label in enumerate(labels)
        ],
    )


def charts(overview: Overview, *, coarse: Mapping[str, MetricResult] | None = None) -> list[Chart]:
    """The overview's charts; ``coarse`` (``coarser_series``) redraws thin ones in wider buckets."""
    bucket = overview.query.bucket
    built = [
        _series_chart(
            overview,
            slug="satisfaction",
            title="Satisfaction: CSAT and CES (% good answers)",
            names=("csat", "ces"),
            y_title="%",
            coarse=coarse,
        ),
        _series_chart(
            overview,
            slug="nps",
            title="Net Promoter Score",
            names=("nps",),
            y_title="NPS",
            coarse=coarse,
        ),
        _series_chart(
            overview,
            slug="speed",
            title="Speed: first response, reply and resolution (mean hours)",
            names=("frt", "art", "resolution_time"),
            y_title="hours",
            scale=HOUR,
            coarse=coarse,
        ),
        _series_chart(
            overview,
            slug="sla",
            title="SLA attainment (% of targets met)",
            names=("sla_first_response", "sla_resolution"),
            y_title="%",
            coarse=coarse,
        ),
        _matrix_chart(
            overview.volume_by_channel,
            slug="channels",
            title="Volume by channel",
            bucket=bucket,
        ),
        _matrix_chart(
            overview.volume_by_category,
            slug="categories",
            title="Volume by category",
            bucket=bucket,
            top=TOP_CATEGORIES,
        ),
    ]
    return [chart for chart in built if chart is not None]


def figures_table(overview: Overview) -> Table:
    headers = [
        "Metric",
        "Value",
        "Unit",
        "Sample size",
        "Note",
        "Median",
        "p90",
        "Previous period",
        "Change",
    ]
    rows = []
    for figure in overview.figures.values():
        current = figure.current
        timed = current.unit == "seconds"
        rows.append(
            [
                figure.metric.label,
                _cell(current.value, current.unit),
                current.unit,
                str(current.sample_size),
                current.note,
                _cell(current.median, "seconds") if timed else "",
                _cell(current.p90, "seconds") if timed else "",
                result_text(figure.previous),
                change_text(figure.change, current.unit),
            ]
        )
    return Table(headers=headers, rows=rows)


def matrix_table(matrix: Matrix, *, bucket: str | None) -> Table:
    rows = _matrix_rows(matrix)
    names = list(rows)
    return Table(
        headers=["Period start", *names],
        rows=[
            [bucket_label(lo, bucket), *[f"{rows[name][i]:.0f}" for name in names]]
            for i, (lo, _) in enumerate(matrix.buckets)
        ],
    )


def breakdown_table(rows: Iterable[BreakdownRow], *, first: str, names: Sequence[str]) -> Table:
    present = [name for name in names if name in METRICS]
    headers = [first]
    for name in present:
        headers += [METRICS[name].label, "n"]
    body = []
    for row in rows:
        cells = [row.label]
        for name in present:
            result = row.figures.get(name)
            cells += (
                ["n/a", ""] if result is None else [result_text(result), str(result.sample_size)]
            )
        body.append(cells)
    return Table(headers=headers, rows=body)
