"""The reports filter form: turns the page's GET parameters into a ``MetricQuery``.

The same parameters drive the page, its CSV exports and the per-team and
per-agent tables, so a link or an export always shows what the page showed.
Dates are whole days in the viewer's time zone; the end date is included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from concord.accounts.models import User
from concord.conversations.models import Channel
from concord.customers.models import Tier
from concord.metrics.selectors import EARLIEST_START, LATEST_END, MetricQuery
from concord.metrics.selectors.access import report_agents, report_teams
from concord.metrics.selectors.choices import report_filter_choices

PERIODS = [
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("custom", "Custom dates"),
]
DEFAULT_PERIOD = "30d"
BUCKETS = [("auto", "Automatic"), ("day", "Day"), ("week", "Week"), ("month", "Month")]
# A period longer than this would make thousands of daily buckets.
MAX_DAYS = 731


def _any(label: str, choices: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    return [("", label), *choices]


def _with_period(data: Any) -> Any:
    """The parameters with the period they mean spelled out.

    Without one the page shows the default period (or the custom dates given);
    the menu must say so, or the first Apply silently switches to the menu's
    first choice.
    """
    if data is None or data.get("period"):
        return data
    filled = data.copy()
    filled["period"] = "custom" if data.get("start") or data.get("end") else DEFAULT_PERIOD
    return filled


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    bucket = forms.ChoiceField(choices=BUCKETS, required=False)
    channel = forms.ChoiceField(required=False)
    # Plain integers behind a select: someone else's team or agent is not a form
    # error but a 404, decided by the one access rule (report_query_for_user).
    team = forms.IntegerField(required=False, widget=forms.Select)
    agent = forms.IntegerField(required=False, widget=forms.Select)
    category = forms.ChoiceField(required=False)
    tag = forms.ChoiceField(required=False)
    tier = forms.ChoiceField(required=False)
    organization = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    basis = forms.ChoiceField(
        choices=[("calendar", "Calendar hours"), ("business", "Business hours")], required=False
    )
    calendar = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(_with_period(data))
        choices = report_filter_choices()
        teams = report_teams(user=user)
        agents = report_agents(user=user)
        fields = self.fields
        fields["channel"].choices = _any("All channels", list(Channel.choices))  # type: ignore[attr-defined]
        fields["team"].widget.choices = _any(
            "All teams" if user.role == "admin" else "My teams", [(t.pk, t.name) for t in teams]
        )
        fields["agent"].widget.choices = _any("All agents", [(a.pk, str(a)) for a in agents])
        fields["category"].choices = _any(  # type: ignore[attr-defined]
            "All categories", [(c, c) for c in choices.categories]
        )
        fields["tag"].choices = _any("Any tag", [(t, t) for t in choices.tags])  # type: ignore[attr-defined]
        fields["tier"].choices = _any("All tiers", list(Tier.choices))  # type: ignore[attr-defined]
        fields["organization"].choices = _any(  # type: ignore[attr-defined]
            "All organizations", list(choices.organizations)
        )
        fields["calendar"].choices = _any("Calendar…", list(choices.calendars))  # type: ignore[attr-defined]
        self.agent_is_pinned = not teams and len(agents) <= 1

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == "custom" or (data.get("start") or data.get("end")):
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                raise forms.ValidationError("Custom dates need both a start and an end date.")
            # The overview compares with the period before and draws local days:
            # dates near year 1 or 9999 would leave the calendar (an OverflowError).
            first, last = EARLIEST_START.date(), LATEST_END.date() - timedelta(days=1)
            if start < first:
                self.add_error("start", f"The start date cannot be before {first:%d %b %Y}.")
            elif end > last:
                self.add_error("end", f"The end date cannot be after {last:%d %b %Y}.")
            elif end < start:
                self.add_error("end", "The end date must not be before the start date.")
            elif (end - start).days > MAX_DAYS:
                self.add_error("end", f"A period can be at most {MAX_DAYS} days long.")
        if data.get("basis") == "business" and not data.get("calendar"):
            self.add_error("calendar", "Business hours need a calendar.")
        return data


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def resolve_period(data: dict[str, Any], *, now: datetime, zone: ZoneInfo) -> Period:
    """The [start, end) instants the form's period names, in ``zone``."""
    today = now.astimezone(zone).date()
    choice = data.get("period") or DEFAULT_PERIOD
    if data.get("start") and data.get("end"):
        first, last = data["start"], data["end"]
        return Period(
            _midnight(first, zone),
            _midnight(last + timedelta(days=1), zone),
            f"{first:%d %b %Y} to {last:%d %b %Y}",
        )
    if choice == "this_month":
        first = today.replace(day=1)
        return Period(
            _midnight(first, zone), _midnight(today + timedelta(days=1), zone), "This month"
        )
    if choice == "last_month":
        this_first = today.replace(day=1)
        first = (this_first - timedelta(days=1)).replace(day=1)
        return Period(_midnight(first, zone), _midnight(this_first, zone), "Last month")
    days = {"7d": 7, "90d": 90}.get(choice, 30)
    label = dict(PERIODS).get(choice, "Last 30 days")
    first = today - timedelta(days=days - 1)
    return Period(_midnight(first, zone), _midnight(today + timedelta(days=1), zone), label)


def auto_bucket(period: Period) -> str:
    days = (period.end - period.start).days
    if days <= 45:
        return "day"
    return "week" if days <= 200 else "month"


def build_query(
    form: ReportFilterForm, *, zone: ZoneInfo, now: datetime | None = None
) -> tuple[MetricQuery, Period]:
    """The query and period of a valid form, its days counted in ``zone``.

    The reports pass the viewer's zone: "today" and each day's bucket are the
    viewer's own days, and the page states which zone that is.
    """
    data = form.cleaned_data
    period = resolve_period(data, now=now or timezone.now(), zone=zone)
    bucket = data.get("bucket") or "auto"
    business = data.get("basis") == "business"
    query = MetricQuery(
        start=period.start,
        end=period.end,
        bucket=auto_bucket(period) if bucket == "auto" else bucket,  # type: ignore[arg-type]
        channel=data.get("channel") or None,
        team_id=data.get("team"),
        agent_id=data.get("agent"),
        category=data.get("category") or None,
        tag=data.get("tag") or None,
        customer_tier=data.get("tier") or None,
        organization_id=data.get("organization"),
        time_basis="business" if business else "calendar",
        calendar_id=data.get("calendar") if business else None,
        time_zone=str(zone),
    )
    return query, period
