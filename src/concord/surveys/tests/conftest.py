"""Fixtures for survey tests: definitions with rules, solved conversations, the SMTP sink."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import pytest

from concord.accounts.models import User
from concord.automations.context import suppressed
from concord.common.testing.browser import browser, browser_page, page_problems  # noqa: F401
from concord.common.testing.commit import Committing
from concord.conversations.models import Conversation, EventKind
from concord.conversations.services import conversation_open, conversation_reply
from concord.surveys.models import DispatchRule, SurveyDefinition, Trigger
from concord.surveys.services import (
    dispatch_rule_create,
    survey_definition_create,
    survey_on_conversation_change,
)

KIND_WORDING = {
    "csat": "How satisfied are you with the help you received?",
    "nps": "How likely are you to recommend us to a friend?",
    "ces": "The company made it easy for me to handle my issue.",
    "stars": "How would you rate the agent who helped you?",
    "ves": "I can achieve more with the product.",
    "gcr": "Were you able to achieve your goal?",
}


def make_definition(kind: str, **kwargs: Any) -> SurveyDefinition:
    defaults: dict[str, Any] = {
        "name": f"{kind.upper()} survey",
        "kind": kind,
        "subject": f"Quick question ({kind})",
        "question": KIND_WORDING[kind],
        "comment_prompt": "What could we have done better?",
    }
    if kind == "ves":
        defaults["question_2"] = "My confidence in purchasing is higher."
    defaults.update(kwargs)
    return survey_definition_create(**defaults)


def make_rule(definition: SurveyDefinition, **kwargs: Any) -> DispatchRule:
    kwargs.setdefault("trigger", Trigger.SOLVED)
    return dispatch_rule_create(definition=definition, **kwargs)


@pytest.fixture
def csat(db: None) -> SurveyDefinition:
    definition = make_definition(
        "csat", subject="How did we do?", low_label="Very unsatisfied", high_label="Very satisfied"
    )
    make_rule(definition, cooldown_days=7)
    return definition


Solver = Callable[..., Conversation]


@pytest.fixture
def solve(committed: Committing, agent: User) -> Solver:
    """Open a conversation, have the agent answer it publicly and solve it, then run the hook."""

    def make(
        *,
        email: str = "dana@customer.test",
        channel: str = "email",
        reply: bool = True,
        hook: bool = True,
        **kwargs: Any,
    ) -> Conversation:
        with committed():
            conversation = conversation_open(
                channel=channel,
                subject=kwargs.pop("subject", "My parcel never arrived"),
                body_text="Order 1234 was due on Monday and it is still not here.",
                identity_kind="email",
                identity_value=email,
                customer_name=kwargs.pop("customer_name", "Dana Miller"),
                **kwargs,
            )
        # hook=False: the automation pipeline (which dispatches surveys on solve)
        # is held back too, so the test decides when dispatch runs.
        with committed(), nullcontext() if hook else suppressed():
            if reply:
                conversation_reply(
                    conversation=conversation,
                    actor=agent,
                    body_text="A new parcel is on its way.",
                    status="solved",
                )
            else:
                from concord.conversations.services import conversation_set_status

                conversation_set_status(conversation=conversation, actor=agent, status="solved")
        if hook:
            with committed():
                survey_on_conversation_change(
                    conversation_id=conversation.pk, event_kinds={EventKind.STATUS_CHANGED}
                )
        conversation.refresh_from_db()
        return conversation

    return make
