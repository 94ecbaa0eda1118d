"""Every write to goals: create, change, archive, and measuring progress."""

from concord.goals.services.definitions import (
    GoalFields,
    goal_archive,
    goal_create,
    goal_update,
)
from concord.goals.services.measure import (
    baseline_measure,
    goal_measure,
    goal_measure_history,
    goals_measure_all,
)

__all__ = [
    "GoalFields",
    "baseline_measure",
    "goal_archive",
    "goal_create",
    "goal_measure",
    "goal_measure_history",
    "goal_update",
    "goals_measure_all",
]
