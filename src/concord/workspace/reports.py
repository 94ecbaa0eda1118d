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


def bucket_label(start: datetime, bucket: str | None, *, year: bool = False) -> str:
    """A bucket as a chart axis names it ("07 Dec"), or with its year for tables ("7 Dec 2026")."""
    if bucket == "month":
        return f"{start:%b %Y}"
    day = f"{start.day} {start:%b %Y}" if year else f"{start:%d %b}"
    return f"w/c {day}" if bucket == "week" else day


def number(value: float | None) -> str:
    """A raw figure for a CSV cell: up to two decimals, no units or separators; "" for none."""
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _raw(result: MetricResult | None) -> str:
    """A result's value for a CSV cell; "" when there is none or too few samples."""
    if result is None or result.value is None or not result.enough:
        return ""
    return number(result.value)


def _point(result: MetricResult, *, scale: float = 1.0) -> float | None:
    """A chart point; a bucket with too few samples is a gap, not a misleading dot."""
    if result.value is None or not result.enough:
        return None
    return round(result.value / scale, 2)


def _with_n(result: MetricResult) -> str:
    return f"{result_text(result)} (n={result.sample_size})"


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
    starts = [b.start for b in results[0].series]
    labels = [bucket_label(start, bucket) for start in starts]
    series = {
        m.label: [_point(b.result, scale=scale) for b in r.series]
        for m, r in zip(metrics, results, strict=True)
    }
    rows = [
        [bucket_label(start, bucket, year=True), *[_with_n(r.series[i].result) for r in results]]
        for i, start in enumerate(starts)
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
            [bucket_label(lo, bucket, year=True), *[f"{series[name][i]:,.0f}" for name in names]]
            for i, (lo, _) in enumerate(matrix.buckets)
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
    """Every figure for the CSV export: raw numbers in the unit its "Unit" column names."""
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
                _raw(current),
                current.unit,
                str(current.sample_size),
                current.note,
                number(current.median) if timed else "",
                number(current.p90) if timed else "",
                _raw(figure.previous),
                number(figure.change),
            ]
        )
    return Table(headers=headers, rows=rows)


def matrix_table(matrix: Matrix) -> Table:
    """Counts per bucket for the CSV export; each bucket by its first day (ISO)."""
    rows = _matrix_rows(matrix)
    names = list(rows)
    return Table(
        headers=["Period start", *names],
        rows=[
            [f"{lo:%Y-%m-%d}", *[f"{rows[name][i]:.0f}" for name in names]]
            for i, (lo, _) in enumerate(matrix.buckets)
        ],
    )


def breakdown_table(
    rows: Iterable[BreakdownRow], *, first: str, names: Sequence[str], raw: bool = False
) -> Table:
    """Figures per team or agent: as the page writes them, or ``raw`` numbers for a CSV.

    Raw headers name each metric's unit ("First response time (seconds)"); a
    figure with too few samples is an empty cell beside its sample size.
    """
    rows = list(rows)
    present = [name for name in names if name in METRICS]
    headers = [first]
    for name in present:
        label = METRICS[name].label
        if raw:
            unit = next((r.figures[name].unit for r in rows if name in r.figures), "")
            label = f"{label} ({unit})" if unit else label
        headers += [label, "n"]
    body = []
    for row in rows:
        cells = [row.label]
        for name in present:
            result = row.figures.get(name)
            if result is None:
                cells += ["" if raw else "n/a", ""]
            else:
                text = _raw(result) if raw else result_text(result)
                cells += [text, str(result.sample_size)]
        body.append(cells)
    return Table(headers=headers, rows=body)
