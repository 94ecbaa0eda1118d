"""API schemas for call records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from concord.api.schemas import (
    NON_BLANK,
    PHONE_PATTERN,
    BodyId,
    CustomerRef,
    Id,
    Out,
    TeamRef,
    Timestamp,
    UserRef,
)
from concord.channels.phone.models import CallDirection
from concord.channels.phone.services.records import MAX_SECONDS, MAX_SUMMARY_CHARS


class CallIn(Schema):
    """One call as the telephony system reports it. Times are ISO 8601 with a time zone."""

    external_id: str = Field(
        ...,
        min_length=1,
        max_length=200,
        pattern=NON_BLANK,
        description="The telephony system's call id",
    )
    direction: CallDirection
    customer_phone: str = Field(..., min_length=1, max_length=64, pattern=PHONE_PATTERN)
    customer_name: str = Field(
        "", max_length=200, description="Caller ID name; used only for a new customer"
    )
    queued_at: Timestamp = Field(description="Reached the queue (inbound) or dialled")
    answered_at: Timestamp | None = Field(None, description="Null when abandoned")
    ended_at: Timestamp
    talk_seconds: StrictInt = Field(0, ge=0, le=MAX_SECONDS)
    hold_seconds: StrictInt = Field(0, ge=0, le=MAX_SECONDS)
    wrap_up_seconds: StrictInt = Field(0, ge=0, le=MAX_SECONDS)
    abandoned: StrictBool = False
    agent_id: BodyId | None = None
    team_id: BodyId | None = None
    conversation_id: BodyId | None = Field(
        None, description="The case the call was about; omit to open a new phone conversation"
    )
    summary: str = Field("", max_length=MAX_SUMMARY_CHARS)
    follow_up: StrictBool = Field(
        False,
        description="Something is still to be done: a new conversation for an answered call "
        "stays open with the agent instead of being created solved",
    )
    recording_url: str = Field("", max_length=2000, description="Linked, never fetched")


class CallFiltersIn(Schema):
    customer: Id | None = None
    agent: Id | None = None
    since: Timestamp | None = Field(None, description="Queued at or after; ISO 8601")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


class CallOut(Out):
    id: int
    external_id: str
    direction: str
    customer: CustomerRef
    customer_phone: str
    customer_phone_normalized: str
    conversation_id: int
    queued_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    wait_seconds: float | None = Field(description="answered_at - queued_at; null if abandoned")
    talk_seconds: int
    hold_seconds: int
    wrap_up_seconds: int
    handle_seconds: int = Field(description="talk + hold + wrap-up")
    abandoned: bool
    agent: UserRef | None
    team: TeamRef | None
    summary: str
    recording_url: str
    created_at: datetime
    updated_at: datetime


class CallChangeOut(Out):
    changed_at: datetime
    actor: UserRef | None
    fields: dict[str, Any] = Field(description='{"field": {"old": …, "new": …}}')


class CallDetail(CallOut):
    changes: list[CallChangeOut]
