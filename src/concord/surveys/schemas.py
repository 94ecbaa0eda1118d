"""API schemas for surveys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt

from concord.api.schemas import JSON_INT, NON_BLANK, BodyId, Id, JsonInt, Out, Timestamp
from concord.conversations.models import Channel
from concord.surveys.models import SCALES, SurveyKind, Trigger
from concord.surveys.services.answers import MAX_COMMENT
from concord.surveys.services.definitions import MAX_DAYS, MAX_POSITION

# Every kind's scale lies within these; the definition's own scale is checked too.
LOWEST_SCORE = min(scale.low for scale in SCALES.values())
HIGHEST_SCORE = max(scale.high for scale in SCALES.values())


class DefinitionIn(Schema):
    """A VES survey rates two statements: ``question_2`` is required for it."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"kind": {"const": "ves"}}, "required": ["kind"]},
            "then": {
                "required": ["question_2"],
                "properties": {"question_2": {"type": "string", "pattern": NON_BLANK}},
            },
        }
    )

    name: str = Field(..., min_length=1, max_length=120, pattern=NON_BLANK)
    kind: SurveyKind
    subject: str = Field(..., min_length=1, max_length=200, pattern=NON_BLANK)
    question: str = Field(..., min_length=1, max_length=300, pattern=NON_BLANK)
    question_2: str = Field("", max_length=300)
    language: str = Field("en", min_length=1, max_length=16)
    low_label: str = Field("", max_length=60)
    high_label: str = Field("", max_length=60)
    comment_prompt: str = Field("", max_length=300)
    is_active: StrictBool = True


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
    comment: str | None = Field(None, max_length=MAX_COMMENT)


class AnswerOut(Out):
    id: int
    kind: str
    score: int
    score_2: int | None
    comment: str
    answered_at: datetime
    updated_at: datetime


class ResponseImportIn(Schema):
    """An answer given in the past (another survey tool's history), at its own time."""

    definition_id: BodyId
    customer_id: BodyId
    conversation_id: BodyId | None = Field(None, description="The customer's conversation")
    score: JsonInt = Field(
        ..., ge=LOWEST_SCORE, le=HIGHEST_SCORE, description="On the definition's scale"
    )
    score_2: Annotated[int, Field(ge=LOWEST_SCORE, le=HIGHEST_SCORE), JSON_INT] | None = Field(
        None, description="VES only: the second statement"
    )
    comment: str | None = Field(None, max_length=MAX_COMMENT)
    answered_at: Timestamp = Field(description="When the customer answered; not in the future")


class InvitationIn(Schema):
    """An invitation whose link the caller delivers (SMS, chat, its own email)."""

    definition_id: BodyId
    customer_id: BodyId
    conversation_id: BodyId | None = Field(None, description="The customer's conversation")


class InvitationOut(Out):
    id: int
    definition_id: int
    customer_id: int
    conversation_id: int | None
    channel: str
    created_at: datetime
    expires_at: datetime
    token: str = Field(description="For POST /surveys/answers")
    link: str = Field(description="The survey page to send the customer")


class DispatchRuleIn(Schema):
    """When a definition is sent (the admin's dispatch rule)."""

    definition_id: BodyId
    trigger: Trigger = Trigger.SOLVED
    channels: list[Channel] = Field(
        default_factory=list, max_length=20, description="Empty: any channel"
    )
    cooldown_days: JsonInt = Field(7, ge=0, le=MAX_DAYS)
    every_days: JsonInt = Field(90, ge=1, le=MAX_DAYS)
    position: JsonInt = Field(100, ge=0, le=MAX_POSITION)
    is_active: StrictBool = True


class DispatchRulePatchIn(Schema):
    """Only the fields sent change (null keeps a field)."""

    definition_id: BodyId | None = None
    trigger: Trigger | None = None
    channels: list[Channel] | None = Field(None, max_length=20)
    cooldown_days: Annotated[int, Field(ge=0, le=MAX_DAYS), JSON_INT] | None = None
    every_days: Annotated[int, Field(ge=1, le=MAX_DAYS), JSON_INT] | None = None
    position: Annotated[int, Field(ge=0, le=MAX_POSITION), JSON_INT] | None = None
    is_active: StrictBool | None = None


class DispatchRuleOut(Out):
    id: int
    definition_id: int
    definition_name: str
    trigger: str
    channels: list[str]
    cooldown_days: int
    every_days: int
    position: int
    is_active: bool
