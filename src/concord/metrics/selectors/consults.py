"""Consult metrics: time to a consult's first answer, and the figures per consulted team.

Read from the consults' own rows (``collaboration.models.Consult``: whom it
asks, when it was asked, first answered and is due), as the other metrics
read survey answers and SLA targets: an aggregate over many rows cannot go
through the per-object selectors. The list of questions a viewer may open
goes through ``collaboration.selectors.consult_visible_to``, the consults'
one access rule. The consult *rate* is a conversation metric
(``conversations.consult_rate``, from the ``consult_asked`` events).

The usual cuts (channel, team, agent, category…) are the consulted
conversation's; the consulted team is a dimension of its own (a row per
department).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.calendars.businesstime import business_seconds_between
from concord.calendars.selectors import calendar_list, calendar_schedule
from concord.collaboration.models import Consult, ConsultStatus
from concord.collaboration.selectors import consult_visible_to
from concord.metrics.selectors.query import (
    BucketResult,
    MetricQuery,
    MetricResult,
    bucketed_durations,
    counted,
    median,
    summarise,
    with_series,
)
from concord.metrics.selectors.scope import CONVERSATION_CUTS, check_cuts, conversation_filter


def consults(query: MetricQuery) -> QuerySet[Consult]:
    """Consults on the conversations the query's cuts select (any time, any status).

    A consult stays with the conversation it was asked on, even when that one
    was later merged into another: the department's work happened.
    """
    check_cuts(query, CONVERSATION_CUTS)
    return Consult.objects.filter(conversation_filter(query, prefix="conversation__"))


# The breakdown's key for a consult that asks a person outside any team.
NO_TEAM = "(a person, no team)"


def _asked_of(team: str | None, email: str | None) -> str:
    """The breakdown's key: the team's name, the outside party's mail domain, or NO_TEAM."""
    if team:
        return team
    if email:
        return f"Outside: {email.rpartition('@')[2]}"
    return NO_TEAM


# A consult first answered: asked, answered, the consulted team's name and calendar.
Answered = tuple[datetime, datetime, str | None, int | None]


def consult_answer_time(*, query: MetricQuery) -> MetricResult:
    """From a consult being asked to its first answer by those asked (mean, median, p90).

    Over consults first answered in the period (a sample belongs to the period
    its answer came in, as a first response time does); a follow-up from the
    owner's side is not an answer. In business time each consult runs on the
    calendar of the team it asks, or on the query's calendar when that team
    has none (or it asks a person, not a team). ``breakdown``: the median
    seconds per consulted team, by name.

    Consults are few beside conversations (a department answers hundreds a
    month, not hundreds of thousands), so their instants are read and the
    figures worked out here, on either database.
    """
    found: list[Answered] = [
        (asked, answered, _asked_of(team, email), calendar)
        for asked, answered, team, email, calendar in consults(query)
        .filter(first_answer_at__gte=query.start, first_answer_at__lt=query.end)
        .values_list("created_at", "first_answer_at", "team__name", "email", "team__calendar_id")
        .order_by()
        if answered is not None
    ]
    seconds_of = _business_seconds(query, found) if query.time_basis == "business" else None
    samples: list[tuple[datetime, float]] = []
    per_team: dict[str, list[float]] = defaultdict(list)
    for asked, answered, team, calendar in found:
        if seconds_of is None:
            seconds = (answered - asked).total_seconds()
        else:
            seconds = seconds_of(asked, answered, calendar)
        samples.append((answered, max(0.0, seconds)))
        per_team[team or NO_TEAM].append(max(0.0, seconds))  # team: _asked_of's key
    result = bucketed_durations(samples, query=query)
    medians = {team: median(sorted(values)) for team, values in sorted(per_team.items())}
    return replace(result, breakdown=medians)


def _business_seconds(
    query: MetricQuery, found: list[Answered]
) -> Callable[[datetime, datetime, int | None], float]:
    """Business seconds on the consulted team's calendar, else on the query's."""
    wanted = {calendar for *_, calendar in found if calendar is not None}
    if query.calendar_id is not None:
        wanted.add(query.calendar_id)
    schedules = {
        calendar.pk: calendar_schedule(calendar=calendar)
        for calendar in calendar_list().filter(pk__in=wanted)
    }
    fallback = schedules.get(query.calendar_id) if query.calendar_id is not None else None
    if fallback is None:
        raise ValueError(f"There is no calendar {query.calendar_id}.")

    def seconds(asked: datetime, answered: datetime, calendar: int | None) -> float:
        schedule = schedules.get(calendar, fallback) if calendar is not None else fallback
        return float(business_seconds_between(schedule=schedule, start=asked, end=answered))

    return seconds


