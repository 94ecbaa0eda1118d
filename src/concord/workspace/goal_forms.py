"""The goal form: parses what a person typed into what ``goal_create`` and ``goal_update`` take.

The form only converts; the services check everything (the scale of the
threshold, the cuts a metric honours, whose teams may own the goal) and name
the field at fault, which the view shows beside that field.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.conversations.models import Channel
from concord.customers.models import Tier
from concord.goals.definition import today
from concord.goals.models import Comparison, TimeBasis
from concord.goals.selectors import GoalSummary, goal_may_manage
from concord.goals.services import GoalFields
from concord.metrics.selectors import METRICS
from concord.metrics.selectors.access import report_teams
from concord.metrics.selectors.choices import report_filter_choices

# A new goal runs a quarter unless told otherwise.
DEFAULT_DAYS = 90

Choices = list[tuple[Any, Any]]


def owner_teams(*, user: User) -> list[Team]:
    """The teams the user may name as owners or as the scope: admins all, supervisors theirs."""
    return report_teams(user=user)


def may_create_goals(*, user: User) -> bool:
    """Whether to offer "New goal": the one rule (``goal_may_manage``) with the user's own teams."""
    if not user.is_authenticated:
        return False
    teams = owner_teams(user=user)
    return goal_may_manage(user=user, owner_ids=[t.pk for t in teams], scope_team_id=None)


def metric_choices() -> Choices:
    """Metrics grouped so the time metrics (the ones with "within N seconds") stand out."""
    times = [(m.name, m.label) for m in METRICS.values() if m.timed]
    others = [(m.name, m.label) for m in METRICS.values() if not m.timed]
    return [("Times", times), ("Rates, scores and counts", others)]


def _any(label: str, choices: Choices) -> Choices:
    return [("", label), *choices]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GoalForm(forms.Form):
    name = forms.CharField(max_length=200)
    objective = forms.CharField(
        label="Company objective",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The company objective this goal serves, in words.",
    )
    metric = forms.ChoiceField()
    within_seconds = forms.IntegerField(
        label="Within seconds",
        required=False,
        min_value=1,
        help_text=(
            "Time metrics only: measure the share of conversations answered within N seconds "
            "(the target is then a %). Leave empty to aim at the average time itself."
        ),
    )
    comparison = forms.ChoiceField(choices=Comparison.choices)
    threshold = forms.FloatField(
        label="Target",
        help_text="On the metric's scale: % from 0 to 100, NPS from -100 to 100, stars 1 to 5, "
        "VES 1 to 7, times in seconds.",
    )
    start = forms.DateField(widget=_date_input())
    deadline = forms.DateField(widget=_date_input())
    owners = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="The teams that commit to the goal.",
    )
    channel = forms.ChoiceField(required=False, choices=_any("All channels", Channel.choices))
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    category = forms.CharField(required=False, max_length=100)
    tag = forms.CharField(required=False, max_length=100)
    customer_tier = forms.ChoiceField(required=False, choices=_any("All tiers", Tier.choices))
    organization = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    time_basis = forms.ChoiceField(
        label="Time basis",
        choices=TimeBasis.choices,
        initial=TimeBasis.CALENDAR,
        help_text="Time metrics only: business hours need a calendar.",
    )
    calendar = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    SECTIONS = (
        ("Goal", ("name", "objective")),
        ("What is measured", ("metric", "within_seconds", "time_basis", "calendar")),
        ("Target", ("comparison", "threshold")),
        ("When", ("start", "deadline")),
        ("Who", ("owners",)),
        (
            "Scope (empty: everything)",
            ("channel", "team", "category", "tag", "customer_tier", "organization"),
        ),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        initial: dict[str, Any] | None = None,
        goal: GoalSummary | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        teams = [(t.pk, t.name) for t in owner_teams(user=user)]
        choices = report_filter_choices()
        organizations = list(choices.organizations)
        current = goal.scope.organization if goal is not None else None
        if current is not None and current.id not in dict(organizations):
            # The picker lists the first few hundred; the goal's own stays pickable.
            organizations.append((current.id, current.name))
        fields = self.fields
        fields["metric"].choices = metric_choices()  # type: ignore[attr-defined]
        fields["owners"].choices = teams  # type: ignore[attr-defined]
        fields["team"].choices = _any("All teams", teams)  # type: ignore[attr-defined]
        fields["organization"].choices = _any("All organizations", organizations)  # type: ignore[attr-defined]
        fields["calendar"].choices = _any("No calendar", list(choices.calendars))  # type: ignore[attr-defined]
        fields["category"].widget.attrs["list"] = "goal-categories"
        fields["tag"].widget.attrs["list"] = "goal-tags"
        self.categories = choices.categories
        self.tags = choices.tags

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.SECTIONS]

    def goal_fields(self) -> GoalFields:
        """The cleaned values as the services name them; empty cuts are None."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "objective": data["objective"],
            "metric": data["metric"],
            "comparison": data["comparison"],
            "threshold": data["threshold"],
            "start": data["start"],
            "deadline": data["deadline"],
            "owners": list(data["owners"]),
            "channel": data["channel"] or None,
            "team": data["team"],
            "category": data["category"] or None,
            "tag": data["tag"] or None,
            "customer_tier": data["customer_tier"] or None,
            "organization": data["organization"],
            "time_basis": data["time_basis"] or TimeBasis.CALENDAR,
            "calendar": data["calendar"],
            "within_seconds": data["within_seconds"],
        }


def new_goal_initial(*, user: User) -> dict[str, Any]:
    """A quarter from today, at least, owned by the user's team if they have just one."""
    first: date = today(timezone.now())
    teams = owner_teams(user=user)
    return {
        "comparison": Comparison.AT_LEAST,
        "start": first,
        "deadline": first + timedelta(days=DEFAULT_DAYS - 1),
        "owners": [teams[0].pk] if len(teams) == 1 else [],
        "time_basis": TimeBasis.CALENDAR,
    }


def goal_initial(goal: GoalSummary) -> dict[str, Any]:
    """The form's values for an existing goal."""
    scope = goal.scope
    return {
        "name": goal.name,
        "objective": goal.objective,
        "metric": goal.metric,
        "within_seconds": scope.within_seconds,
        "comparison": goal.comparison,
        "threshold": f"{goal.threshold:g}",
        "start": goal.start,
        "deadline": goal.deadline,
        "owners": [team.id for team in goal.owners],
        "channel": scope.channel or "",
        "team": scope.team.id if scope.team else None,
        "category": scope.category or "",
        "tag": scope.tag or "",
        "customer_tier": scope.customer_tier or "",
        "organization": scope.organization.id if scope.organization else None,
        "time_basis": scope.time_basis,
        "calendar": scope.calendar.id if scope.calendar else None,
    }
