"""The time zone form of the workspace profile and the portal account page."""

from __future__ import annotations

from django import forms

from concord.calendars.services import time_zone_names

# The input's datalist; the profile templates render it beside the field.
TIME_ZONE_LIST_ID = "time-zone-names"


class TimeZoneForm(forms.Form):
    # Free text with suggestions, so a zone is found by typing "Berlin"; the
    # service checks it against the tz database (check_time_zone).
    time_zone = forms.CharField(
        label="Time zone",
        required=False,
        max_length=64,
        help_text="Start typing a city, e.g. Berlin or New_York. Empty: the installation's zone.",
        widget=forms.TextInput(
            attrs={"list": TIME_ZONE_LIST_ID, "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    @property
    def zone_names(self) -> tuple[str, ...]:
        return time_zone_names()
