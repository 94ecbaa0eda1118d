"""Reports: the CX overview, per-team and per-agent tables, and CSV exports of each table.

Every view narrows the query through ``report_query_for_user``, the one
access rule for figures: asking for a team or agent that is not yours is a 404.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from typing import Literal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from concord.accounts.models import User
from concord.accounts.selectors import user_zone
from concord.common.errors import NotAllowed
from concord.goals.selectors import goal_summaries
from concord.metrics.selectors import MetricQuery, cx_overview
from concord.metrics.selectors.access import (
    report_agents,
    report_query_for_user,
    report_teams,
)
from concord.metrics.selectors.breakdown import BREAKDOWN_METRICS, breakdown
from concord.reports.selectors import summary_subscription_for
from concord.reports.services import summary_subscribe, summary_unsubscribe
from concord.workspace import reports
from concord.workspace.report_filters import Period, ReportFilterForm, build_query
from concord.workspace.views._common import safe_next, staff, staff_required

By = Literal["team", "agent"]
EXPORTS = ("figures", "channels", "categories", "teams", "agents")
# A spreadsheet runs a cell starting with one of these as a formula; figures like
# "+30" or "-2.5 pts" are numbers and stay as they are.
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+\-]?[\d.,]+( ?[a-z%]+)?$")


@dataclass(frozen=True)
class Scoped:
    form: ReportFilterForm
    query: MetricQuery | None
    period: Period | None


def _scoped(request: HttpRequest, user: User) -> Scoped:
    """The filter form and, when it is valid, the query narrowed to what the user may see."""
    form = ReportFilterForm(request.GET, user=user)
    if not form.is_valid():
        return Scoped(form=form, query=None, period=None)
    query, period = build_query(form=form, zone=user_zone(user=user))
    narrowed = report_query_for_user(user=user, query=query)
    if narrowed is None:
        raise Http404("No such report.")
    return Scoped(form=form, query=narrowed, period=period)


def _context(user: User, scoped: Scoped, request: HttpRequest) -> dict[str, object]:
    return {
        "section": "reports",
        "form": scoped.form,
        "period": scoped.period,
        "query": scoped.query,
        "params": request.GET.urlencode(),
        "sees_teams": _may_break_down(user, "team"),
        "sees_agents": _may_break_down(user, "agent"),
        "subscription": summary_subscription_for(user=user),
        "here": request.get_full_path(),
    }


@staff_required
@require_GET
def report_overview(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    scoped = _scoped(request, user)
    context = _context(user, scoped, request)
    if scoped.query is not None:
        overview = cx_overview(query=scoped.query)
        context |= {
            "groups": reports.tile_groups(overview),
            "charts": reports.charts(overview, coarse=reports.coarser_series(overview)),
            "generated_at": timezone.now(),
            "goals": goal_summaries(user=user),
        }
    return render(request, "workspace/reports.html", context)


def _breakdown_table(user: User, query: MetricQuery, by: By, *, raw: bool = False) -> reports.Table:
    """Figures per team or agent the user may see; the other filters still apply.

    The query's own team or agent (a supervisor's is pinned to a team) is
    dropped: each row narrows to its member instead.
    """
    across = replace(query, team_id=None, agent_id=None)
    if by == "team":
        rows = breakdown(query=across, by="team", members=report_teams(user=user))
        return reports.breakdown_table(rows, first="Team", names=BREAKDOWN_METRICS, raw=raw)
    rows = breakdown(query=across, by="agent", members=report_agents(user=user))
    return reports.breakdown_table(rows, first="Agent", names=BREAKDOWN_METRICS, raw=raw)


def _may_break_down(user: User, by: By) -> bool:
    if by == "team":
        return bool(report_teams(user=user))
    return len(report_agents(user=user)) > 1


@staff_required
@require_GET
def report_breakdown(request: HttpRequest, by: By) -> HttpResponse:
    user = staff(request)
    if not _may_break_down(user, by):
        raise Http404("No such report.")
    scoped = _scoped(request, user)
    context = _context(user, scoped, request)
    context["by"] = by
    if scoped.query is not None:
        context["table"] = _breakdown_table(user, scoped.query, by)
    return render(request, "workspace/report_breakdown.html", context)


def _safe_cell(value: str) -> str:
    if _FORMULA.match(value) and not _NUMBER.match(value):
        return "'" + value
    return value


@staff_required
@require_GET
def report_export(request: HttpRequest, table: str) -> HttpResponse:
    user = staff(request)
    if table not in EXPORTS:
        raise Http404("No such table.")
    scoped = _scoped(request, user)
    if scoped.query is None:
        errors = "; ".join(
            f"{field}: {' '.join(str(p) for p in problems)}"
            for field, problems in scoped.form.errors.items()
        )
        return HttpResponse(f"Bad filters: {errors}\n", status=400, content_type="text/plain")
    query = scoped.query
    if table in ("teams", "agents"):
        by: By = "team" if table == "teams" else "agent"
        if not _may_break_down(user, by):
            raise Http404("No such table.")
        data = _breakdown_table(user, query, by, raw=True)
    else:
        overview = cx_overview(query=query)
        if table == "figures":
            data = reports.figures_table(overview)
        elif table == "channels":
            data = reports.matrix_table(overview.volume_by_channel)
        else:
            data = reports.matrix_table(overview.volume_by_category)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    day = f"{query.start:%Y-%m-%d}"
    response["Content-Disposition"] = f'attachment; filename="concord-{table}-{day}.csv"'
    headers = list(data.headers)
    if table in ("channels", "categories"):
        # Each row is a day (or week, month) that starts at midnight in the
        # viewer's zone: say which, or a spreadsheet reader assumes UTC.
        headers[0] = f"{headers[0]} ({query.zone})"
    writer = csv.writer(response)
    writer.writerow([_safe_cell(cell) for cell in headers])
    for row in data.rows:
        writer.writerow([_safe_cell(cell) for cell in row])
    return response


@staff_required
@require_POST
def summary_subscription(request: HttpRequest) -> HttpResponse:
    """Switch the weekly summary email on (for the team in view, if any) or off."""
    user = staff(request)
    if request.POST.get("action") == "off":
        summary_unsubscribe(user=user)
        messages.success(request, "The weekly summary email is off.")
    else:
        team_id = request.POST.get("team") or ""
        teams = {str(team.pk): team for team in report_teams(user=user)}
        if team_id and team_id not in teams:
            raise Http404("No such team.")
        try:
            summary_subscribe(user=user, team=teams.get(team_id))
        except NotAllowed as error:
            raise Http404(str(error)) from None
        messages.success(request, "You will get a summary of last week by email every Monday.")
    back = safe_next(request, request.POST.get("next"), reverse("workspace:reports"))
    return HttpResponseRedirect(back)
