"""Measuring goals: the baseline, one day's cumulative figure, and the scheduled job."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from concord.common.errors import ValidationFailed
from concord.goals.definition import (
    Definition,
    baseline_period,
    midnight,
    recent_start,
    today,
)
from concord.goals.models import Goal, GoalMeasurement
from concord.goals.selectors import goals_to_measure, measured_days
from concord.metrics.selectors import MetricResult

logger = logging.getLogger("concord.goals")


@dataclass(frozen=True)
class BaselineFigure:
    result: MetricResult
    start: date
    end: date


def baseline_measure(
    *, definition: Definition, start: date, deadline: date, on: date
) -> BaselineFigure:
    """The metric over the baseline period (see ``definition.baseline_period``)."""
    first, end = baseline_period(start=start, deadline=deadline, on=on)
    result = definition.registered(query=definition.query(start=first, end=end))
    return BaselineFigure(result=result, start=first, end=end)


def goal_measure(*, goal: Goal, day: date, now: datetime | None = None) -> GoalMeasurement:
    """Record the metric through the end of ``day``, from the start and over the recent days.

    Measuring the same day again overwrites its row.
    """
    if not goal.start <= day <= goal.deadline:
        raise ValidationFailed(
            f"A goal is measured from {goal.start} to {goal.deadline}, not on {day}.", field="day"
        )
    definition = Definition.of(goal)
    end = day + timedelta(days=1)
    result = definition.registered(query=definition.query(start=goal.start, end=end))
    first = recent_start(day=day, start=goal.start)
    recent = (
        result
        if first == goal.start
        else definition.registered(query=definition.query(start=first, end=end))
    )
    with transaction.atomic():
        row, _ = GoalMeasurement.objects.update_or_create(
            goal=goal,
            measured_on=day,
            defaults={
                "value": result.value,
                "sample_size": result.sample_size,
                "enough": result.enough,
                "recent_value": recent.value,
                "recent_sample_size": recent.sample_size,
                "recent_enough": recent.enough,
                "measured_at": now or timezone.now(),
            },
        )
    return row


def goal_measure_history(*, goal: Goal, now: datetime | None = None) -> int:
    """Measure what the goal's progress is missing; returns how many days were measured.

    Today (so far) is measured on every run; a past day only until it has
    been measured after it ended, so yesterday is finished once after
    midnight and left alone from then on. The last day of each week since
    the start (what the status rule reads) is filled in if it is missing,
    e.g. for a goal that started before it was created or a worker that was down.
    """
    now = now or timezone.now()
    on = today(now)
    last = min(on, goal.deadline)
    if goal.archived or last < goal.start:
        return 0
    wanted = {last}
    yesterday = on - timedelta(days=1)
    if goal.start <= yesterday <= last:
        wanted.add(yesterday)
    week_end = goal.start + timedelta(days=6)
    while week_end <= last:
        wanted.add(week_end)
        week_end += timedelta(days=7)
    done = measured_days(goal=goal)
    measured = 0
    for day in sorted(wanted):
        at = done.get(day)
        if at is not None and at >= midnight(day + timedelta(days=1)):
            continue
        goal_measure(goal=goal, day=day, now=now)
        measured += 1
    return measured


def goals_measure_all(*, now: datetime | None = None) -> int:
    """The scheduled job: bring every live goal's progress up to date.

    One goal that cannot be measured (say its calendar's data is broken) is
    logged and skipped rather than holding up the others.
    """
    now = now or timezone.now()
    measured = 0
    for goal in goals_to_measure(on=today(now)):
        try:
            measured += goal_measure_history(goal=goal, now=now)
        except Exception:
            logger.exception("Could not measure goal %s.", goal.pk)
    return measured
