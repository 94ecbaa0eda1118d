"""The status rule on synthetic trends: weekly figures against a target and the time left."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from concord.goals.status import (
    ComparisonSign,
    assess,
    band_for,
    tolerance_for,
    weighted_line,
)

START = date(2025, 1, 6)
DEADLINE = START + timedelta(days=90)
# Five weeks in: figures on days 6, 13, 20, 27 and 34.
TODAY = START + timedelta(days=34)


def weekly(values: Sequence[float], weight: float = 100.0) -> list[tuple[date, float, float]]:
    return [(START + timedelta(days=6 + 7 * k), v, weight) for k, v in enumerate(values)]


def status(
    values: Sequence[float],
    *,
    target: float = 85.0,
    comparison: ComparisonSign = ">=",
    today: date = TODAY,
    tolerance: float = 1.0,
) -> str:
    return assess(
        points=weekly(values),
        target=target,
        comparison=comparison,
        start=START,
        deadline=DEADLINE,
        today=today,
        tolerance=tolerance,
        bounds=(0.0, 100.0),
    ).status


# ---- at least (CSAT >= 85) -----------------------------------------------------------


def test_a_steady_climb_that_reaches_the_target_is_on_track() -> None:
    result = assess(
        points=weekly([78, 79.5, 81, 82.5, 84]),
        target=85,
        comparison=">=",
        start=START,
        deadline=DEADLINE,
        today=TODAY,
        tolerance=1.0,
    )
    assert result.status == "on_track"
    # 1.5 points a week from 78 on day 6: 78 + 1.5 * 84 / 7 = 96 on day 90.
    assert result.projected == pytest.approx(96.0)
    assert result.slope_per_week == pytest.approx(1.5)


def test_a_decline_far_below_the_target_is_off_track() -> None:
    assert status([78, 77.5, 77, 76.5, 76]) == "off_track"


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (85.0, "on_track"),  # exactly the target
        (84.2, "at_risk"),  # 0.8 short, within the tolerance of 1
        (84.0, "at_risk"),  # exactly the tolerance short
        (83.8, "off_track"),  # 1.2 short
    ],
)
def test_the_boundaries_around_the_target(level: float, expected: str) -> None:
    assert status([level] * 5) == expected


def test_a_climb_that_falls_just_short_is_at_risk() -> None:
    # 0.5 a week from 78: 78 + 0.5 * 12 = 84 on the deadline, one point short.
    assert status([78, 78.5, 79, 79.5, 80]) == "at_risk"
    # 0.45 a week: 83.4, 1.6 short.
    assert status([78, 78.45, 78.9, 79.35, 79.8]) == "off_track"


def test_meeting_the_target_today_while_sliding_away_from_it_is_at_risk() -> None:
    assert status([90, 89, 88, 87, 86]) == "at_risk"


def test_a_projection_stays_within_the_scale() -> None:
    result = assess(
        points=weekly([80, 88, 96]),
        target=85,
        comparison=">=",
        start=START,
        deadline=DEADLINE,
        today=START + timedelta(days=20),
        tolerance=1.0,
        bounds=(0.0, 100.0),
    )
    assert (result.status, result.projected) == ("on_track", 100.0)


def test_an_early_figure_on_few_samples_counts_for_less() -> None:
    days = [START + timedelta(days=6 + 7 * k) for k in range(5)]
    # The first week rests on 5 answers, the others on 100 each.
    points = [(days[0], 40.0, 5.0), *((day, 84.0, 100.0) for day in days[1:])]

    def projected(weighted: bool) -> float | None:
        return assess(
            points=[(d, v, w if weighted else 1.0) for d, v, w in points],
            target=85,
            comparison=">=",
            start=START,
            deadline=DEADLINE,
            today=days[-1],
            tolerance=1.0,
        ).projected

    # Unweighted, the jump from 40 to 84 reads as a steep climb; weighted, as a gentle one.
    assert projected(weighted=False) == pytest.approx(163.2)
    assert projected(weighted=True) == pytest.approx(93.2, abs=0.1)


# ---- at most (reopen rate <= 5) -------------------------------------------------------


def test_a_falling_rate_that_gets_under_the_ceiling_is_on_track() -> None:
    assert status([8, 7.5, 7, 6.5, 6], target=5, comparison="<=") == "on_track"


def test_a_rising_rate_is_off_track() -> None:
    assert status([8, 8.2, 8.4, 8.6, 8.8], target=5, comparison="<=") == "off_track"


@pytest.mark.parametrize(
    ("level", "expected"),
    [(5.0, "on_track"), (5.8, "at_risk"), (6.0, "at_risk"), (6.2, "off_track")],
)
def test_the_boundaries_around_a_ceiling(level: float, expected: str) -> None:
    assert status([level] * 5, target=5, comparison="<=") == expected


def test_under_the_ceiling_today_but_rising_past_it_is_at_risk() -> None:
    assert status([2, 2.5, 3, 3.5, 4], target=5, comparison="<=") == "at_risk"


# ---- too early, too little, and after the deadline ------------------------------------


def test_two_weekly_figures_are_not_a_trend() -> None:
    assert status([78, 90], today=START + timedelta(days=13)) == "not_enough_data"


def test_figures_after_today_are_not_read() -> None:
    assert status([84, 84, 84, 84, 84], today=START + timedelta(days=14)) == "not_enough_data"


def test_a_goal_that_has_not_started() -> None:
    result = assess(
        points=[],
        target=85,
        comparison=">=",
        start=START,
        deadline=DEADLINE,
        today=START - timedelta(days=1),
        tolerance=1.0,
    )
    assert result.status == "not_enough_data"
    assert "starts on 2025-01-06" in result.reason


@pytest.mark.parametrize(
    ("final", "comparison", "expected"),
    [
        (85.0, ">=", "met"),
        (84.9, ">=", "missed"),
        (5.0, "<=", "met"),
        (5.1, "<=", "missed"),
    ],
)
def test_after_the_deadline_the_final_figure_decides(
    final: float, comparison: ComparisonSign, expected: str
) -> None:
    target = 85.0 if comparison == ">=" else 5.0
    # A trend that pointed the other way does not matter once the time is up.
    points = [*weekly([final + 10, final + 5] if comparison == "<=" else [final - 10, final - 5])]
    points.append((DEADLINE, final, 100.0))
    # A figure after the deadline is outside the goal.
    points.append((DEADLINE + timedelta(days=1), target + (10 if comparison == ">=" else -4), 100))
    result = assess(
        points=points,
        target=target,
        comparison=comparison,
        start=START,
        deadline=DEADLINE,
        today=DEADLINE + timedelta(days=3),
        tolerance=1.0,
    )
    assert result.status == expected


def test_after_the_deadline_without_any_figure() -> None:
    result = assess(
        points=[],
        target=85,
        comparison=">=",
        start=START,
        deadline=DEADLINE,
        today=DEADLINE + timedelta(days=1),
        tolerance=1.0,
    )
    assert result.status == "not_enough_data"


def test_a_deadline_before_the_start_is_refused() -> None:
    with pytest.raises(ValueError, match="after the start"):
        assess(
            points=[],
            target=1,
            comparison=">=",
            start=START,
            deadline=START,
            today=START,
            tolerance=0,
        )


# ---- the tolerance ---------------------------------------------------------------------


def test_the_tolerance_is_a_tenth_of_the_way_from_baseline_to_target() -> None:
    assert tolerance_for(baseline=60, target=85, band=1.0) == pytest.approx(2.5)
    assert tolerance_for(baseline=12, target=5, band=1.0) == pytest.approx(1.0)


def test_a_target_near_its_baseline_keeps_the_band() -> None:
    assert tolerance_for(baseline=84.5, target=85, band=1.0) == 1.0
    assert tolerance_for(baseline=None, target=85, band=1.0) == 1.0


def test_the_band_follows_the_metric_scale() -> None:
    assert band_for(unit="%", scale=(0, 100), target=85) == 1.0
    assert band_for(unit="NPS", scale=(-100, 100), target=30) == 2.0
    assert band_for(unit="seconds", scale=None, target=60) == 3.0


def test_the_weighted_line_of_points_on_a_line() -> None:
    slope, intercept = weighted_line([(0, 1, 1), (1, 3, 5), (2, 5, 2)])
    assert slope == pytest.approx(2.0)
    assert intercept == pytest.approx(1.0)


# ---- the worked example in docs/goals.md ----------------------------------------------


@pytest.mark.parametrize(
    ("target", "values", "expected", "projected"),
    [
        (85.0, [79, 80, 80.5, 81.5, 82], "on_track", 87.845),
        (88.0, [79, 80, 80.5, 81.5, 82], "at_risk", 87.845),
        (90.0, [79, 80, 80.5, 81.5, 82], "off_track", 87.845),
        (85.0, [86, 86, 85.5, 85.5, 85], "at_risk", 82.988),
    ],
)
def test_the_worked_example(
    target: float, values: list[float], expected: str, projected: float
) -> None:
    start, baseline = date(2025, 3, 3), 78.0
    answers = [40, 80, 120, 160, 160]
    points = [
        (start + timedelta(days=day), value, float(n))
        for day, value, n in zip([6, 13, 20, 27, 34], values, answers, strict=True)
    ]
    result = assess(
        points=points,
        target=target,
        comparison=">=",
        start=start,
        deadline=date(2025, 5, 31),
        today=date(2025, 4, 6),
        tolerance=tolerance_for(baseline=baseline, target=target, band=1.0),
        bounds=(0.0, 100.0),
    )
    assert result.status == expected
    assert result.projected == pytest.approx(projected, abs=0.001)
