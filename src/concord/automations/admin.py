"""Triggers and time rules, edited as rows of conditions and actions; the run logs; a dry run."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from concord.automations.dryrun import dry_run
from concord.automations.models import (
    TimeRule,
    TimeRuleAction,
    TimeRuleCondition,
    TimeRuleRun,
    Trigger,
    TriggerAction,
    TriggerCondition,
    TriggerEvent,
    TriggerRun,
)
from concord.automations.validation import check_action, check_condition, check_time_rule
from concord.common.admin import ReadOnlyAdmin
from concord.common.errors import ValidationFailed
from concord.conversations.models import Status


def _report(form: forms.BaseForm, error: ValidationFailed) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class ConditionForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("field") and data.get("operator"):
            try:
                check_condition(
                    field=data["field"], operator=data["operator"], value=data.get("value", "")
                )
            except ValidationFailed as error:
                _report(self, error)
        return data


class ActionForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind"):
            try:
                check_action(
                    kind=data["kind"], target=data.get("target", ""), text=data.get("text", "")
                )
            except ValidationFailed as error:
                _report(self, error)
        return data


class TriggerConditionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = TriggerCondition
    form = ConditionForm
    extra = 1


class TriggerActionInline(admin.StackedInline):  # type: ignore[type-arg]
    model = TriggerAction
    form = ActionForm
    extra = 1


class TimeRuleConditionInline(TriggerConditionInline):
    model = TimeRuleCondition  # type: ignore[assignment]


class TimeRuleActionInline(TriggerActionInline):
    model = TimeRuleAction  # type: ignore[assignment]


class TriggerForm(forms.ModelForm):  # type: ignore[type-arg]
    events = forms.MultipleChoiceField(
        choices=TriggerEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The trigger is evaluated after each of these, in the order of position.",
    )

    class Meta:
        model = Trigger
        fields = ("name", "description", "position", "is_active", "events", "match")


class TimeRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    status = forms.ChoiceField(choices=[c for c in Status.choices if c[0] != Status.CLOSED])
    after_hours = forms.FloatField(
        min_value=0.02, help_text="How long the conversation has been in that status."
    )

    class Meta:
        model = TimeRule
        fields = ("name", "description", "position", "is_active", "status", "business_hours")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["after_hours"].initial = self.instance.after_seconds / 3600

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") and data.get("after_hours") is not None:
            seconds = round(data["after_hours"] * 3600)
            try:
                check_time_rule(status=data["status"], after_seconds=seconds)
            except ValidationFailed as error:
                self.add_error("after_hours", error.message)
            self.instance.after_seconds = seconds
        return data


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = TriggerForm
    inlines = (TriggerConditionInline, TriggerActionInline)
    list_display = ("name", "position", "is_active", "listens_to", "updated_at")
    list_editable = ("position", "is_active")
    ordering = ("position", "id")
    change_list_template = "admin/automations/trigger/change_list.html"

    @admin.display(description="Listens to")
    def listens_to(self, obj: Trigger) -> str:
        labels = dict(TriggerEvent.choices)
        return ", ".join(str(labels.get(e, e)) for e in obj.events)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "dry-run/",
                self.admin_site.admin_view(self.dry_run_view),
                name="automations_trigger_dry_run",
            )
        ]
        return own + super().get_urls()

    def dry_run_view(self, request: HttpRequest) -> HttpResponse:
        """What would fire for conversation X on event Y; changes nothing."""
        result, error = None, ""
        raw_id = request.GET.get("conversation", "").strip().lstrip("#")
        event_name = request.GET.get("event") or TriggerEvent.CREATED
        if event_name not in TriggerEvent.values:
            error = f"{event_name!r} is not an event a trigger listens to."
        elif raw_id:
            if not raw_id.isdigit():
                error = "A conversation number is digits only."
            else:
                result = dry_run(conversation_id=int(raw_id), event_name=event_name)
                if result is None:
                    error = f"There is no conversation #{raw_id}."
        context = {
            **self.admin_site.each_context(request),
            "title": "Dry run: what would fire",
            "opts": self.model._meta,
            "result": result,
            "error": error,
            "conversation_value": raw_id,
            "event_value": event_name,
            "events": TriggerEvent.choices,
        }
        return TemplateResponse(request, "admin/automations/dry_run.html", context)


@admin.register(TimeRule)
class TimeRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = TimeRuleForm
    inlines = (TimeRuleConditionInline, TimeRuleActionInline)
    list_display = ("name", "position", "is_active", "status", "after", "business_hours")
    list_editable = ("position", "is_active")
    ordering = ("position", "id")

    @admin.display(description="After")
    def after(self, obj: TimeRule) -> str:
        hours = obj.after_seconds / 3600
        return f"{hours / 24:g} days" if hours >= 48 else f"{hours:g} hours"


@admin.register(TriggerRun)
class TriggerRunAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "trigger", "conversation_id", "event_id", "outcome", "detail")
    list_filter = ("outcome", "trigger")
    search_fields = ("=conversation_id",)


@admin.register(TimeRuleRun)
class TimeRuleRunAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "rule", "conversation_id", "since", "outcome", "detail")
    list_filter = ("outcome", "rule")
    search_fields = ("=conversation_id",)
