"""Forms of the agent workspace: they parse and check input; services do the work."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from concord.accounts.models import User
from concord.accounts.selectors import StaffDirectory
from concord.common.errors import ServiceError
from concord.conversations.models import Channel, Priority, Status
from concord.conversations.selectors import INBOX_VIEWS, conversation_role_works

MAX_ID = 2**63 - 1
MAX_BULK = 100
# Statuses an agent sets by hand; "new" is only ever where a conversation starts.
SETTABLE_STATUSES = [(s.value, s.label) for s in Status if s != Status.NEW]


def add_service_error(form: forms.Form, error: ServiceError) -> None:
    """Show a service's refusal on the field it names, or on the form as a whole."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class StaffAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing customers: they sign in to the help centre."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_staff": (
            "This sign-in is for the service team. Customers sign in at the help centre (/help/)."
        ),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not isinstance(user, User) or not user.is_staff_member:
            raise ValidationError(self.error_messages["not_staff"], code="not_staff")


# ---- assignment: one picker for team and agent, as Zendesk has it ------------

Choices = list[tuple[str, Any]]


def assignment_choices(*, directory: StaffDirectory) -> Choices:
    """Grouped choices "team:user" ("3:7"), "3:" (team, nobody yet), ":7", ":" (nobody).

    Picking team and agent together avoids the usual error of handing a
    conversation to a team its assignee is not in. Built from plain values:
    the picker is on every inbox and conversation page.
    """
    workers = {pk: name for pk, name, role in directory.users if conversation_role_works(role=role)}
    grouped: Choices = []
    for team_id, team_name in directory.teams:
        options = [(f"{team_id}:", f"{team_name} — anyone")]
        options += [
            (f"{team_id}:{pk}", f"{team_name} / {workers[pk]}")
            for pk in directory.members.get(team_id, [])
            if pk in workers
        ]
        grouped.append((team_name, options))
    no_team = [(":", "Nobody (no team)")] + [
        (f":{pk}", f"{name} (no team)") for pk, name in workers.items()
    ]
    grouped.append(("No team", no_team))
    return grouped


def _lazy_choices(form: forms.Form, name: str, choices: Choices) -> None:
    """Give ``form``'s field ``name`` its choices, checked only when the form validates.

    Assigning a list makes Django normalise every choice at once, which for a
    picker of every agent showed in each page's profile though a page only
    shows the picker (templates render ``assignment_choices`` with the options
    tag). A callable is normalised when a submitted value is checked.
    """
    field = cast(forms.ChoiceField, form.fields[name])
    field.choices = lambda: choices


def parse_assignment(value: str) -> tuple[int | None, int | None]:
    """(team id, user id) from a picker value; ValueError if it is not one."""
    team, sep, user = value.partition(":")
    if not sep:
        raise ValueError(value)
    return (int(team) if team else None, int(user) if user else None)


def assignment_value(team_id: int | None, assignee_id: int | None) -> str:
    return f"{team_id or ''}:{assignee_id or ''}"


# ---- the inbox --------------------------------------------------------------


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(choices=list(INBOX_VIEWS.items()), required=False)
    channel = forms.ChoiceField(
        choices=[("", "Any channel"), *Channel.choices], required=False, label="Channel"
    )
    priority = forms.ChoiceField(
        choices=[("", "Any priority"), *Priority.choices], required=False, label="Priority"
    )
    tag = forms.CharField(max_length=50, required=False, label="Tag")
    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Team")
    customer = forms.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, widget=forms.HiddenInput
    )
    sort = forms.ChoiceField(
        choices=[
            ("updated", "Last update"),
            ("oldest", "Waiting longest"),  # only where the customer waits: new, open, on hold
            ("due", "Due soonest"),  # SLA due times; conversations without one last
        ],
        required=False,
        label="Sort by",
    )
    cursor = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, teams: Iterable[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = cast(forms.TypedChoiceField, self.fields["team"])
        team_field.choices = [("", "Any team"), *teams]


class IdListField(forms.Field):
    """Conversation ids from repeated ``ids`` checkboxes."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        try:
            ids = sorted({int(v) for v in (value or [])})
        except (TypeError, ValueError):
            raise ValidationError("Those are not conversation ids.") from None
        if any(not 0 < i <= MAX_ID for i in ids):
            raise ValidationError("Those are not conversation ids.")
        if len(ids) > MAX_BULK:
            raise ValidationError(f"Select at most {MAX_BULK} conversations at once.")
        return ids

    def validate(self, value: Any) -> None:
        if not value:
            raise ValidationError("Select at least one conversation.")


class BulkForm(forms.Form):
    ids = IdListField()
    action = forms.ChoiceField(choices=[("assign", "Assign"), ("status", "Status"), ("tag", "Tag")])
    assignment = forms.ChoiceField(required=False, label="Assign to")
    status = forms.ChoiceField(
        choices=[("", "Choose a status"), *SETTABLE_STATUSES], required=False, label="Set status"
    )
    tag = forms.CharField(max_length=50, required=False, label="Add tag")
    next = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, assignment: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assignment_choices: Choices = [("", "Choose team / agent"), *assignment]
        _lazy_choices(self, "assignment", self.assignment_choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        needed = {"assign": "assignment", "status": "status", "tag": "tag"}.get(action or "")
        if needed and not data.get(needed):
            self.add_error(needed, "Choose a value for this action.")
        return data


# ---- the conversation page --------------------------------------------------


class MessageForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[("reply", "Public reply"), ("note", "Internal note")],
        widget=forms.RadioSelect,
        initial="reply",
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000, label="Message"
    )
    status = forms.ChoiceField(
        choices=[("", "Keep status"), *SETTABLE_STATUSES], required=False, label="Then set"
    )


class AssignForm(forms.Form):
    assignment = forms.ChoiceField(label="Team / assignee")

    def __init__(self, *args: Any, assignment: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assignment_choices = assignment
        _lazy_choices(self, "assignment", assignment)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=SETTABLE_STATUSES, label="Status")


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices, label="Priority")


class TagForm(forms.Form):
    tag = forms.CharField(max_length=500, label="Add tags")

    def clean_tag(self) -> list[str]:
        names = [n.strip() for n in str(self.cleaned_data["tag"]).split(",") if n.strip()]
        if not names:
            raise ValidationError("Name a tag.")
        return names


class UntagForm(forms.Form):
    tag = forms.CharField(max_length=50)


class MergeForm(forms.Form):
    target = forms.IntegerField(min_value=1, max_value=MAX_ID, label="Merge into conversation #")


class PresenceForm(forms.Form):
    state = forms.ChoiceField(choices=[("viewing", "viewing"), ("replying", "replying")])


class CustomerSearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Search customers")
