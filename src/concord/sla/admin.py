"""SLA policies are edited here; targets are shown read-only (only the SLA services write them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin

from concord.common.admin import ReadOnlyAdmin
from concord.common.durations import HumanDurationField, format_duration
from concord.conversations.models import Channel, Priority
from concord.customers.models import Tier
from concord.sla.models import SlaPolicy, SlaTarget
from concord.sla.selectors import sla_policy_conditions, sla_policy_time_basis


def _checkboxes(choices: Any, label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices,
        required=False,
        label=label,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any.",
    )


class SlaPolicyForm(forms.ModelForm[SlaPolicy]):
    # Stored as lists of values; ticked as checkboxes, never typed as JSON.
    priorities = _checkboxes(Priority.choices, "Priorities")
    channels = _checkboxes(Channel.choices, "Channels")
    customer_tiers = _checkboxes(Tier.choices, "Customer tiers")
    # Durations as people write them ("4h", "1d 2h"), stored as seconds.
    first_response_seconds = HumanDurationField(label="First response", required=False)
    next_reply_seconds = HumanDurationField(label="Next reply", required=False)
    resolution_seconds = HumanDurationField(label="Resolution", required=False)
    warn_before_seconds = HumanDurationField(
        label="Warn before",
        required=False,
        help_text="How long before a due time to warn, e.g. 30m; empty: never.",
    )

    def clean_warn_before_seconds(self) -> int:
        return self.cleaned_data.get("warn_before_seconds") or 0

    class Meta:
        model = SlaPolicy
        fields = (
            "name",
            "position",
            "is_active",
            "priorities",
            "channels",
            "customer_tiers",
            "teams",
            "organizations",
            "first_response_seconds",
            "next_reply_seconds",
            "resolution_seconds",
            "warn_before_seconds",
            "business_hours",
            "calendar",
            "pause_on_pending",
            "pause_on_hold",
        )
        widgets = {
            "teams": forms.CheckboxSelectMultiple,
        }


def _duration(seconds: int | None) -> str:
    return format_duration(seconds) or "—"


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    form = SlaPolicyForm
    list_display = (
        "position",
        "name",
        "is_active",
        "conditions",
        "first_response",
        "next_reply",
        "resolution",
        "time_counted",
    )
    list_display_links = ("name",)
    list_editable = ("position", "is_active")
    ordering = ("position", "id")
    autocomplete_fields = ("organizations",)
    fieldsets = (
        (None, {"fields": ("name", "position", "is_active")}),
        (
            "Applies to (every ticked condition must hold; none ticked: any)",
            {"fields": ("priorities", "channels", "customer_tiers", "teams", "organizations")},
        ),
        (
            "Targets",
            {
                "fields": (
                    "first_response_seconds",
                    "next_reply_seconds",
                    "resolution_seconds",
                    "warn_before_seconds",
                )
            },
        ),
        (
            "Clock",
            {
                "fields": (
                    "business_hours",
                    "calendar",
                    "time_counted",
                    "pause_on_pending",
                    "pause_on_hold",
                )
            },
        ),
    )
    readonly_fields = ("time_counted",)

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).prefetch_related("teams__calendar", "organizations")

    @admin.display(description="Conditions")
    def conditions(self, obj: SlaPolicy) -> str:
        return sla_policy_conditions(policy=obj)

    @admin.display(description="Time counted")
    def time_counted(self, obj: SlaPolicy) -> str:
        if obj.pk is None:
            return "Shown once the policy is saved."
        return sla_policy_time_basis(policy=obj)

    @admin.display(description="First response")
    def first_response(self, obj: SlaPolicy) -> str:
        return _duration(obj.first_response_seconds)

    @admin.display(description="Next reply")
    def next_reply(self, obj: SlaPolicy) -> str:
        return _duration(obj.next_reply_seconds)

    @admin.display(description="Resolution")
    def resolution(self, obj: SlaPolicy) -> str:
        return _duration(obj.resolution_seconds)


@admin.register(SlaTarget)
class SlaTargetAdmin(ReadOnlyAdmin):
    list_display = (
        "conversation_id",
        "target",
        "cycle",
        "policy",
        "started_at",
        "due_at",
        "achieved_at",
        "warned_at",
        "breach",
        "breach_noticed",
    )
    list_filter = ("target", "policy")
    list_select_related = ("policy",)
    search_fields = ("=conversation__id",)
    ordering = ("-started_at",)
    date_hierarchy = "started_at"

    # The breach happened at the due time; ``breached_at`` is when the sweep
    # (or a refresh) noticed it, which can be minutes later, or days for an
    # installation that was down. Both are shown, each for what it is.
    @admin.display(description="Breached at", ordering="due_at")
    def breach(self, obj: SlaTarget) -> datetime | None:
        return obj.due_at if obj.breached_at is not None else None

    @admin.display(description="Breach noticed", ordering="breached_at")
    def breach_noticed(self, obj: SlaTarget) -> datetime | None:
        return obj.breached_at
