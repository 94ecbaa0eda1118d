"""Creating, changing and archiving goals; every change is written to the goal's history."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from django.db import transaction
from django.utils import timezone

from concord.accounts.models import Role, Team, User
from concord.accounts.selectors import team_get, user_get
from concord.calendars.selectors import calendar_list
from concord.common.errors import NotAllowed, ValidationFailed
from concord.conversations.models import Channel
from concord.customers.models import Tier
from concord.customers.selectors import organization_get_for_user
from concord.goals.definition import CUT_FIELDS, Definition, today
from concord.goals.models import Comparison, Goal, GoalChange, GoalMeasurement, TimeBasis
from concord.goals.selectors import goal_may_manage
from concord.goals.services.measure import baseline_measure
from concord.metrics.selectors import METRICS

# Long enough for an annual goal with some slack; a daily progress row per day.
MAX_GOAL_DAYS = 731


class GoalFields(TypedDict, total=False):
    """What a goal is made of, as a client names it: related rows by id."""

    name: str
    objective: str
    metric: str
    channel: str | None
    team: int | None
    agent: int | None
    category: str | None
    tag: str | None
    customer_tier: str | None
    organization: int | None
    time_basis: str
    calendar: int | None
    within_seconds: int | None
    comparison: str
    threshold: float
    start: date
    deadline: date
    owners: list[int]


# Changing one of these changes what the goal measures: its progress starts over.
MEASURED = frozenset({*CUT_FIELDS, "metric", "time_basis", "calendar", "within_seconds", "start"})


_RELATED = frozenset({"team", "agent", "organization", "calendar"})
BASELINE_FIELDS = [
    "baseline_value",
    "baseline_sample_size",
    "baseline_enough",
    "baseline_start",
    "baseline_end",
    "baseline_measured_at",
]


@dataclass(frozen=True)
class _Clean:
    values: dict[str, Any]  # model field -> value, related rows as objects
    owners: list[Team]
    definition: Definition


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _owners_text(owners: Sequence[Team]) -> str:
    return ", ".join(sorted(team.name for team in owners))


def _required_text(fields: GoalFields, key: str, label: str, limit: int | None = None) -> str:
    value = str(fields.get(key) or "").strip()
    if not value:
        raise ValidationFailed(f"A goal needs {label}.", field=key)
    if limit is not None and len(value) > limit:
        raise ValidationFailed(f"At most {limit} characters.", field=key)
    return value


def _optional_text(fields: GoalFields, key: str, limit: int = 100) -> str:
    value = str(fields.get(key) or "").strip()
    if len(value) > limit:
        raise ValidationFailed(f"At most {limit} characters.", field=key)
    return value


def _choice(fields: GoalFields, key: str, choices: Sequence[str]) -> str:
    value = str(fields.get(key) or "").strip()
    if value and value not in choices:
        raise ValidationFailed(f"{value!r} is not one of {', '.join(choices)}.", field=key)
    return value


def _related(actor: User, fields: GoalFields) -> dict[str, Any]:
    """Scope rows by id; an id that does not exist (or the actor cannot see) names its field."""
    found: dict[str, Any] = {}
    lookups: dict[str, Callable[[int], object | None]] = {
        "team": lambda pk: team_get(actor=actor, team_id=pk),
        "agent": lambda pk: user_get(actor=actor, user_id=pk),
        "organization": lambda pk: organization_get_for_user(user=actor, organization_id=pk),
        "calendar": lambda pk: calendar_list().filter(pk=pk).first(),
    }
    for key, lookup in lookups.items():
        pk = fields.get(key)
        if pk is None:
            found[key] = None
            continue
        if isinstance(pk, bool) or not isinstance(pk, int):
            raise ValidationFailed(f"The {key} is given by its id.", field=key)
        found[key] = lookup(pk)
        if found[key] is None:
            raise ValidationFailed(f"There is no {key} {pk}.", field=key)
    return found


def _owners(actor: User, ids: Sequence[int] | None) -> list[Team]:
    if not ids:
        raise ValidationFailed("A goal needs at least one owning team.", field="owners")
    owners = []
    for pk in dict.fromkeys(ids):
        team = team_get(actor=actor, team_id=pk)
        if team is None:
            raise ValidationFailed(f"There is no team {pk}.", field="owners")
        owners.append(team)
    return owners


def _threshold(definition: Definition, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationFailed("The threshold is a number.", field="threshold")
    threshold = float(value)
    if not math.isfinite(threshold):
        raise ValidationFailed("The threshold is a finite number.", field="threshold")
    scale = definition.scale
    low, high = scale if scale is not None else (0.0, math.inf)
    if not low <= threshold <= high:
        where = f"from {low:g} to {high:g}" if scale is not None else "0 or more"
        raise ValidationFailed(
            f"A {definition.registered.label} target in {definition.unit} is {where}.",
            field="threshold",
        )
    return threshold


def _dates(fields: GoalFields, *, on: date, check_deadline: bool) -> tuple[date, date]:
    start, deadline = fields.get("start"), fields.get("deadline")
    if not isinstance(start, date):
        raise ValidationFailed("A goal needs a start date.", field="start")
    if not isinstance(deadline, date):
        raise ValidationFailed("A goal needs a deadline.", field="deadline")
    if deadline <= start:
        raise ValidationFailed("The deadline must be after the start.", field="deadline")
    if (deadline - start).days > MAX_GOAL_DAYS:
        raise ValidationFailed(f"A goal runs {MAX_GOAL_DAYS} days at most.", field="deadline")
    if check_deadline and deadline < on:
        raise ValidationFailed(f"The deadline {deadline} has passed.", field="deadline")
    return start, deadline


def _clean(*, actor: User, fields: GoalFields, on: date, check_deadline: bool) -> _Clean:
    """Every field checked, each failure naming its field; related ids resolved."""
    name = _required_text(fields, "name", "a name", limit=200)
    objective = _required_text(fields, "objective", "the company objective it serves")
    metric_name = str(fields.get("metric") or "")
    if metric_name not in METRICS:
        raise ValidationFailed(
            f"There is no metric {metric_name!r}; see GET /api/v1/metrics.", field="metric"
        )
    metric = METRICS[metric_name]
    comparison = _choice(fields, "comparison", Comparison.values)
    if not comparison:
        raise ValidationFailed("The comparison is >= or <=.", field="comparison")
    related = _related(actor, fields)
    time_basis = _choice(fields, "time_basis", TimeBasis.values) or TimeBasis.CALENDAR
    if time_basis == TimeBasis.BUSINESS:
        if not metric.timed:
            raise ValidationFailed(
                f"{metric.label} is not a time metric; only times run on business hours.",
                field="time_basis",
            )
        if related["calendar"] is None:
            raise ValidationFailed("Business hours need a calendar.", field="calendar")
    elif related["calendar"] is not None:
        raise ValidationFailed("A calendar only applies to business hours.", field="calendar")
    within = fields.get("within_seconds")
    if within is not None:
        if not metric.timed:
            raise ValidationFailed(
                f"{metric.label} is not a time metric, so it has no share within N seconds.",
                field="within_seconds",
            )
        if isinstance(within, bool) or not isinstance(within, int) or within < 1:
            raise ValidationFailed("A whole number of seconds, 1 or more.", field="within_seconds")
    values: dict[str, Any] = {
        "name": name,
        "objective": objective,
        "metric": metric_name,
        "channel": _choice(fields, "channel", Channel.values),
        "category": _optional_text(fields, "category"),
        "tag": _optional_text(fields, "tag"),
        "customer_tier": _choice(fields, "customer_tier", Tier.values),
        "time_basis": time_basis,
        "within_seconds": within,
        "comparison": comparison,
        **related,
    }
    definition = Definition(
        metric=metric_name,
        channel=values["channel"],
        team_id=related["team"] and related["team"].pk,
        agent_id=related["agent"] and related["agent"].pk,
        category=values["category"],
        tag=values["tag"],
        customer_tier=values["customer_tier"],
        organization_id=related["organization"] and related["organization"].pk,
        time_basis="business" if time_basis == TimeBasis.BUSINESS else "calendar",
        calendar_id=related["calendar"] and related["calendar"].pk,
        within_seconds=within,
    )
    for key, cut in CUT_FIELDS.items():
        if getattr(definition, cut) not in (None, "") and cut not in metric.cuts:
            raise ValidationFailed(f"{metric.label} cannot be cut by {key}.", field=key)
    values["threshold"] = _threshold(definition, fields.get("threshold"))
    values["start"], values["deadline"] = _dates(fields, on=on, check_deadline=check_deadline)
    owners = _owners(actor, fields.get("owners"))
    return _Clean(values=values, owners=owners, definition=definition)


def _check_manager(actor: User, clean: _Clean) -> None:
    team = clean.values["team"]
    if not goal_may_manage(
        user=actor, owner_ids=[t.pk for t in clean.owners], scope_team_id=team and team.pk
    ):
        raise NotAllowed(
            "Supervisors set goals for their own teams only; other owners need an admin.",
            field="owners",
        )


def _set_baseline(goal: Goal, *, now: datetime) -> str:
    figure = baseline_measure(
        definition=Definition.of(goal), start=goal.start, deadline=goal.deadline, on=today(now)
    )
    goal.baseline_value = figure.result.value
    goal.baseline_sample_size = figure.result.sample_size
    goal.baseline_enough = figure.result.enough
    goal.baseline_start, goal.baseline_end = figure.start, figure.end
    goal.baseline_measured_at = now
    return _baseline_text(goal)


def _baseline_text(goal: Goal) -> str:
    if goal.baseline_value is None:
        return f"no data (n={goal.baseline_sample_size})"
    return f"{goal.baseline_value:.4g} (n={goal.baseline_sample_size})"


def _enqueue_measuring(goal_id: int, now: datetime) -> None:
    from concord.goals.tasks import measure_goal

    # As of the change, so a backdated one (the demo's) is not measured into its future.
    at = now.isoformat()
    transaction.on_commit(lambda: measure_goal.enqueue(goal_id=goal_id, now=at))


def _summary_text(goal: Goal, owners: Sequence[Team]) -> str:
    definition = Definition.of(goal)
    return (
        f"{definition.label} {goal.comparison} {goal.threshold:g} {definition.unit}, "
        f"{goal.start} to {goal.deadline}; owners: {_owners_text(owners)}"
    )


def goal_create(
    *,
    actor: User,
    name: str,
    objective: str,
    metric: str,
    comparison: str,
    threshold: float,
    start: date,
    deadline: date,
    owners: Sequence[int],
    channel: str | None = None,
    team: int | None = None,
    agent: int | None = None,
    category: str | None = None,
    tag: str | None = None,
    customer_tier: str | None = None,
    organization: int | None = None,
    time_basis: str = TimeBasis.CALENDAR,
    calendar: int | None = None,
    within_seconds: int | None = None,
    now: datetime | None = None,
) -> Goal:
    """A new goal with its baseline measured now; its progress is measured after commit."""
    if actor.role not in (Role.ADMIN, Role.SUPERVISOR):
        raise NotAllowed("Only admins and supervisors set goals.")
    now = now or timezone.now()
    fields: GoalFields = {
        "name": name,
        "objective": objective,
        "metric": metric,
        "comparison": comparison,
        "threshold": threshold,
        "start": start,
        "deadline": deadline,
        "owners": list(owners),
        "channel": channel,
        "team": team,
        "agent": agent,
        "category": category,
        "tag": tag,
        "customer_tier": customer_tier,
        "organization": organization,
        "time_basis": time_basis,
        "calendar": calendar,
        "within_seconds": within_seconds,
    }
    clean = _clean(actor=actor, fields=fields, on=today(now), check_deadline=True)
    _check_manager(actor, clean)
    with transaction.atomic():
        goal = Goal(**clean.values, created_by=actor, created_at=now, updated_at=now)
        _set_baseline(goal, now=now)
        goal.save()
        goal.owners.set(clean.owners)
        GoalChange.objects.create(
            goal=goal,
            actor=actor,
            at=now,
            field="created",
            new=f"{_summary_text(goal, clean.owners)}; baseline {_baseline_text(goal)}",
        )
        _enqueue_measuring(goal.pk, now)
    return goal


def _fields_of(goal: Goal) -> GoalFields:
    return {
        "name": goal.name,
        "objective": goal.objective,
        "metric": goal.metric,
        "channel": goal.channel,
        "team": goal.team_id,
        "agent": goal.agent_id,
        "category": goal.category,
        "tag": goal.tag,
        "customer_tier": goal.customer_tier,
        "organization": goal.organization_id,
        "time_basis": goal.time_basis,
        "calendar": goal.calendar_id,
        "within_seconds": goal.within_seconds,
        "comparison": goal.comparison,
        "threshold": goal.threshold,
        "start": goal.start,
        "deadline": goal.deadline,
        "owners": list(goal.owners.values_list("pk", flat=True)),
    }


def goal_update(
    *, goal: Goal, actor: User, changes: GoalFields, now: datetime | None = None
) -> Goal:
    """Apply ``changes``, writing one history row per field that really changed.

    A change to what the goal measures (metric, scope, time basis, start)
    discards its progress and measures the baseline again; moving the
    deadline measures the baseline again (its length follows the goal's) and
    drops progress after a new, earlier deadline.
    """
    now = now or timezone.now()
    before = _fields_of(goal)
    if not goal_may_manage(
        user=actor, owner_ids=before.get("owners", []), scope_team_id=goal.team_id
    ):
        raise NotAllowed("Only admins, and supervisors of all its owners, change this goal.")
    unknown = set(changes) - set(GoalFields.__annotations__)
    if unknown:
        raise ValidationFailed("Not a goal field.", field=sorted(unknown)[0])
    merged: GoalFields = {**before, **changes}
    moved_deadline = merged.get("deadline") != goal.deadline
    clean = _clean(actor=actor, fields=merged, on=today(now), check_deadline=moved_deadline)
    _check_manager(actor, clean)
    diffs = {key: new for key, new in clean.values.items() if getattr(goal, key) != new}
    owners_before = list(goal.owners.all())
    owners_changed = {t.pk for t in owners_before} != {t.pk for t in clean.owners}
    if not diffs and not owners_changed:
        return goal
    rows = [
        GoalChange(goal=goal, field=key, old=_text(getattr(goal, key)), new=_text(new))
        for key, new in diffs.items()
    ]
    if owners_changed:
        rows.append(
            GoalChange(
                goal=goal,
                field="owners",
                old=_owners_text(owners_before),
                new=_owners_text(clean.owners),
            )
        )
    remeasure = bool(set(diffs) & MEASURED)
    with transaction.atomic():
        for key, new in diffs.items():
            setattr(goal, key, new)
        update_fields = [*(f"{key}_id" if key in _RELATED else key for key in diffs), "updated_at"]
        if remeasure or moved_deadline:
            old_baseline = _baseline_text(goal)
            rows.append(
                GoalChange(
                    goal=goal, field="baseline", old=old_baseline, new=_set_baseline(goal, now=now)
                )
            )
            update_fields += BASELINE_FIELDS
        if remeasure:
            GoalMeasurement.objects.filter(goal=goal).delete()
        elif moved_deadline:
            GoalMeasurement.objects.filter(goal=goal, measured_on__gt=goal.deadline).delete()
        goal.updated_at = now
        goal.save(update_fields=update_fields)
        if owners_changed:
            goal.owners.set(clean.owners)
        for row in rows:
            row.actor, row.at = actor, now
        GoalChange.objects.bulk_create(rows)
        if remeasure or moved_deadline:
            _enqueue_measuring(goal.pk, now)
    return goal


def goal_archive(
    *, goal: Goal, actor: User, archived: bool = True, now: datetime | None = None
) -> Goal:
    """Archive (or restore) a goal: it leaves the list and is no longer measured."""
    owners = list(goal.owners.values_list("pk", flat=True))
    if not goal_may_manage(user=actor, owner_ids=owners, scope_team_id=goal.team_id):
        raise NotAllowed("Only admins, and supervisors of all its owners, archive this goal.")
    if goal.archived == archived:
        return goal
    now = now or timezone.now()
    with transaction.atomic():
        goal.archived = archived
        goal.updated_at = now
        goal.save(update_fields=["archived", "updated_at"])
        GoalChange.objects.create(
            goal=goal,
            actor=actor,
            at=now,
            field="archived",
            old="yes" if not archived else "no",
            new="yes" if archived else "no",
        )
    if not archived:
        _enqueue_measuring(goal.pk, now)
    return goal
