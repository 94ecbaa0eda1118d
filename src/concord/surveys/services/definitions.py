"""Creating survey definitions and their dispatch rules (the API, the demo, tests)."""

from __future__ import annotations

from django.db import transaction

from concord.common.errors import ValidationFailed
from concord.conversations.models import Channel
from concord.surveys.models import DispatchRule, SurveyDefinition, SurveyKind, Trigger


def survey_definition_create(
    *,
    name: str,
    kind: str,
    subject: str,
    question: str,
    question_2: str = "",
    language: str = "en",
    low_label: str = "",
    high_label: str = "",
    comment_prompt: str = "",
    is_active: bool = True,
) -> SurveyDefinition:
    if kind not in SurveyKind.values:
        raise ValidationFailed(
            f"{kind!r} is not a survey kind ({', '.join(SurveyKind.values)}).", field="kind"
        )
    for field, value in (("name", name), ("subject", subject), ("question", question)):
        if not value.strip():
            raise ValidationFailed(f"The {field} is empty.", field=field)
    if kind == SurveyKind.VES and not question_2.strip():
        raise ValidationFailed("A VES survey rates two statements.", field="question_2")
    return SurveyDefinition.objects.create(
        name=name.strip(),
        kind=kind,
        subject=" ".join(subject.split()),
        question=question.strip(),
        question_2=question_2.strip(),
        language=language.strip() or "en",
        low_label=low_label.strip(),
        high_label=high_label.strip(),
        comment_prompt=comment_prompt.strip(),
        is_active=is_active,
    )


# A century: longer would overflow the date arithmetic of the relationship run.
MAX_DAYS = 36_500
# The column is a PositiveIntegerField.
MAX_POSITION = 2_147_483_647


def _check_rule(
    *, trigger: str, channels: list[str], cooldown_days: int, every_days: int, position: int
) -> list[str]:
    """The admin's checks (choices, positive numbers), each naming its field."""
    if trigger not in Trigger.values:
        raise ValidationFailed(f"{trigger!r} is not a trigger.", field="trigger")
    unknown = [c for c in channels if c not in Channel.values]
    if unknown:
        raise ValidationFailed(f"Unknown channels: {', '.join(unknown)}.", field="channels")
    for field, value, low, high in (
        ("cooldown_days", cooldown_days, 0, MAX_DAYS),
        ("every_days", every_days, 1, MAX_DAYS),
        ("position", position, 0, MAX_POSITION),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationFailed(f"A whole number from {low} to {high}.", field=field)
    return list(dict.fromkeys(channels))


def dispatch_rule_create(
    *,
    definition: SurveyDefinition,
    trigger: str = Trigger.SOLVED,
    channels: list[str] | None = None,
    cooldown_days: int = 7,
    every_days: int = 90,
    position: int = 100,
    is_active: bool = True,
) -> DispatchRule:
    cleaned = _check_rule(
        trigger=trigger,
        channels=list(channels or []),
        cooldown_days=cooldown_days,
        every_days=every_days,
        position=position,
    )
    with transaction.atomic():
        return DispatchRule.objects.create(
            definition=definition,
            trigger=trigger,
            channels=cleaned,
            cooldown_days=cooldown_days,
            every_days=every_days,
            position=position,
            is_active=is_active,
        )


def dispatch_rule_update(
    *,
    rule: DispatchRule,
    definition: SurveyDefinition | None = None,
    trigger: str | None = None,
    channels: list[str] | None = None,
    cooldown_days: int | None = None,
    every_days: int | None = None,
    position: int | None = None,
    is_active: bool | None = None,
) -> DispatchRule:
    """Change the fields given (None keeps one), checked as a whole like the admin's form."""
    with transaction.atomic():
        rule = DispatchRule.objects.select_for_update().get(pk=rule.pk)
        if definition is not None:
            rule.definition = definition
        rule.channels = _check_rule(
            trigger=rule.trigger if trigger is None else trigger,
            channels=rule.channels if channels is None else channels,
            cooldown_days=rule.cooldown_days if cooldown_days is None else cooldown_days,
            every_days=rule.every_days if every_days is None else every_days,
            position=rule.position if position is None else position,
        )
        for field, value in (
            ("trigger", trigger),
            ("cooldown_days", cooldown_days),
            ("every_days", every_days),
            ("position", position),
            ("is_active", is_active),
        ):
            if value is not None:
                setattr(rule, field, value)
        rule.save()
    return rule


def dispatch_rule_delete(*, rule: DispatchRule) -> None:
    """Remove the rule; invitations it sent stay (their ``rule`` becomes empty)."""
    with transaction.atomic():
        DispatchRule.objects.filter(pk=rule.pk).delete()
