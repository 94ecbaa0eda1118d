"""Reads for goals: who sees and who manages which, and goals as plain values for pages and the API.

Visibility: admins see every goal; supervisors and agents see the goals
owned by a team they belong to (agents read only). Managing (create, change,
archive): admins any goal; supervisors goals whose owners are all their
teams. ``goal_may_manage`` is the one place that rule lives.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from concord.accounts.models import Role, TeamKind, User
from concord.goals.definition import Definition, today
from concord.goals.models import Goal, GoalChange, GoalMeasurement
from concord.goals.status import (
    Assessment,
    ComparisonSign,
    assess,
    band_for,
    tolerance_for,
)
from concord.metrics.selectors import MetricResult

_READERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT})


# ---- access -------------------------------------------------------------------------


def goal_visible_to(*, user: User) -> QuerySet[Goal]:
    if not user.is_authenticated or user.role not in _READERS:
        return Goal.objects.none()
    if user.role == Role.ADMIN:
        return Goal.objects.all()
    return Goal.objects.filter(owners__members=user).distinct()


def goal_get_for_user(*, user: User, goal_id: int) -> Goal | None:
    """The goal if the user may see it; None for "not found" and "not yours" alike."""
    return goal_visible_to(user=user).filter(pk=goal_id).first()


def goal_may_manage(*, user: User, owner_ids: Iterable[int], scope_team_id: int | None) -> bool:
    """Whether the user may create or change a goal with these owners and scope team.

    A supervisor may only commit their own teams, and only measure one of
    them when the goal is cut to a team; a goal that names another team as
    owner needs an admin, so no team is handed a target by someone outside it.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    return _may_manage(
        role=user.role,
        team_ids=_team_ids(user),
        owner_ids=set(owner_ids),
        scope_team_id=scope_team_id,
    )


def _team_ids(user: User) -> set[int]:
    if user.role != Role.SUPERVISOR:
        return set()
    return set(user.teams.values_list("pk", flat=True))


def _may_manage(
    *, role: str, team_ids: set[int], owner_ids: set[int], scope_team_id: int | None
) -> bool:
    if role == Role.ADMIN:
        return True
    if role != Role.SUPERVISOR or not owner_ids:
        return False
    return owner_ids <= team_ids and (scope_team_id is None or scope_team_id in team_ids)


# ---- plain values ---------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRef:
    id: int
    name: str
    is_department: bool


@dataclass(frozen=True)
class Named:
    id: int
    name: str


@dataclass(frozen=True)
class Scope:
    """The cuts the goal is measured with; None: not cut."""

    channel: str | None
    team: Named | None
    agent: Named | None
    category: str | None
    tag: str | None
    customer_tier: str | None
    organization: Named | None
    time_basis: str
    calendar: Named | None
    within_seconds: int | None

    def describe(self) -> str:
        """E.g. "chat · team Support · business hours (Support hours)"; "everything" if uncut."""
        parts = [
            f"{label} {value}"
            for label, value in (
                ("channel", self.channel),
                ("team", self.team and self.team.name),
                ("agent", self.agent and self.agent.name),
                ("category", self.category),
                ("tag", self.tag),
                ("tier", self.customer_tier),
                ("organization", self.organization and self.organization.name),
            )
            if value
        ]
        if self.time_basis == "business":
            parts.append(f"business hours ({self.calendar.name if self.calendar else '?'})")
        return " · ".join(parts) or "everything"


@dataclass(frozen=True)
class Baseline:
    """The metric over [start, end) before the goal, as measured at ``measured_at``."""

    value: float | None
    sample_size: int
    enough: bool
    start: date | None
    end: date | None
    measured_at: datetime | None


@dataclass(frozen=True)
class Point:
    """One day's figures, through the end of ``on``.

    ``value``: since the goal's start. ``recent_value``: over the last 28 days
    (since the start while the goal is younger); the status rule reads this.
    """

    on: date
    value: float | None
    sample_size: int
    enough: bool
    recent_value: float | None
    recent_sample_size: int
    recent_enough: bool


@dataclass(frozen=True)
class WeekFigure:
    """The metric within one week [start, end) of the goal (not cumulative)."""

    start: date
    end: date
    value: float | None
    sample_size: int
    enough: bool
    note: str


