"""Forms of the service-level settings: calendars (a week grid), policies in durations, preview.

They parse and check input; the calendars and SLA services do the writing and
have the last word (a zone, region or overlap refused there is shown on the
field it names).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from concord.accounts.models import Team
from concord.calendars.models import END_OF_DAY, Calendar, Weekday
from concord.calendars.selectors import holiday_countries, holiday_subdivisions
from concord.calendars.services import IntervalSpec, check_time_zone
from concord.common.durations import HumanDurationField
from concord.common.errors import ValidationFailed
from concord.conversations.models import Channel, Priority
from concord.customers.models import Tier
from concord.sla.models import SlaPolicy

# At most this many intervals per day: split shifts need two, a third is rare.
MAX_SLOTS = 4
# Every day shows at least two pairs, so a split shift is typed in one go.
MIN_SLOTS = 2
WEEKDAYS = [(int(day.value), str(day.label)) for day in Weekday]
WORKDAYS = range(1, 5)  # Tuesday to Friday, the days "copy Monday" fills


class CalendarDetailsForm(forms.Form):
    name = forms.CharField(max_length=100)
    time_zone = forms.CharField(
        max_length=64,
        label="Time zone",
        help_text="Type to search, e.g. Berlin or New_York.",
        widget=forms.TextInput(attrs={"list": "zone-names", "autocomplete": "off"}),
    )
    holiday_country = forms.ChoiceField(
        label="Public holidays of", required=False, help_text="Empty: no public holidays."
    )
    holiday_subdivision = forms.ChoiceField(
        label="State or region",
        required=False,
        help_text="Regional holidays (e.g. Bavaria's) count only when a region is chosen.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self["holiday_country"].value() or ""
        country_field = self.fields["holiday_country"]
        region_field = self.fields["holiday_subdivision"]
        assert isinstance(country_field, forms.ChoiceField)  # noqa: S101 - declared above
        assert isinstance(region_field, forms.ChoiceField)  # noqa: S101 - declared above
        country_field.choices = [("", "None"), *holiday_countries()]
        region_field.choices = subdivision_choices(country=str(country))

    def clean_time_zone(self) -> str:
        # Checked here too, so a bad zone is named even while the hours are wrong.
        try:
            return check_time_zone(time_zone=self.cleaned_data["time_zone"])
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc


def subdivision_choices(*, country: str) -> list[tuple[str, str]]:
    return (
        [("", "Whole country"), *holiday_subdivisions(country=country)]
        if country
        else [("", "Choose a country first")]
    )


@dataclass(frozen=True)
class DayRow:
    weekday: int
    label: str
    all_day: forms.BoundField
    slots: list[tuple[forms.BoundField, forms.BoundField]]
    errors: list[str]


def _time_field(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


class WeekGridForm(forms.Form):
    """Opening hours: per day "open 24 hours", or up to ``MAX_SLOTS`` from-to intervals.

    A day shows its intervals and one empty pair to add another (at least two
    pairs), so a split shift needs no extra step; an end of 00:00 is midnight, but "open 24 hours"
    says it without knowing that.
    """

    def __init__(
        self,
        *args: Any,
        slots_per_day: Mapping[int, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        counts = slots_per_day or {}
        self.slot_counts: dict[int, int] = {}
        for weekday, label in WEEKDAYS:
            self.fields[f"d{weekday}_all"] = forms.BooleanField(
                label=f"{label}: open 24 hours", required=False
            )
            wanted = counts.get(weekday, 0)
            if self.is_bound:
                wanted = max(wanted, self._posted_slots(weekday))
            count = min(MAX_SLOTS, max(MIN_SLOTS, wanted))
            self.slot_counts[weekday] = count
            for slot in range(count):
                self.fields[f"d{weekday}_{slot}_from"] = _time_field(f"{label} from")
                self.fields[f"d{weekday}_{slot}_to"] = _time_field(f"{label} to")
        self.day_errors: dict[int, list[str]] = {}

    def _posted_slots(self, weekday: int) -> int:
        return sum(1 for slot in range(MAX_SLOTS) if f"d{weekday}_{slot}_from" in self.data)

    def rows(self) -> Iterator[DayRow]:
        for weekday, label in WEEKDAYS:
            yield DayRow(
                weekday=weekday,
                label=label,
                all_day=self[f"d{weekday}_all"],
                slots=[
                    (self[f"d{weekday}_{slot}_from"], self[f"d{weekday}_{slot}_to"])
                    for slot in range(self.slot_counts[weekday])
                ],
                errors=self.day_errors.get(weekday, []),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        intervals: list[IntervalSpec] = []
        for weekday, label in WEEKDAYS:
            if data.get(f"d{weekday}_all"):
                given = any(
                    data.get(f"d{weekday}_{slot}_{end}") is not None
                    for slot in range(self.slot_counts[weekday])
                    for end in ("from", "to")
                )
                if given:
                    # Which one was meant cannot be guessed: say so rather than drop hours.
                    self.day_error(
                        weekday, f"{label}: untick 24 h, or clear the intervals (not both)."
                    )
                    continue
                intervals.append((weekday, time(0, 0), END_OF_DAY))
                continue
            for slot in range(self.slot_counts[weekday]):
                start = data.get(f"d{weekday}_{slot}_from")
                end = data.get(f"d{weekday}_{slot}_to")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.day_error(weekday, f"{label}: give both a start and an end.")
                    continue
                if end != END_OF_DAY and end <= start:
                    self.day_error(
                        weekday,
                        f"{label}: {start:%H:%M}-{end:%H:%M} ends before it starts "
                        "(00:00 as the end means midnight).",
                    )
                    continue
                intervals.append((weekday, start, end))
        data["intervals"] = intervals
        return data

    def day_error(self, weekday: int, message: str) -> None:
        self.day_errors.setdefault(weekday, []).append(message)
        self.add_error(None, message)


def grid_initial(*, calendar: Calendar) -> tuple[dict[str, Any], dict[int, int]]:
    """The calendar's hours as the grid's initial values, with one free pair per day."""
    initial: dict[str, Any] = {}
    per_day: dict[int, list[tuple[time, time]]] = {}
    for interval in calendar.intervals.order_by("weekday", "start"):
        per_day.setdefault(interval.weekday, []).append((interval.start, interval.end))
    counts: dict[int, int] = {}
    for weekday, pieces in per_day.items():
        if pieces == [(time(0, 0), END_OF_DAY)]:
            initial[f"d{weekday}_all"] = True
            continue
        for slot, (start, end) in enumerate(pieces):
            initial[f"d{weekday}_{slot}_from"] = start
            initial[f"d{weekday}_{slot}_to"] = end
        counts[weekday] = len(pieces) + 1
    return initial, counts


def copy_monday(data: Mapping[str, Any]) -> dict[str, Any]:
    """Posted grid data with Monday's hours written over Tuesday to Friday."""
    copied = {key: value for key, value in data.items() if not _is_workday_key(key)}
    for key, value in data.items():
        if key.startswith("d0_"):
            for weekday in WORKDAYS:
                copied[f"d{weekday}_{key[3:]}"] = value
    return copied


