"""API schemas for surveys."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import StrictInt

from concord.api.schemas import Id, Out
from concord.conversations.models import Channel
from concord.surveys.models import SurveyKind


class DefinitionIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    kind: SurveyKind
    subject: str = Field(..., min_length=1, max_length=200)
    question: str = Field(..., min_length=1, max_length=300)
    question_2: str = Field("", max_length=300)
    language: str = Field("en", min_length=1, max_length=16)
    low_label: str = Field("", max_length=60)
    high_label: str = Field("", max_length=60)
    comment_prompt: str = Field("", max_length=300)
    is_active: bool = True


class DefinitionOut(Out):
    id: int
    name: str
    kind: str
    language: str
    subject: str
    question: str
    question_2: str
    low_label: str
    high_label: str
    comment_prompt: str
    is_active: bool
    scale_low: int
    scale_high: int


class ResponseFiltersIn(Schema):
    conversation: Id | None = None
    customer: Id | None = None
    agent: Id | None = None
    team: Id | None = None
    channel: Channel | None = None
    kind: SurveyKind | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


class ResponseOut(Out):
    id: int
    definition_id: int
    kind: str
    score: int
    score_2: int | None
    comment: str
    conversation_id: int | None
    customer_id: int
    agent_id: int | None
    team_id: int | None
    channel: str
    answered_at: datetime
    updated_at: datetime


class AnswerIn(Schema):
    """What the portal and the chat widget post. Strict integers: "5", 5.0 and true are refused."""

    token: str = Field(..., min_length=1, max_length=500)
    score: StrictInt
    score_2: StrictInt | None = None
    comment: str | None = Field(None, max_length=5000)


class AnswerOut(Out):
    id: int
    kind: str
    score: int
    score_2: int | None
    comment: str
    answered_at: datetime
    updated_at: datetime
