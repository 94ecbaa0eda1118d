"""Each team's first-answer target for consults, edited in durations ("4h", "1d")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from concord.collaboration.models import ConsultTarget
from concord.collaboration.sla import check_consult_target
from concord.common.durations import HumanDurationField, format_duration
from concord.common.errors import ValidationFailed


class ConsultTargetForm(forms.ModelForm[ConsultTarget]):
    first_answer_seconds = HumanDurationField(
        label="First answer within",
        help_text="Counted in the business hours of the team's calendar (round the clock "
        "without one), e.g. 4h or 1d; applies to consults asked without an own due time.",
    )
    warn_before_seconds = HumanDurationField(
        label="Warn before",
        required=False,
        help_text="How long before the due time to warn those asked; empty: when a quarter "
        "of the time is left.",
    )

    class Meta:
        model = ConsultTarget
        fields = ("team", "first_answer_seconds", "warn_before_seconds")

    def clean_warn_before_seconds(self) -> int:
        return self.cleaned_data.get("warn_before_seconds") or 0

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first_answer_seconds"):
            try:
                check_consult_target(
                    first_answer_seconds=data["first_answer_seconds"],
                    warn_before_seconds=data.get("warn_before_seconds") or 0,
                )
            except ValidationFailed as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


@admin.register(ConsultTarget)
class ConsultTargetAdmin(admin.ModelAdmin[ConsultTarget]):
    form = ConsultTargetForm
    list_display = ("team", "first_answer", "warn_before", "updated_at")
    list_select_related = ("team",)

    @admin.display(description="First answer within")
    def first_answer(self, obj: ConsultTarget) -> str:
        return format_duration(obj.first_answer_seconds)

    @admin.display(description="Warn before")
    def warn_before(self, obj: ConsultTarget) -> str:
        return format_duration(obj.warn_before_seconds) or "a quarter of the time left"
