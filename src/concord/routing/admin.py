"""Routing in the Django admin: rules, settings, team strategies, agents; read-only history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from concord.common.errors import ValidationFailed
from concord.conversations.models import Channel
from concord.customers.models import Tier
from concord.routing import selectors
from concord.routing.models import (
    AgentStatus,
    ClassifierModel,
    RoutingDecision,
    RoutingSettings,
    TeamRouting,
    TriageRule,
)
from concord.routing.services.agents import check_rule


def _checkboxes(choices: list[tuple[str, str]], help_text: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class TriageRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    channels = _checkboxes(Channel.choices, "Any of these channels; none ticked: any channel.")
    tiers = _checkboxes(
        Tier.choices,
        "Any of these tiers (the higher of the customer's and their organization's); "
        "none ticked: any tier.",
    )

    class Meta:
        model = TriageRule
        fields = (
            "name",
            "position",
            "is_active",
            "channels",
            "words",
            "tiers",
            "organizations",
            "set_team",
            "set_category",
            "set_priority",
            "add_tags",
        )
        widgets = {"words": forms.Textarea(attrs={"rows": 2})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            check_rule(
                channels=data.get("channels") or [],
                tiers=data.get("tiers") or [],
                add_tags=data.get("add_tags") or "",
                set_priority=data.get("set_priority") or "",
            )
        except ValidationFailed as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(TriageRule)
class TriageRuleAdmin(admin.ModelAdmin[TriageRule]):
    form = TriageRuleForm
    list_display = ("name", "position", "is_active", "words", "set_team", "set_category")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "words")
    filter_horizontal = ("organizations",)
    fieldsets = (
        (None, {"fields": ("name", "position", "is_active")}),
        (
            "Conditions (all that are filled in must hold)",
            {"fields": ("channels", "words", "tiers", "organizations")},
        ),
        ("Actions", {"fields": ("set_team", "set_category", "set_priority", "add_tags")}),
    )


class RoutingSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    high_value_tiers = _checkboxes(Tier.choices, "Customers of these tiers are high-value.")

    class Meta:
        model = RoutingSettings
        fields = (
            "confidence_threshold",
            "high_value_tiers",
            "high_value_organizations",
            "high_value_priority",
            "high_value_team",
        )
        help_texts = {
            "confidence_threshold": "The classifier's suggestion (category, team) is applied "
            "only at or above this probability, from 0 to 1.",
            "high_value_priority": "Empty: raise one step. Otherwise raise to this level.",
        }


@admin.register(RoutingSettings)
class RoutingSettingsAdmin(admin.ModelAdmin[RoutingSettings]):
    form = RoutingSettingsForm
    filter_horizontal = ("high_value_organizations",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not RoutingSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: RoutingSettings, form: Any, change: bool
    ) -> None:
        obj.pk = 1  # the one row the selectors read
        super().save_model(request, obj, form, change)


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin[TeamRouting]):
    list_display = ("team", "strategy", "last_assigned", "last_assigned_at")
    list_editable = ("strategy",)
    readonly_fields = ("last_assigned", "last_assigned_at")


@admin.register(AgentStatus)
class AgentStatusAdmin(admin.ModelAdmin[AgentStatus]):
    list_display = ("user", "availability", "capacity", "load", "changed_at")
    list_editable = ("availability", "capacity")
    list_filter = ("availability",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    raw_id_fields = ("user",)
    readonly_fields = ("changed_at",)

    @admin.display(description="open conversations")
    def load(self, obj: AgentStatus) -> int:
        return selectors.agent_load(user=obj.user)

    def save_model(self, request: HttpRequest, obj: AgentStatus, form: Any, change: bool) -> None:
        obj.changed_at = timezone.now()
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ClassifierModel)
class ClassifierModelAdmin(ReadOnlyAdmin):
    """Models are made by `concord routing train`; deleting a row falls back to the previous."""

    list_display = ("id", "trained_at", "accuracy", "samples")


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "conversation",
        "rule_name",
        "high_value",
        "category_suggestion",
        "category_confidence",
        "applied",
        "created_at",
    )
    list_filter = ("high_value",)
    raw_id_fields = ("conversation",)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
