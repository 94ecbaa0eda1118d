"""Builders for automation tests: rules as an admin would define them, run after commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from concord.automations.models import (
    TimeRule,
    TimeRuleAction,
    TimeRuleCondition,
    Trigger,
    TriggerAction,
    TriggerCondition,
)
from concord.common.testing.browser import browser, browser_page, page_problems  # noqa: F401
from concord.common.testing.commit import Committing
from concord.conversations.models import Conversation
from concord.conversations.services import conversation_open


def make_trigger(
    *,
    name: str,
    events: list[str],
    conditions: Sequence[tuple[str, str, str]] = (),
    actions: Sequence[tuple[str, str, str]] = (),
    position: int = 100,
    match: str = "all",
) -> Trigger:
    trigger = Trigger.objects.create(name=name, events=events, position=position, match=match)
    for field, operator, value in conditions:
        TriggerCondition.objects.create(rule=trigger, field=field, operator=operator, value=value)
    for kind, target, text in actions:
        TriggerAction.objects.create(rule=trigger, kind=kind, target=target, text=text)
    return trigger


def make_time_rule(
    *,
    name: str,
    status: str,
    after_seconds: int,
    actions: Sequence[tuple[str, str, str]],
    conditions: Sequence[tuple[str, str, str]] = (),
    business_hours: bool = False,
    position: int = 100,
) -> TimeRule:
    rule = TimeRule.objects.create(
        name=name,
        status=status,
        after_seconds=after_seconds,
        business_hours=business_hours,
        position=position,
    )
    for field, operator, value in conditions:
        TimeRuleCondition.objects.create(rule=rule, field=field, operator=operator, value=value)
    for kind, target, text in actions:
        TimeRuleAction.objects.create(rule=rule, kind=kind, target=target, text=text)
    return rule


@pytest.fixture
def open_conversation(committed: Committing) -> Callable[..., Conversation]:
    def make(**kwargs: Any) -> Conversation:
        defaults: dict[str, Any] = {
            "channel": "email",
            "subject": "My parcel never arrived",
            "body_text": "Order 1234 was due on Monday and it is still not here.",
            "identity_kind": "email",
            "identity_value": "dana@example.com",
            "customer_name": "Dana Smith",
        }
        defaults.update(kwargs)
        with committed():
            conversation = conversation_open(**defaults)
        conversation.refresh_from_db()
        return conversation

    return make