def consults_asked(*, query: MetricQuery) -> MetricResult:
    """Consults asked in the period (and per bucket); ``breakdown``: per consulted team, by name.

    Every consult counts, whatever became of it; one that asks a person
    outside any team is counted under ``NO_TEAM``.
    """
    windows = query.buckets()
    edges = [lo for lo, _ in windows[1:]]
    per_bucket = [0] * max(1, len(windows))
    per_team: dict[str, float] = defaultdict(float)
    asked = (
        consults(query)
        .filter(created_at__gte=query.start, created_at__lt=query.end)
        .values_list("created_at", "team__name", "email")
        .order_by()
    )
    for at, team, email in asked:
        per_bucket[bisect_right(edges, at)] += 1
        per_team[_asked_of(team, email)] += 1
    series = [
        BucketResult(lo, hi, counted(n, unit="consults"))
        for (lo, hi), n in zip(windows, per_bucket, strict=False)
    ]
    result = with_series(counted(sum(per_bucket), unit="consults"), series)
    return replace(result, breakdown=dict(sorted(per_team.items())))


@dataclass(frozen=True)
class Week:
    start: datetime
    asked: int
    answer_time: MetricResult  # first answers that came in that week


@dataclass(frozen=True)
class DepartmentRow:
    """What one team was asked in the period, and how fast it answered.

    ``asked``: consults to the team asked in the period; ``answered``: how
    many of those have an answer by now; ``answer_time``: first answers that
    came in the period (a sample belongs where its answer fell, as in
    ``consult_answer_time``). ``waiting`` and ``overdue`` are now, whatever
    the period: consults waiting for an answer, and those of them past their
    due time.
    """

    team: Team
    asked: int
    answered: int
    answer_time: MetricResult
    waiting: int
    overdue: int
    weeks: tuple[Week, ...]


def department_figures(
    *, query: MetricQuery, teams: Sequence[Team], now: datetime | None = None
) -> list[DepartmentRow]:
    """One row per team in ``teams`` (the caller passes those the viewer may see).

    Calendar time; the weeks (Monday to Sunday in the query's zone, clipped
    to the period) are the trend. One query reads the few consult rows.
    """
    now = now or timezone.now()
    weekly = replace(query, bucket="week", time_basis="calendar", calendar_id=None)
    windows = weekly.buckets()
    edges = [lo for lo, _ in windows[1:]]
    # Only the rows any figure counts: asked or answered in the period, or waiting now.
    counted_here = (
        Q(created_at__gte=query.start, created_at__lt=query.end)
        | Q(first_answer_at__gte=query.start, first_answer_at__lt=query.end)
        | Q(status=ConsultStatus.OPEN)
    )
    rows = (
        consults(query)
        .filter(counted_here, team__in=[team.pk for team in teams])
        .values_list("team_id", "created_at", "first_answer_at", "status", "due_at")
        .order_by()
    )
    asked: dict[int, list[datetime]] = defaultdict(list)
    answered: dict[int, int] = defaultdict(int)
    answers: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    waiting: dict[int, int] = defaultdict(int)
    overdue: dict[int, int] = defaultdict(int)
    for team_id, created_at, first_answer_at, status, due_at in rows:
        if query.start <= created_at < query.end:
            asked[team_id].append(created_at)
            answered[team_id] += first_answer_at is not None
        if first_answer_at is not None and query.start <= first_answer_at < query.end:
            seconds = max(0.0, (first_answer_at - created_at).total_seconds())
            answers[team_id].append((first_answer_at, seconds))
        if status == ConsultStatus.OPEN:
            waiting[team_id] += 1
            overdue[team_id] += due_at is not None and due_at < now
    out = []
    for team in teams:
        per_week = [0] * len(windows)
        for at in asked[team.pk]:
            per_week[bisect_right(edges, at)] += 1
        timed = bucketed_durations(answers[team.pk], query=weekly)
        weeks = tuple(
            Week(start=lo, asked=n, answer_time=bucket.result)
            for (lo, _), n, bucket in zip(windows, per_week, timed.series, strict=True)
        )
        out.append(
            DepartmentRow(
                team=team,
                asked=len(asked[team.pk]),
                answered=answered[team.pk],
                answer_time=summarise((s for _, s in answers[team.pk]), query=query),
                waiting=waiting[team.pk],
                overdue=overdue[team.pk],
                weeks=weeks,
            )
        )
    return out


def department_questions(
    *, user: User, query: MetricQuery, team_ids: Collection[int], limit: int = 20
) -> list[Consult]:
    """The latest questions asked of these teams in the period that ``user`` may open."""
    return list(
        consult_visible_to(user=user)
        .filter(
            conversation_filter(query, prefix="conversation__"),
            team_id__in=list(team_ids),
            created_at__gte=query.start,
            created_at__lt=query.end,
        )
        .select_related("team", "user", "asked_by", "conversation")
        .order_by("-created_at", "-id")[:limit]
    )
