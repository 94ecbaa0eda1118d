"""API for goals: staff read the goals of their teams; admins and supervisors set them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, cast

from django.http import HttpRequest
from ninja import Query, Router, Status

from concord.api.auth import current_user
from concord.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS
from concord.common.errors import NotFound
from concord.goals import selectors, services
from concord.goals.models import Goal
from concord.goals.schemas import GoalDetailOut, GoalFiltersIn, GoalIn, GoalOut, GoalPatchIn
from concord.goals.selectors import GoalDetail, GoalSummary
from concord.goals.services import GoalFields

router = Router(tags=["goals"])


def goal_data(goal: GoalSummary) -> dict[str, Any]:
    scope = goal.scope
    return {
        "id": goal.id,
        "name": goal.name,
        "objective": goal.objective,
        "metric": goal.metric,
        "metric_label": goal.metric_label,
        "unit": goal.unit,
        "comparison": goal.comparison,
        "threshold": goal.threshold,
        "target": goal.target,
        "scope": {**asdict(scope), "text": scope.describe()},
        "start": goal.start,
        "deadline": goal.deadline,
        "owners": [asdict(team) for team in goal.owners],
        "created_by": goal.created_by and asdict(goal.created_by),
        "created_at": goal.created_at,
        "archived": goal.archived,
        "baseline": asdict(goal.baseline),
        "current": goal.current and asdict(goal.current),
        "status": {**asdict(goal.assessment), "label": goal.assessment.label},
        "can_manage": goal.can_manage,
    }


def detail_data(detail: GoalDetail) -> dict[str, Any]:
    return {
        **goal_data(detail.goal),
        "progress": [asdict(point) for point in detail.progress],
        "series": [asdict(week) for week in detail.weekly],
        "changes": [asdict(change) for change in detail.changes],
    }


def _visible(request: HttpRequest, goal_id: int) -> Goal:
    goal = (
        selectors.goal_get_for_user(user=current_user(request), goal_id=goal_id)
        if 0 < goal_id <= MAX_ID
        else None
    )
    if goal is None:
        raise NotFound(f"Goal {goal_id} not found.")
    return goal


def _detail(request: HttpRequest, goal_id: int) -> dict[str, Any]:
    user = current_user(request)
    detail = selectors.goal_detail(user=user, goal_id=goal_id) if 0 < goal_id <= MAX_ID else None
    if detail is None:
        raise NotFound(f"Goal {goal_id} not found.")
    return detail_data(detail)


@router.get("/goals", response={200: list[GoalOut], **READ_ERRORS})
def list_goals(request: HttpRequest, params: Query[GoalFiltersIn]) -> list[dict[str, Any]]:
    """The goals of the caller's teams (admins: all), by deadline; archived ones on request."""
    goals = selectors.goal_summaries(user=current_user(request), include_archived=params.archived)
    return [goal_data(goal) for goal in goals]


@router.get("/goals/{goal_id}", response={200: GoalDetailOut, **READ_ERRORS})
def get_goal(request: HttpRequest, goal_id: int) -> dict[str, Any]:
    """One goal with its status, baseline, daily progress, weekly figures and history."""
    return _detail(request, goal_id)


@router.post("/goals", response={201: GoalDetailOut, **WRITE_ERRORS})
def create_goal(request: HttpRequest, payload: GoalIn) -> Status[dict[str, Any]]:
    """Admins: any goal; supervisors: goals owned by their own teams only."""
    goal = services.goal_create(actor=current_user(request), **payload.model_dump())
    return Status(201, _detail(request, goal.pk))


@router.patch("/goals/{goal_id}", response={200: GoalDetailOut, **WRITE_ERRORS})
def update_goal(request: HttpRequest, goal_id: int, payload: GoalPatchIn) -> dict[str, Any]:
    """Change the fields sent; each change is recorded in the goal's history."""
    goal = _visible(request, goal_id)
    changes = cast(GoalFields, payload.model_dump(exclude_unset=True))
    services.goal_update(goal=goal, actor=current_user(request), changes=changes)
    return _detail(request, goal_id)


@router.post("/goals/{goal_id}/archive", response={200: GoalDetailOut, **WRITE_ERRORS})
def archive_goal(request: HttpRequest, goal_id: int) -> dict[str, Any]:
    """Archive a goal: it leaves the list (``?archived=true`` lists it) and is not measured."""
    goal = _visible(request, goal_id)
    services.goal_archive(goal=goal, actor=current_user(request))
    return _detail(request, goal_id)


@router.post("/goals/{goal_id}/restore", response={200: GoalDetailOut, **WRITE_ERRORS})
def restore_goal(request: HttpRequest, goal_id: int) -> dict[str, Any]:
    """Bring an archived goal back."""
    goal = _visible(request, goal_id)
    services.goal_archive(goal=goal, actor=current_user(request), archived=False)
    return _detail(request, goal_id)
