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


def dispatch_rule_create(
    *,
    definition: SurveyDefinition,
    trigger: str = Trigger.SOLVED,
    channels: list[str] | None = None,
    cooldown_days: int = 7,
    every_days: int = 90,
    position: int = 100,
) -> DispatchRule:
    if trigger not in Trigger.values:
        raise ValidationFailed(f"{trigger!r} is not a trigger.", field="trigger")
    unknown = [c for c in channels or [] if c not in Channel.values]
    if unknown:
        raise ValidationFailed(f"Unknown channels: {', '.join(unknown)}.", field="channels")
    if every_days < 1:
        raise ValidationFailed("A relationship survey repeats after 1 day or more.", field="every")
    with transaction.atomic():
        return DispatchRule.objects.create(
            definition=definition,
            trigger=trigger,
            channels=list(channels or []),
            cooldown_days=max(0, cooldown_days),
            every_days=every_days,
            position=position,
        )
