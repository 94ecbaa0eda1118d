"""Demo surveys: CSAT after email and web conversations are solved, CES when a chat ends."""

from __future__ import annotations

from datetime import datetime

from concord.surveys.models import Trigger
from concord.surveys.selectors import definition_list
from concord.surveys.services import dispatch_rule_create, survey_definition_create


def seed(*, now: datetime) -> None:
    """Create the demo definitions and rules, unless some definition exists already."""
    if definition_list().exists():
        return
    csat = survey_definition_create(
        name="Satisfaction after a solved request",
        kind="csat",
        subject="How did we do?",
        question="How satisfied are you with the help you received?",
        low_label="Very unsatisfied",
        high_label="Very satisfied",
        comment_prompt="What could we have done better?",
    )
    dispatch_rule_create(
        definition=csat,
        trigger=Trigger.SOLVED,
        channels=["email", "web"],
        cooldown_days=7,
        position=10,
    )
    ces = survey_definition_create(
        name="Effort after a chat",
        kind="ces",
        subject="Was it easy to get help?",
        question="The company made it easy for me to handle my issue.",
        low_label="Strongly disagree",
        high_label="Strongly agree",
        comment_prompt="What made it harder than it should have been?",
    )
    dispatch_rule_create(
        definition=ces,
        trigger=Trigger.CHAT_ENDED,
        channels=["chat"],
        cooldown_days=7,
        position=20,
    )
