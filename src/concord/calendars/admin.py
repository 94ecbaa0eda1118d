from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from concord.calendars.models import Calendar, CalendarClosedDate, CalendarInterval
from concord.calendars.services import (
    check_holiday_region,
    check_interval,
    check_intervals,
    check_time_zone,
)
from concord.common.errors import ValidationFailed


class CalendarForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Calendar
        fields = ("name", "time_zone", "holiday_country", "holiday_subdivision")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            if "time_zone" in data:
                data["time_zone"] = check_time_zone(time_zone=data["time_zone"])
            data["holiday_country"], data["holiday_subdivision"] = check_holiday_region(
                country=data.get("holiday_country", ""),
                subdivision=data.get("holiday_subdivision", ""),
            )
        except ValidationFailed as exc:
            self.add_error(exc.field, exc.message)
        return data


class CalendarIntervalForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CalendarInterval
        fields = ("weekday", "start", "end")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(data.get(key) is not None for key in ("weekday", "start", "end")):
            try:
                check_interval(weekday=data["weekday"], start=data["start"], end=data["end"])
            except ValidationFailed as exc:
                self.add_error(exc.field, exc.message)
        return data


class CalendarIntervalFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            # Forms with errors of their own have already said what is wrong.
            if form.cleaned_data and not form.errors and not form.cleaned_data.get("DELETE")
        ]
        try:
            check_intervals(
                intervals=[(data["weekday"], data["start"], data["end"]) for data in kept]
            )
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc


class CalendarIntervalInline(admin.TabularInline[CalendarInterval, Calendar]):
    model = CalendarInterval
    form = CalendarIntervalForm
    formset = CalendarIntervalFormSet
    extra = 0


class CalendarClosedDateInline(admin.TabularInline[CalendarClosedDate, Calendar]):
    model = CalendarClosedDate
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin[Calendar]):
    form = CalendarForm
    list_display = ("name", "time_zone", "holiday_country", "holiday_subdivision")
    search_fields = ("name",)
    inlines = (CalendarIntervalInline, CalendarClosedDateInline)
