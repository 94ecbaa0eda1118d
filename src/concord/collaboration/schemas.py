"""API schemas for consults."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import StrictBool

from concord.api.schemas import NON_BLANK, BodyId, Out, TeamRef, Timestamp, UserRef
from concord.collaboration.services import MAX_TEXT


class ConsultIn(Schema):
    """Ask a team (``team_id``), a person (``user_id``), a person within a team, or an
    outside address (``email``, alone), to which the question is emailed."""

    team_id: BodyId | None = None
    user_id: BodyId | None = None
    email: str = Field(
        "",
        max_length=320,
        description="An outside address (a supplier, a carrier); replies thread back by email.",
    )
    question: str = Field(..., min_length=1, max_length=MAX_TEXT, pattern=NON_BLANK)
    due_at: Timestamp | None = None
    hold: StrictBool = False


class ConsultReplyIn(Schema):
    body: str = Field(..., min_length=1, max_length=MAX_TEXT, pattern=NON_BLANK)


class ConsultReplyOut(Out):
    id: int
    author: UserRef | None = Field(description="Null for an answer that came by email.")
    author_email: str = Field(description="The sender of an answer by email; else empty.")
    body: str
    created_at: datetime


class ConsultOut(Out):
    id: int
    conversation_id: int
    team: TeamRef | None
    user: UserRef | None
    email: str = Field(description="The outside address asked; empty for a team or person.")
    asked_by: UserRef
    question: str
    status: str
    created_at: datetime
    due_at: datetime | None = Field(
        description="When the first answer is due: the asker's own, else the consulted "
        "team's target in its business hours; null without either."
    )
    warn_at: datetime | None = Field(description="When those asked are warned.")
    first_answer_at: datetime | None
    closed_at: datetime | None
    warned_at: datetime | None = Field(description="When the warning was sent, if it was.")
    breached_at: datetime | None = Field(
        description="When the missed due time was recorded (the breach itself is at due_at)."
    )
    overdue: bool = Field(description="Waiting for its first answer past due_at, not closed.")
    answered_late: bool = Field(description="The first answer came after due_at.")
    replies: list[ConsultReplyOut]