@dataclass(frozen=True)
class Change:
    at: datetime
    actor: Named | None
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class GoalSummary:
    id: int
    name: str
    objective: str
    metric: str
    metric_label: str
    unit: str
    higher_is_better: bool
    comparison: ComparisonSign
    threshold: float
    scope: Scope
    start: date
    deadline: date
    owners: tuple[TeamRef, ...]
    created_by: Named | None
    created_at: datetime
    archived: bool
    baseline: Baseline
    current: Point | None
    assessment: Assessment
    can_manage: bool
    progress: tuple[Point, ...]  # every day measured up to the day asked about, oldest first

    @property
    def target(self) -> str:
        """E.g. "≥ 80 %" or "≤ 5 %"."""
        sign = "≥" if self.comparison == ">=" else "≤"
        return f"{sign} {self.threshold:g} {self.unit}"

    @property
    def status(self) -> str:
        return self.assessment.status


@dataclass(frozen=True)
class GoalDetail:
    goal: GoalSummary
    weekly: tuple[WeekFigure, ...]  # the metric per calendar week, computed now
    changes: tuple[Change, ...]

    @property
    def progress(self) -> tuple[Point, ...]:
        return self.goal.progress


def _named(obj: object | None) -> Named | None:
    if obj is None:
        return None
    return Named(id=obj.pk, name=str(obj))  # type: ignore[attr-defined]


def _scope(goal: Goal) -> Scope:
    return Scope(
        channel=goal.channel or None,
        team=_named(goal.team),
        agent=_named(goal.agent),
        category=goal.category or None,
        tag=goal.tag or None,
        customer_tier=goal.customer_tier or None,
        organization=_named(goal.organization),
        time_basis=goal.time_basis,
        calendar=_named(goal.calendar),
        within_seconds=goal.within_seconds,
    )


def _comparison(goal: Goal) -> ComparisonSign:
    return "<=" if goal.comparison == "<=" else ">="


def trend_points(*, points: Sequence[Point], start: date) -> list[tuple[date, float, float]]:
    """What the status rule reads: the figure at each week's end since the start, and the latest.

    As (day, recent figure, its sample size); only figures with enough
    samples. A week's figure is the one measured on its last day (start + 6,
    start + 13, …).
    """
    usable = [p for p in points if p.recent_enough and p.recent_value is not None]
    chosen = [p for p in usable if (p.on - start).days % 7 == 6]
    if usable and (not chosen or chosen[-1].on != usable[-1].on):
        chosen.append(usable[-1])
    return [
        (p.on, p.recent_value, float(p.recent_sample_size))
        for p in chosen
        if p.recent_value is not None
    ]


def goal_assess(*, goal: Goal, points: Sequence[Point], on: date) -> Assessment:
    definition = Definition.of(goal)
    scale = definition.scale
    band = band_for(unit=definition.unit, scale=scale, target=goal.threshold)
    return assess(
        points=trend_points(points=points, start=goal.start),
        target=goal.threshold,
        comparison=_comparison(goal),
        start=goal.start,
        deadline=goal.deadline,
        today=on,
        tolerance=tolerance_for(baseline=goal.baseline_value, target=goal.threshold, band=band),
        bounds=scale or (0.0, math.inf),
    )


def _summary(goal: Goal, *, points: Sequence[Point], on: date, manageable: set[int]) -> GoalSummary:
    definition = Definition.of(goal)
    known = [p for p in points if p.on <= on]
    owners = sorted(goal.owners.all(), key=lambda team: team.name)
    return GoalSummary(
        id=goal.pk,
        name=goal.name,
        objective=goal.objective,
        metric=goal.metric,
        metric_label=definition.label,
        unit=definition.unit,
        higher_is_better=goal.comparison == ">=",
        comparison=_comparison(goal),
        threshold=goal.threshold,
        scope=_scope(goal),
        start=goal.start,
        deadline=goal.deadline,
        owners=tuple(
            TeamRef(id=t.pk, name=t.name, is_department=t.kind == TeamKind.DEPARTMENT)
            for t in owners
        ),
        created_by=_named(goal.created_by),
        created_at=goal.created_at,
        archived=goal.archived,
        baseline=Baseline(
            value=goal.baseline_value,
            sample_size=goal.baseline_sample_size,
            enough=goal.baseline_enough,
            start=goal.baseline_start,
            end=goal.baseline_end,
            measured_at=goal.baseline_measured_at,
        ),
        current=known[-1] if known else None,
        assessment=goal_assess(goal=goal, points=known, on=on),
        can_manage=goal.pk in manageable,
        progress=tuple(known),
    )


