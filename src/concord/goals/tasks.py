"""Background work for goals."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django_tasks import task

from concord.goals.selectors import goal_by_id
from concord.goals.services import goal_measure_history


@task()
def measure_goal(*, goal_id: int, now: str | None = None) -> int:
    """Fill in a new or changed goal's progress as of ``now`` (ISO time); safe to run twice."""
    goal = goal_by_id(goal_id=goal_id)
    if goal is None:
        return 0
    moment = datetime.fromisoformat(now) if now else timezone.now()
    return goal_measure_history(goal=goal, now=min(moment, timezone.now()))
