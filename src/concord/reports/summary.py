"""The weekly CX summary: last week's headline figures, as text and HTML email parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string

from concord.accounts.models import Team, User
from concord.metrics.display import change_text, result_text
from concord.metrics.selectors import MetricQuery, cx_overview
from concord.metrics.selectors.access import report_query_for_user

SUMMARY_METRICS = (
    "csat",
    "nps",
    "ces",
    "frt",
    "resolution_time",
    "fcr",
    "reopen_rate",
    "sla_first_response",
    "asa",
    "aht",
    "volume",
    "backlog",
)


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    sample_size: int
    change: str
    improved: bool | None


@dataclass(frozen=True)
class Summary:
    subject: str
    text: str
    html: str


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def last_full_week(*, now: datetime, zone: ZoneInfo) -> date:
    """The Monday starting the last complete Monday-to-Sunday week before ``now``."""
    today = now.astimezone(zone).date()
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - timedelta(days=7)


def build_summary(*, user: User, team: Team | None, week_start: date) -> Summary | None:
    """The summary for one user, or None if they may see no figures at all."""
    zone = site_zone()
    start = datetime.combine(week_start, time.min, tzinfo=zone)
    asked = MetricQuery(
        start=start,
        end=start + timedelta(days=7),
        team_id=team.pk if team is not None else None,
        time_zone=str(zone),
    )
    query = report_query_for_user(user=user, query=asked)
    if query is None:
        return None
    overview = cx_overview(query=query, metrics=SUMMARY_METRICS)
    lines = [
        Line(
            label=figure.metric.label,
            value=result_text(figure.current),
            sample_size=figure.current.sample_size,
            change=change_text(figure.change, figure.current.unit),
            improved=figure.improved,
        )
        for figure in overview.figures.values()
    ]
    scope = _scope_label(user=user, query=query)
    week = f"{week_start:%d %b} to {week_start + timedelta(days=6):%d %b %Y}"
    link = f"{settings.CONCORD_BASE_URL}/app/reports/?period=custom&start={week_start:%Y-%m-%d}"
    link += f"&end={week_start + timedelta(days=6):%Y-%m-%d}"
    if query.team_id is not None:
        link += f"&team={query.team_id}"
    context = {"user": user, "lines": lines, "scope": scope, "week": week, "link": link}
    return Summary(
        subject=f"Concord weekly summary: {scope}, {week}",
        text=render_to_string("reports/summary_email.txt", context),
        html=render_to_string("reports/summary_email.html", context),
    )


def _scope_label(*, user: User, query: MetricQuery) -> str:
    if query.agent_id is not None:
        return "your conversations" if query.agent_id == user.pk else "one agent"
    if query.team_id is not None:
        team = Team.objects.filter(pk=query.team_id).values_list("name", flat=True).first()
        return f"team {team}" if team else "one team"
    return "all teams"
