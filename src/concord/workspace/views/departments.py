"""The departments report: what each team was asked in consults, and how fast it answered.

Two scopes on one page, each from its own access rule:

- the tiles (consult rate, time to first consult answer, escalation rate) are
  the report's conversations, narrowed by ``report_query_for_user`` like
  every other report (asking for someone else's team or agent is a 404);
- the rows are the consulted teams the viewer may see
  (``department_report_teams``: supervisors and admins every team, anyone
  else their own), over every conversation the filters select; the
  questions listed are only those ``consult_visible_to`` lets the viewer open.

``?export=csv`` downloads the per-team table with the same filters.
"""

from __future__ import annotations

import csv
import re
from dataclasses import replace

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from concord.accounts.models import TeamKind, User
from concord.accounts.selectors import user_zone
from concord.metrics.display import result_text, value_text
from concord.metrics.selectors import (
    METRICS,
    DepartmentRow,
    Figure,
    MetricQuery,
    MetricResult,
    department_figures,
    department_questions,
)
from concord.metrics.selectors.access import (
    department_report_teams,
    report_agents,
    report_query_for_user,
    report_teams,
)
from concord.workspace.charts import stacked_bar_chart
from concord.workspace.report_filters import ReportFilterForm, build_query
from concord.workspace.reports import Chart, Table, Tile, bucket_label, number, tile
from concord.workspace.views._common import staff, staff_required

# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA = re.compile(r"^[=+\-@\t\r]")
TILES = ("consult_rate", "consult_answer_time", "escalation_rate")
QUESTIONS = 20
HEADERS = [
    "Team",
    "Asked",
    "Answered",
    "First answer: median",
    "First answer: p90",
    "n",
    "Waiting now",
    "Overdue now",
]
RAW_HEADERS = [
    "Team",
    "Asked",
    "Answered",
    "First answer median (seconds)",
    "First answer p90 (seconds)",
    "Answers in period",
    "Waiting now",
    "Overdue now",
]


def _tiles(query: MetricQuery) -> list[Tile]:
    """The consult figures of the report's conversations, each with the period before."""
    now, before = replace(query, bucket=None), replace(query.previous(), bucket=None)
    return [
        tile(Figure(metric=metric, current=metric(query=now), previous=metric(query=before)))
        for metric in (METRICS[name] for name in TILES)
    ]


def _time(result: MetricResult, value: float | None) -> str:
    """A median or p90 for the page: the note when there are too few answers."""
    if value is None or not result.enough:
        return result_text(result)
    return value_text(value, "seconds")


def departments_table(rows: list[DepartmentRow], *, raw: bool = False) -> Table:
    """The per-team figures as the page writes them, or raw numbers for a CSV.

    Raw: times in seconds; a median or p90 of too few answers is an empty cell
    beside its sample size.
    """
    body = []
    for row in rows:
        result = row.answer_time
        if raw:
            enough = result.enough and result.value is not None
            times = [number(result.median) if enough else "", number(result.p90) if enough else ""]
        else:
            times = [_time(result, result.median), _time(result, result.p90)]
        body.append(
            [
                row.team.name,
                str(row.asked),
                str(row.answered),
                *times,
                str(result.sample_size),
                str(row.waiting),
                str(row.overdue),
            ]
        )
    return Table(headers=RAW_HEADERS if raw else HEADERS, rows=body)


def _trend(rows: list[DepartmentRow]) -> tuple[Chart | None, Table | None]:
    """Consults asked per week (stacked by team), and the median first answer per week."""
    shown = [row for row in rows if row.asked or row.answer_time.sample_size]
    if not shown or not shown[0].weeks:
        return None, None
    starts = [week.start for week in shown[0].weeks]
    series = {row.team.name: [float(week.asked) for week in row.weeks] for row in shown}
    title = "Consults asked per week, by team"
    chart = Chart(
        slug="departments-asked",
        title=title,
        svg=stacked_bar_chart(
            title=title,
            x_labels=[bucket_label(start, "week") for start in starts],
            series=series,
            y_title="Consults",
        ),
        headers=["Week", *series],
        rows=[
            [bucket_label(start, "week", year=True), *[f"{s[i]:.0f}" for s in series.values()]]
            for i, start in enumerate(starts)
        ],
    )
    medians = Table(
        headers=["Team", *[bucket_label(start, "week", year=True) for start in starts]],
        rows=[
            [row.team.name, *[_time(w.answer_time, w.answer_time.median) for w in row.weeks]]
            for row in shown
        ],
    )
    return chart, medians


def _visible_rows(rows: list[DepartmentRow]) -> list[DepartmentRow]:
    """Teams with something to show, and every department team the viewer may see."""
    return [
        row
        for row in rows
        if row.asked
        or row.waiting
        or row.answer_time.sample_size
        or row.team.kind == TeamKind.DEPARTMENT
    ]


def _csv(rows: list[DepartmentRow], query: MetricQuery) -> HttpResponse:
    table = departments_table(rows, raw=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    day = f"{query.start:%Y-%m-%d}"
    response["Content-Disposition"] = f'attachment; filename="concord-departments-{day}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.headers)
    for cells in table.rows:
        # A team's name is the only text: one a spreadsheet would run as a formula is quoted.
        writer.writerow([f"'{c}" if _FORMULA.match(c) else c for c in cells])
    return response


@staff_required
@require_GET
def report_departments(request: HttpRequest) -> HttpResponse:
    user: User = staff(request)
    teams = department_report_teams(user=user)
    if not teams:
        raise Http404("No such report.")
    form = ReportFilterForm(request.GET, user=user)
    params = request.GET.copy()
    params.pop("export", None)
    context: dict[str, object] = {
        "section": "reports",
        "by": "department",
        "form": form,
        "params": params.urlencode(),
        "sees_teams": bool(report_teams(user=user)),
        "sees_agents": len(report_agents(user=user)) > 1,
        "sees_departments": True,
    }
    if not form.is_valid():
        if request.GET.get("export") == "csv":
            return HttpResponse("Bad filters.\n", status=400, content_type="text/plain")
        return render(request, "workspace/reports_departments.html", context)
    query, period = build_query(form=form, zone=user_zone(user=user))
    narrowed = report_query_for_user(user=user, query=query)
    if narrowed is None and (query.team_id is not None or query.agent_id is not None):
        raise Http404("No such report.")  # someone else's team or agent
    rows = _visible_rows(department_figures(query=query, teams=teams))
    if request.GET.get("export") == "csv":
        return _csv(rows, query)
    chart, medians = _trend(rows)
    context |= {
        "query": query,
        "period": period,
        # A supervisor of no team has no conversations of their own to rate.
        "tiles": _tiles(narrowed) if narrowed is not None else [],
        "table": departments_table(rows),
        "chart": chart,
        "medians": medians,
        "questions": department_questions(
            user=user, query=query, team_ids=[t.pk for t in teams], limit=QUESTIONS
        ),
    }
    return render(request, "workspace/reports_departments.html", context)