def _with_refs(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    return goals.select_related(
        "team", "agent", "organization", "calendar", "created_by"
    ).prefetch_related("owners")


def _points(goal_ids: Sequence[int]) -> dict[int, list[Point]]:
    rows = (
        GoalMeasurement.objects.filter(goal_id__in=goal_ids)
        .order_by("goal_id", "measured_on")
        .values_list(
            "goal_id",
            "measured_on",
            "value",
            "sample_size",
            "enough",
            "recent_value",
            "recent_sample_size",
            "recent_enough",
        )
    )
    points: dict[int, list[Point]] = defaultdict(list)
    for goal_id, on, value, n, enough, recent, recent_n, recent_enough in rows:
        points[goal_id].append(
            Point(
                on=on,
                value=value,
                sample_size=n,
                enough=enough,
                recent_value=recent,
                recent_sample_size=recent_n,
                recent_enough=recent_enough,
            )
        )
    return points


def _manageable(user: User, goals: Sequence[Goal]) -> set[int]:
    """The ids of the goals the user may change, from the already-loaded owners."""
    team_ids = _team_ids(user)
    return {
        goal.pk
        for goal in goals
        if _may_manage(
            role=user.role,
            team_ids=team_ids,
            owner_ids={team.pk for team in goal.owners.all()},
            scope_team_id=goal.team_id,
        )
    }


def goal_summaries(
    *, user: User, now: datetime | None = None, include_archived: bool = False
) -> list[GoalSummary]:
    """The goals the user may see with baseline, current figure and status, by deadline.

    A fixed number of queries, however many goals.
    """
    goals = goal_visible_to(user=user)
    if not include_archived:
        goals = goals.filter(archived=False)
    loaded = list(_with_refs(goals).order_by("archived", "deadline", "name", "pk"))
    points = _points([goal.pk for goal in loaded])
    on = today(now or timezone.now())
    manageable = _manageable(user, loaded)
    return [_summary(g, points=points[g.pk], on=on, manageable=manageable) for g in loaded]


def goal_weekly(*, goal: Goal, on: date) -> list[WeekFigure]:
    """The metric per calendar week (Monday to Sunday) from the start to ``on`` or the deadline.

    Computed now from the metrics API, for charts; the first and last weeks
    are clipped to the goal.
    """
    last = min(on, goal.deadline)
    if last < goal.start:
        return []
    query = Definition.of(goal).query(start=goal.start, end=last + timedelta(days=1), bucket="week")
    result: MetricResult = Definition.of(goal).registered(query=query)
    zone_of = query.zone
    return [
        WeekFigure(
            start=bucket.start.astimezone(zone_of).date(),
            end=bucket.end.astimezone(zone_of).date(),
            value=bucket.result.value,
            sample_size=bucket.result.sample_size,
            enough=bucket.result.enough,
            note=bucket.result.note,
        )
        for bucket in result.series
    ]


def goal_changes(*, goal: Goal) -> list[Change]:
    rows = GoalChange.objects.filter(goal=goal).select_related("actor").order_by("at", "pk")
    return [
        Change(at=c.at, actor=_named(c.actor), field=c.field, old=c.old, new=c.new) for c in rows
    ]


def goal_detail(*, user: User, goal_id: int, now: datetime | None = None) -> GoalDetail | None:
    """One visible goal with its daily progress, weekly figures and history; None if not visible."""
    goal = _with_refs(goal_visible_to(user=user)).filter(pk=goal_id).first()
    if goal is None:
        return None
    on = today(now or timezone.now())
    points = _points([goal.pk])[goal.pk]
    summary = _summary(goal, points=points, on=on, manageable=_manageable(user, [goal]))
    return GoalDetail(
        goal=summary,
        weekly=tuple(goal_weekly(goal=goal, on=on)),
        changes=tuple(goal_changes(goal=goal)),
    )


def goals_to_measure(*, on: date, grace_days: int = 30) -> list[Goal]:
    """Live goals that have started, and ended ones still within ``grace_days`` of the deadline."""
    return list(
        Goal.objects.filter(
            archived=False, start__lte=on, deadline__gte=on - timedelta(days=grace_days)
        ).order_by("pk")
    )


def measured_days(*, goal: Goal) -> dict[date, datetime]:
    """Each measured day and when it was measured."""
    return dict(GoalMeasurement.objects.filter(goal=goal).values_list("measured_on", "measured_at"))


def goal_by_id(*, goal_id: int) -> Goal | None:
    """Any goal, for background work that was handed its id."""
    return Goal.objects.filter(pk=goal_id).first()