def _is_workday_key(key: str) -> bool:
    return any(key.startswith(f"d{weekday}_") for weekday in WORKDAYS)


class _TeamChoices(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        # Say where a team comes from, so moving it here is a choice, not a surprise.
        return f"{obj.name} (now: {obj.calendar.name})" if obj.calendar else str(obj.name)


class CalendarTeamsForm(forms.Form):
    teams = _TeamChoices(
        queryset=Team.objects.select_related("calendar").order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Teams working by this calendar",
    )


class ClosedDateForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    label = forms.CharField(max_length=100, required=False)


def _ticks(choices: Any, label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices,
        required=False,
        label=label,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any.",
    )


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=100)
    position = forms.IntegerField(
        min_value=0, initial=0, help_text="The first active policy in this order that matches wins."
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    priorities = _ticks(Priority.choices, "Priorities")
    channels = _ticks(Channel.choices, "Channels")
    customer_tiers = _ticks(Tier.choices, "Customer tiers")
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any.",
    )
    first_response_seconds = HumanDurationField(label="First response", required=False)
    next_reply_seconds = HumanDurationField(label="Next reply", required=False)
    resolution_seconds = HumanDurationField(label="Resolution", required=False)
    warn_before_seconds = HumanDurationField(
        label="Warn before",
        required=False,
        help_text="How long before a due time to warn, e.g. 30m; empty: never.",
    )
    business_hours = forms.BooleanField(
        required=False,
        initial=True,
        label="Count business hours only",
        help_text="Off: round the clock. 1d is 24 counted hours, so in business hours "
        "write one 8-hour working day as 8h.",
    )
    calendar = forms.ModelChoiceField(
        queryset=Calendar.objects.order_by("name"),
        required=False,
        empty_label="Each conversation's team calendar",
    )
    pause_on_pending = forms.BooleanField(
        required=False,
        initial=True,
        label="Pause while waiting on the customer",
        help_text="Never the first response.",
    )
    pause_on_hold = forms.BooleanField(
        required=False,
        label="Pause while on hold (waiting on another team)",
        help_text="Never the first response.",
    )

    sections = (
        ("Policy", ("name", "position", "is_active")),
        (
            "Applies to (every ticked condition must hold)",
            ("priorities", "channels", "customer_tiers", "teams"),
        ),
        (
            "Targets",
            (
                "first_response_seconds",
                "next_reply_seconds",
                "resolution_seconds",
                "warn_before_seconds",
            ),
        ),
        ("Clock", ("business_hours", "calendar", "pause_on_pending", "pause_on_hold")),
    )

    def grouped(self) -> Iterator[tuple[str, list[forms.BoundField]]]:
        for legend, names in self.sections:
            yield legend, [self[name] for name in names]

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("teams", None)
        data["warn_before_seconds"] = data.get("warn_before_seconds") or 0
        return data


def policy_initial(*, policy: SlaPolicy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "position": policy.position,
        "is_active": policy.is_active,
        "priorities": policy.priorities,
        "channels": policy.channels,
        "customer_tiers": policy.customer_tiers,
        "teams": list(policy.teams.all()),
        "first_response_seconds": policy.first_response_seconds,
        "next_reply_seconds": policy.next_reply_seconds,
        "resolution_seconds": policy.resolution_seconds,
        "warn_before_seconds": policy.warn_before_seconds or None,
        "business_hours": policy.business_hours,
        "calendar": policy.calendar,
        "pause_on_pending": policy.pause_on_pending,
        "pause_on_hold": policy.pause_on_hold,
    }


class PreviewForm(forms.Form):
    """A made-up conversation: when it arrives and what it is like."""

    moment = forms.DateTimeField(
        label="Arriving at",
        required=False,
        help_text="Empty: now. In your time zone.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.EMAIL)
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="No team"
    )
    tier = forms.ChoiceField(
        label="Customer tier", choices=[("", "Any"), *Tier.choices], required=False
    )

    def when(self) -> datetime:
        moment = self.cleaned_data.get("moment")
        return moment if isinstance(moment, datetime) else timezone.now()
