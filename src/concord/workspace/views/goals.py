"""Goals in the workspace: one goal's page with its progress chart, the forms, archiving.

Who sees and who changes which goal is decided by the goals selectors and
services (``goal_detail``, ``goal_may_manage``); a goal the user may not see,
or may not change when asking to, is a 404 like any other missing page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concord.accounts.models import User
from concord.common.errors import NotAllowed, ServiceError
from concord.goals.definition import today
from concord.goals.models import Goal
from concord.goals.selectors import GoalDetail, GoalSummary, goal_detail, goal_get_for_user
from concord.goals.services import goal_archive, goal_create, goal_update
from concord.workspace.charts import line_chart
from concord.workspace.forms import MAX_ID, add_service_error
from concord.workspace.goal_forms import (
    GoalForm,
    goal_initial,
    may_create_goals,
    new_goal_initial,
)
from concord.workspace.templatetags.goals import figure
from concord.workspace.views._common import staff, staff_required


@dataclass(frozen=True)
class ProgressChart:
    svg: SafeString
    headers: list[str]
    rows: list[list[str]]


def _scale(goal: GoalSummary) -> tuple[float, str]:
    """Times drawn in the unit their target is set in: seconds, minutes or hours."""
    if goal.unit != "seconds":
        return 1.0, goal.unit
    if goal.threshold >= 3 * 3600:
        return 3600.0, "hours"
    if goal.threshold >= 180:
        return 60.0, "minutes"
    return 1.0, "seconds"


def _y(value: float | None, enough: bool, scale: float) -> float | None:
    # A day with too few samples is a gap in the line, not a misleading dot.
    if value is None or not enough:
        return None
    return round(value / scale, 2)


def progress_chart(goal: GoalSummary) -> ProgressChart | None:
    """The figure since the start and over the last 28 days on each day measured, with the target.

    The baseline is drawn flat too when it rests on enough samples, so the
    chart shows where the goal came from as well as where it has to go.
    """
    points = goal.progress
    if not points:
        return None
    scale, y_title = _scale(goal)
    flat = [round(goal.threshold / scale, 2)] * len(points)
    series: dict[str, list[float | None]] = {
        "Since start": [_y(p.value, p.enough, scale) for p in points],
        "Last 28 days": [_y(p.recent_value, p.recent_enough, scale) for p in points],
        f"Target {goal.target}": list(flat),
    }
    baseline = goal.baseline
    if baseline.value is not None and baseline.enough:
        series["Baseline"] = [round(baseline.value / scale, 2)] * len(points)
    unit = goal.unit
    rows = [
        [
            f"{p.on:%a %d %b %Y}",
            f"{figure(p.value, p.sample_size, p.enough, unit)} (n={p.sample_size})",
            f"{figure(p.recent_value, p.recent_sample_size, p.recent_enough, unit)}"
            f" (n={p.recent_sample_size})",
        ]
        for p in points
    ]
    return ProgressChart(
        svg=line_chart(
            title=f"{goal.metric_label}: progress",
            x_labels=[f"{p.on:%d %b}" for p in points],
            series=series,
            y_title=y_title,
        ),
        headers=["Day", "Since start", "Last 28 days"],
        rows=rows,
    )


def _detail(user: User, pk: int) -> GoalDetail:
    detail = goal_detail(user=user, goal_id=pk) if 0 < pk <= MAX_ID else None
    if detail is None:
        raise Http404("No such goal.")
    return detail


def _instance(user: User, pk: int) -> Goal:
    goal = goal_get_for_user(user=user, goal_id=pk) if 0 < pk <= MAX_ID else None
    if goal is None:
        raise Http404("No such goal.")
    return goal


def _to_detail(pk: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("workspace:goal", args=[pk]))


@staff_required
@require_GET
def goal_page(request: HttpRequest, pk: int) -> HttpResponse:
    detail = _detail(staff(request), pk)
    context = {
        "section": "reports",
        "goal": detail.goal,
        "weekly": detail.weekly,
        "changes": detail.changes,
        "chart": progress_chart(detail.goal),
        "today": today(timezone.now()),
    }
    return render(request, "workspace/goal_detail.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not may_create_goals(user=user):
        raise Http404("No such page.")
    if request.method == "POST":
        form = GoalForm(request.POST, user=user)
        if form.is_valid():
            try:
                goal = goal_create(actor=user, **form.goal_fields())
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"Goal “{goal.name}” created; its baseline is measured.")
                return _to_detail(goal.pk)
    else:
        form = GoalForm(user=user, initial=new_goal_initial(user=user))
    return render(
        request, "workspace/goal_form.html", {"section": "reports", "form": form, "goal": None}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    summary = _detail(user, pk).goal
    if not summary.can_manage:
        raise Http404("No such goal.")
    if request.method == "POST":
        form = GoalForm(request.POST, user=user, goal=summary)
        if form.is_valid():
            try:
                goal_update(goal=_instance(user, pk), actor=user, changes=form.goal_fields())
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Goal saved; every change is in its history.")
                return _to_detail(pk)
    else:
        form = GoalForm(user=user, initial=goal_initial(summary), goal=summary)
    return render(
        request, "workspace/goal_form.html", {"section": "reports", "form": form, "goal": summary}
    )


@staff_required
@require_POST
def goal_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Archive the goal, or with ``archived=no`` bring it back."""
    user = staff(request)
    goal = _instance(user, pk)
    archived = request.POST.get("archived") != "no"
    try:
        goal_archive(goal=goal, actor=user, archived=archived)
    except NotAllowed:
        raise Http404("No such goal.") from None
    if archived:
        messages.success(
            request, "Goal archived: it is off the reports page and no longer measured."
        )
    else:
        messages.success(request, "Goal restored: it is measured again.")
    return _to_detail(pk)
