"""Whether a goal is on track: a pure function of its progress points, target and dates.

The rule (also in docs/goals.md, with a worked example):

* After the deadline the goal is **met** if its value on the deadline (the
  metric over the whole goal period) meets the target, else **missed**.
* Before that, with fewer than ``MIN_POINTS`` points since the start there is
  **not enough data**.
* Otherwise a least-squares line through the points, each weighted by its
  sample size, is read at the deadline (kept within the metric's scale).
  The goal is **on track** if that projection meets the target; **at risk**
  if it misses by no more than the tolerance, or if the value meets the
  target today but the trend takes it past by the deadline; **off track**
  otherwise.

The tolerance is 10% of the distance between baseline and target, but never
less than a small band on the metric's own scale (``tolerance_for``), so a
goal whose target is close to its baseline still has a margin.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

Status = Literal["on_track", "at_risk", "off_track", "not_enough_data", "met", "missed"]
ComparisonSign = Literal[">=", "<="]

STATUS_LABELS: dict[str, str] = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "not_enough_data": "Not enough data",
    "met": "Met",
    "missed": "Missed",
}

# Three weekly points (three weeks in) before a trend is read from them.
MIN_POINTS = 3
# Share of the baseline-to-target distance a projection may miss by and be "at risk".
TOLERANCE_SHARE = 0.1


@dataclass(frozen=True)
class Assessment:
    status: Status
    reason: str
    # The trend line's value at the deadline, and its slope per week (None without a fit).
    projected: float | None = None
    slope_per_week: float | None = None
    tolerance: float = 0.0

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def meets(value: float, *, target: float, comparison: ComparisonSign) -> bool:
    return value >= target if comparison == ">=" else value <= target


def shortfall(value: float, *, target: float, comparison: ComparisonSign) -> float:
    """How far the value falls short of the target (zero or less: it meets it)."""
    return target - value if comparison == ">=" else value - target


def band_for(*, unit: str, scale: tuple[float, float] | None, target: float) -> float:
    """The smallest margin worth calling "close": 1% of a bounded scale, else 5% of the target.

    A % metric gets 1 point, NPS (-100..100) 2 points, a 1-5 score 0.04; a
    time or a count has no upper bound, so 5% of the target (3 s of 60 s).
    """
    if scale is not None:
        return (scale[1] - scale[0]) / 100
    return abs(target) * 0.05 if target else 1.0


def tolerance_for(*, baseline: float | None, target: float, band: float) -> float:
    """10% of the baseline-to-target distance, never less than ``band``."""
    if baseline is None:
        return band
    return max(TOLERANCE_SHARE * abs(target - baseline), band)


def weighted_line(points: Sequence[tuple[float, float, float]]) -> tuple[float, float]:
    """(slope, intercept) of the least-squares line through (x, y, weight) points."""
    total = sum(w for _, _, w in points)
    mean_x = sum(w * x for x, _, w in points) / total
    mean_y = sum(w * y for _, y, w in points) / total
    spread = sum(w * (x - mean_x) ** 2 for x, _, w in points)
    slope = sum(w * (x - mean_x) * (y - mean_y) for x, y, w in points) / spread
    return slope, mean_y - slope * mean_x


def assess(
    *,
    points: Sequence[tuple[date, float, float]],
    target: float,
    comparison: ComparisonSign,
    start: date,
    deadline: date,
    today: date,
    tolerance: float,
    bounds: tuple[float, float] = (-math.inf, math.inf),
    min_points: int = MIN_POINTS,
) -> Assessment:
    """The goal's status on ``today`` from its progress points (date, value, weight).

    The weight is what the figure rests on (its sample size), so an early
    figure from a handful of answers moves the line less than a later one.
    The projection is kept within ``bounds`` (a share cannot pass 100%).
    """
    if deadline <= start:
        raise ValueError("The deadline must be after the start.")
    if tolerance < 0:
        raise ValueError("The tolerance cannot be negative.")
    if today < start:
        return Assessment("not_enough_data", f"The goal starts on {start.isoformat()}.")
    known = sorted(
        (day, value, weight)
        for day, value, weight in points
        if start <= day <= min(today, deadline) and weight > 0
    )
    if today > deadline:
        if not known:
            return Assessment("not_enough_data", "No figure was measured during the goal.")
        final_day, final, _ = known[-1]
        verdict: Status = "met" if meets(final, target=target, comparison=comparison) else "missed"
        return Assessment(verdict, f"{final:.4g} on {final_day.isoformat()} against {target:g}.")
    # A line needs two distinct days at the very least.
    if len({day for day, _, _ in known}) < max(min_points, 2):
        return Assessment(
            "not_enough_data",
            f"{len(known)} of the {min_points} weekly figures a trend needs.",
            tolerance=tolerance,
        )
    slope, intercept = weighted_line(
        [(float((day - start).days), value, weight) for day, value, weight in known]
    )
    low, high = bounds
    projected = min(max(intercept + slope * (deadline - start).days, low), high)
    current = known[-1][1]
    gap = shortfall(projected, target=target, comparison=comparison)

    def judged(status: Status, reason: str) -> Assessment:
        return Assessment(
            status, reason, projected=projected, slope_per_week=slope * 7, tolerance=tolerance
        )

    if gap <= 0:
        return judged("on_track", f"The trend reaches {projected:.4g} by the deadline.")
    short = f"The trend reaches {projected:.4g}, {gap:.3g} short of {target:g}"
    if gap <= tolerance:
        return judged("at_risk", f"{short}, within the tolerance of {tolerance:.3g}.")
    if meets(current, target=target, comparison=comparison):
        return judged(
            "at_risk",
            f"{current:.4g} meets the target today, but the trend ends at {projected:.4g}.",
        )
    return judged("off_track", f"{short}.")
