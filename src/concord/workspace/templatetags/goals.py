"""Template helpers for goals: figures with their sample size, days left, who may add one."""

from __future__ import annotations

from datetime import date, timedelta

from django import template
from django.template import Context
from django.utils import timezone

from concord.accounts.models import User
from concord.goals.definition import today
from concord.goals.selectors import GoalSummary, WeekFigure
from concord.metrics.display import change_text, value_text
from concord.metrics.selectors import MIN_SAMPLES
from concord.workspace.goal_forms import may_create_goals

register = template.Library()


@register.simple_tag
def figure(value: float | None, sample_size: int, enough: bool, unit: str) -> str:
    """A goal's figure as the reports write one: the value, or why there is none.

    Goal figures are stored plain (value, sample size, enough), so this is
    ``concord.metrics.display.result_text`` for them.
    """
    if value is None or sample_size == 0:
        return "no data"
    if not enough:
        return f"too few samples ({sample_size} < {MIN_SAMPLES})"
    return value_text(value, unit)


@register.filter
def in_unit(value: float | None, unit: str) -> str:
    """A value on the goal's scale, written as the reports write it ("82.0%", "3 min")."""
    return value_text(value, unit)


@register.filter
def trend_text(goal: GoalSummary) -> str:
    """ "Trend +0.7 pts a week; tolerance 1.0 pts.": what the status was read from."""
    assessment = goal.assessment
    if assessment.slope_per_week is None:
        return ""
    slope = change_text(assessment.slope_per_week, goal.unit)
    tolerance = change_text(assessment.tolerance, goal.unit).lstrip("+")
    return f"Trend {slope} a week; tolerance {tolerance}."


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


@register.filter
def days_left(goal: GoalSummary, on: date | None = None) -> str:
    """ "40 days left", "last day", "starts in 3 days", "ended 2 days ago"."""
    on = on or today(timezone.now())
    if on < goal.start:
        return f"starts in {_days((goal.start - on).days)}"
    left = (goal.deadline - on).days
    if left > 0:
        return f"{_days(left)} left"
    if left == 0:
        return "last day"
    return f"ended {_days(-left)} ago"


@register.filter
def day_before(day: date | None) -> date | None:
    """The last day of a period given as [start, end)."""
    return None if day is None else day - timedelta(days=1)


@register.filter
def week_label(week: WeekFigure) -> str:
    """ "3 Mar to 9 Mar 2026": a week's first and last day (its ``end`` is the day after)."""
    last = week.end - timedelta(days=1)
    if last <= week.start:
        return f"{week.start.day} {week.start:%b %Y}"
    first = f"{week.start.day} {week.start:%b}"
    if week.start.year != last.year:
        first += f" {week.start:%Y}"
    return f"{first} to {last.day} {last:%b %Y}"


@register.simple_tag(takes_context=True)
def may_add_goals(context: Context) -> bool:
    """Whether the signed-in user may create goals (for the "New goal" link)."""
    user = context.get("user")
    return isinstance(user, User) and may_create_goals(user=user)
