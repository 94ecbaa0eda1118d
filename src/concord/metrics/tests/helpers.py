"""Scene-setting for metric tests: everything goes through the real services."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from concord.accounts.models import Team, User
from concord.automations.context import suppressed
from concord.conversations.models import Conversation
from concord.conversations.services import (
    conversation_open,
    conversation_reply,
    conversation_set_status,
)
from concord.metrics.selectors import MetricQuery
from concord.surveys.models import SurveyDefinition
from concord.surveys.services import survey_answer, survey_definition_create
from concord.surveys.tests.helpers import invite

# A Monday.
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
_ids = itertools.count()


def period(days: int = 7, **cuts: Any) -> MetricQuery:
    """The week starting at T0's midnight, in UTC, with any cuts."""
    start = T0.replace(hour=0)
    return MetricQuery(
        start=start,
        end=start + timedelta(days=days),
        time_zone="UTC",
        **cuts,
    )


def opened(
    *,
    at: datetime = T0,
    channel: str = "email",
    team: Team | None = None,
    tags: list[str] | None = None,
    email: str | None = None,
) -> Conversation:
    with suppressed():
        return conversation_open(
            channel=channel,
            subject="Where is my parcel?",
            body_text="Order 1234 is late.",
            identity_kind="email",
            identity_value=email or f"customer{next(_ids)}@example.net",
            team=team,
            tags=tags,
            at=at,
        )


def reply(
    conversation: Conversation, agent: User, *, at: datetime, status: str | None = None
) -> None:
    with suppressed():
        conversation_reply(
            conversation=conversation, actor=agent, body_text="On its way.", status=status, at=at
        )


def set_status(conversation: Conversation, agent: User, *, status: str, at: datetime) -> None:
    with suppressed():
        conversation_set_status(conversation=conversation, actor=agent, status=status, at=at)


def definition(kind: str) -> SurveyDefinition:
    return survey_definition_create(
        name=f"{kind} survey {next(_ids)}",
        kind=kind,
        subject="Quick question",
        question="How did we do?",
        question_2="My confidence in purchasing is higher." if kind == "ves" else "",
    )


def answer(
    survey: SurveyDefinition,
    conversation: Conversation,
    score: int,
    *,
    at: datetime = T0,
    agent: User | None = None,
    score_2: int | None = None,
) -> None:
    _, token = invite(definition=survey, conversation=conversation, agent=agent)
    with suppressed():
        survey_answer(token=token, score=score, score_2=score_2, now=at)
