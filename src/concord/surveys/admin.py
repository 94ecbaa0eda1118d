"""Surveys in the Django admin: definitions, dispatch rules, settings; read-only answers."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from concord.conversations.models import Channel
from concord.customers.models import Tier
from concord.surveys.models import (
    DispatchRule,
    SurveyDefinition,
    SurveyInvitation,
    SurveyResponse,
    SurveySettings,
)


class DispatchRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The conversation's channel is one of these; none ticked: any channel.",
    )

    class Meta:
        model = DispatchRule
        fields = (
            "definition",
            "trigger",
            "channels",
            "cooldown_days",
            "every_days",
            "position",
            "is_active",
        )


class DispatchRuleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DispatchRule
    form = DispatchRuleForm
    extra = 0


@admin.register(SurveyDefinition)
class SurveyDefinitionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "language", "is_active", "updated_at")
    list_filter = ("kind", "language", "is_active")
    search_fields = ("name", "question")
    inlines = [DispatchRuleInline]


class SurveySettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    key_account_tiers = forms.MultipleChoiceField(
        choices=Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="An NPS detractor at an organization of these tiers notifies its owner.",
    )

    class Meta:
        model = SurveySettings
        fields = (
            "link_valid_days",
            "ces_alert_at_or_below",
            "nps_detractor_at_or_below",
            "key_account_tiers",
            "csat_low_at_or_below",
            "csat_low_reopens",
        )


@admin.register(SurveySettings)
class SurveySettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = SurveySettingsForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SurveySettings.objects.exists()

    def save_model(
        self, request: HttpRequest, obj: SurveySettings, form: forms.Form, change: bool
    ) -> None:
        obj.pk = 1  # the one row the services read
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin):
    list_display = ("definition", "customer", "conversation", "email_state", "created_at")
    list_filter = ("definition", "email_state", "channel")
    raw_id_fields = ("customer", "conversation", "agent")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ("kind", "score", "customer", "conversation", "agent", "answered_at")
    list_filter = ("kind", "channel", "definition")
    raw_id_fields = ("customer", "conversation", "agent", "invitation")
