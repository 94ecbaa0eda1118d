"""Checks on rule rows, shared by the admin forms and the rule services.

A rule that names a team, user, webhook or status that does not exist is
refused when it is saved, with the reason, instead of failing later at 3 a.m.
"""

from __future__ import annotations

from concord.accounts.selectors import team_by_slug, user_get_by_username
from concord.automations.models import ActionKind, Field, Operator
from concord.automations.rules import split_list
from concord.automations.templating import check_template
from concord.common.errors import ValidationFailed
from concord.conversations.models import Channel, Priority, Status
from concord.customers.models import Tier

_CHOICES: dict[str, list[str]] = {
    Field.STATUS: list(Status.values),
    Field.PRIORITY: list(Priority.values),
    Field.CHANNEL: list(Channel.values),
    Field.CUSTOMER_TIER: list(Tier.values),
    Field.SLA_TARGET: ["first_response", "next_reply", "resolution"],
    Field.SURVEY_KIND: ["csat", "nps", "ces", "stars", "ves", "gcr"],
}
_NEEDS_NO_VALUE = frozenset({Operator.IS_SET, Operator.IS_NOT_SET})
_NEEDS_TEXT = frozenset(
    {
        ActionKind.ADD_NOTE,
        ActionKind.SEND_EMAIL,
        ActionKind.NOTIFY,
        ActionKind.SLACK,
        ActionKind.CONSULT,
    }
)
_WHO_IS_ASKED = frozenset({Field.CONSULT_OPEN, Field.CONSULT_OVERDUE})


def check_condition(*, field: str, operator: str, value: str) -> None:
    if field not in Field.values:
        raise ValidationFailed(f"Unknown field {field!r}.", field="field")
    if operator not in Operator.values:
        raise ValidationFailed(f"Unknown operator {operator!r}.", field="operator")
    if operator in _NEEDS_NO_VALUE:
        return
    if not value.strip():
        raise ValidationFailed("This condition needs a value.", field="value")
    if field in _WHO_IS_ASKED:
        _check_asked(operator=operator, value=value)
        return
    if operator in (Operator.AT_MOST, Operator.AT_LEAST):
        try:
            float(value)
        except ValueError:
            raise ValidationFailed(f"{value!r} is not a number.", field="value") from None
        return
    allowed = _CHOICES.get(field)
    if allowed is None:
        return
    values = split_list(value) if operator in (Operator.IN, Operator.NOT_IN) else [value.strip()]
    wrong = [v for v in values if v.lower() not in allowed]
    if wrong:
        raise ValidationFailed(
            f"{', '.join(wrong)} is not a valid {Field(field).label.lower()} "
            f"(one of: {', '.join(allowed)}).",
            field="value",
        )


def _check_asked(*, operator: str, value: str) -> None:
    """A consult condition names teams (slug) or people (username) that exist."""
    if operator in (Operator.AT_MOST, Operator.AT_LEAST):
        raise ValidationFailed(
            "A consult condition names teams or people; it is not a number.", field="operator"
        )
    values = split_list(value) if operator in (Operator.IN, Operator.NOT_IN) else [value.strip()]
    unknown = [
        v
        for v in values
        if team_by_slug(slug=v.lower()) is None and user_get_by_username(username=v) is None
    ]
    if unknown:
        raise ValidationFailed(
            f"No team has the slug {unknown[0]!r}, and no user is named so.", field="value"
        )


def check_action(*, kind: str, target: str, text: str) -> None:
    target = target.strip()
    if kind not in ActionKind.values:
        raise ValidationFailed(f"Unknown action {kind!r}.", field="kind")
    if kind == ActionKind.ASSIGN and target.lower() != "auto":
        if user_get_by_username(username=target) is None:
            raise ValidationFailed(f"No user is named {target!r}.", field="target")
    elif kind == ActionKind.SET_TEAM and team_by_slug(slug=target) is None:
        raise ValidationFailed(f"No team has the slug {target!r}.", field="target")
    elif kind == ActionKind.SET_PRIORITY and target not in Priority.values:
        raise ValidationFailed(f"Priority is one of {', '.join(Priority.values)}.", field="target")
    elif kind == ActionKind.SET_STATUS and target not in Status.values:
        raise ValidationFailed(f"Status is one of {', '.join(Status.values)}.", field="target")
    elif kind in (ActionKind.ADD_TAGS, ActionKind.REMOVE_TAGS) and not split_list(target):
        raise ValidationFailed("Name at least one tag.", field="target")
    elif kind == ActionKind.CONSULT and team_by_slug(slug=target) is None:
        raise ValidationFailed(
            f"No team has the slug {target!r}: say which team to consult.", field="target"
        )
    elif kind in (ActionKind.NOTIFY, ActionKind.SLACK, ActionKind.WEBHOOK) and not target:
        raise ValidationFailed("Say whom to notify or where to send it.", field="target")
    if kind in _NEEDS_TEXT:
        if not text.strip():
            raise ValidationFailed("This action needs a text.", field="text")
        check_template(text)


def check_time_rule(*, status: str, after_seconds: int) -> None:
    if status not in Status.values or status == Status.CLOSED:
        raise ValidationFailed(
            "A time rule applies to new, open, pending, on hold or solved conversations.",
            field="status",
        )
    if after_seconds < 60:
        raise ValidationFailed("A time rule waits at least one minute.", field="after_seconds")
