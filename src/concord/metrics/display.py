"""How a figure is written for people: one place for the page, the CSV export and the email."""

from __future__ import annotations

from concord.metrics.selectors.query import MetricResult

# Below this a duration keeps its seconds: an ASA of 100 s is "1 min 40 s", not "2 min".
SECONDS_SHOWN_BELOW = 600


def duration_text(seconds: float) -> str:
    """A duration as people say it: "45 s", "1 min 40 s", "12 min", "3 h 20 min", "2 d 4 h"."""
    seconds = max(0.0, seconds)
    if round(seconds) < 60:
        return f"{round(seconds)} s"
    if round(seconds) < SECONDS_SHOWN_BELOW:
        whole, rest = divmod(round(seconds), 60)
        return f"{whole} min {rest} s" if rest else f"{whole} min"
    minutes = seconds / 60
    if round(minutes) < 60:
        return f"{round(minutes)} min"
    hours, rest = divmod(round(minutes), 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def value_text(value: float | None, unit: str) -> str:
    """A value in its unit; "-" when there is none."""
    if value is None:
        return "-"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "NPS":
        return f"{value:+.0f}"
    if unit == "seconds":
        return duration_text(value)
    if unit == "score":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def result_text(result: MetricResult) -> str:
    """The figure, or why there is none: "no data", "too few samples (3 < 5)"."""
    if result.value is None or not result.enough:
        return result.note or "no data"
    return value_text(result.value, result.unit)


def change_text(change: float | None, unit: str) -> str:
    """A signed difference from the previous period, in the metric's unit."""
    if change is None:
        return ""
    if unit == "%":
        return f"{change:+.1f} pts"
    if unit == "seconds":
        sign = "+" if change >= 0 else "-"
        return f"{sign}{duration_text(abs(change))}"
    if unit == "score":
        return f"{change:+.2f}"
    return f"{change:+,.0f}"
