"""Forms for consults: ask a team, a person or an outside address; answer; filter the queue."""

from __future__ import annotations

from typing import Any

from django import forms

from concord.common.durations import HumanDurationField


class ConsultForm(forms.Form):
    """Whom to ask is picked from the page's staff directory (plain ids, no extra query)."""

    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Ask team")
    user = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Or a person")
    email = forms.EmailField(
        required=False,
        max_length=320,
        label="Or an outside email address",
        help_text="A supplier or a carrier: the question is emailed; replies come back here.",
    )
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        label="Question",
        help_text="Internal: the customer never sees it.",
    )
    due_in = HumanDurationField(
        label="Answer within", required=False, help_text="e.g. 4h or 1d; empty: no due time."
    )
    hold = forms.BooleanField(
        required=False, initial=True, label="Put the conversation on hold meanwhile"
    )

    def __init__(
        self,
        *args: Any,
        teams: dict[int, str] | None = None,
        users: dict[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        user_field = self.fields["user"]
        assert isinstance(team_field, forms.TypedChoiceField)  # noqa: S101 - declared above
        assert isinstance(user_field, forms.TypedChoiceField)  # noqa: S101 - declared above
        team_field.choices = [("", "Choose a team…"), *sorted((teams or {}).items(), key=_name)]
        user_field.choices = [("", "Anyone in the team"), *sorted((users or {}).items(), key=_name)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("email") and (data.get("team") or data.get("user")):
            self.add_error("email", "Ask a team or person, or an outside address, not both.")
        elif not data.get("team") and not data.get("user") and not data.get("email"):
            self.add_error("team", "Choose a team or a person to ask. Or an outside email address.")
        return data


class ConsultReplyForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000, label="Answer"
    )


def _name(choice: tuple[int, str]) -> str:
    return choice[1].casefold()
