"""Forms for problems and feature requests: create or edit, status, link, tell customers."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from concord.problems.models import ProblemKind

_ID = re.compile(r"#?(\d{1,12})")


class ProblemForm(forms.Form):
    kind = forms.ChoiceField(choices=ProblemKind.choices, initial=ProblemKind.PROBLEM)
    title = forms.CharField(
        max_length=200,
        help_text="For the team (and, for a feature request shown for voting, for customers). "
        "Customers affected by a problem read the note for customers, never this title.",
    )
    team = forms.TypedChoiceField(coerce=int, label="Owning department")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20_000,
        help_text="Internal: what is known about the cause.",
    )
    public_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20_000,
        label="Note for customers",
        help_text="Shown to affected customers in the help centre, and usable in the message.",
    )
    eta = forms.DateField(
        required=False, label="Expected fix", widget=forms.DateInput(attrs={"type": "date"})
    )
    portal_visible = forms.BooleanField(
        required=False, label="Show in the help centre for customers to vote on (feature requests)"
    )

    def __init__(self, *args: Any, teams: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.TypedChoiceField)  # noqa: S101 - declared above
        team_field.choices = [("", "Choose a department"), *teams.items()]


class StatusForm(forms.Form):
    status = forms.CharField(max_length=14)


class LinkForm(forms.Form):
    conversations = forms.CharField(
        max_length=20_000,
        label="Conversations",
        help_text="Numbers, e.g. 12, 15 #31",
    )

    def clean_conversations(self) -> list[int]:
        ids = sorted({int(m) for m in _ID.findall(self.cleaned_data["conversations"])})
        if not ids:
            raise ValidationError("Give conversation numbers, e.g. 12, 15.")
        if len(ids) > 1000:
            raise ValidationError("Link at most 1000 conversations at once.")
        return ids


class AnnounceForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20_000,
        label="Message",
        help_text=(
            "Placeholders: {{ customer.name }}, {{ problem.title }}, {{ problem.status }}, "
            "{{ problem.public_note }}, {{ problem.eta }}, {{ conversation.subject }}."
        ),
    )
    solve_linked = forms.BooleanField(
        required=False, initial=True, label="Solve the linked conversations at the same time"
    )
    confirm = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The latest announcement when the preview was shown: a second click, or the
    # back button after sending, finds a newer one and previews again.
    seen = forms.IntegerField(required=False, widget=forms.HiddenInput)
