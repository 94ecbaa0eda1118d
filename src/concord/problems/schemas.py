"""API schemas for problems and feature requests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import StrictBool

from concord.api.schemas import (
    NON_BLANK,
    BodyId,
    CustomerRef,
    Day,
    Out,
    QueryBool,
    TeamRef,
    UserRef,
)
from concord.problems.models import ProblemKind, ProblemStatus
from concord.problems.services import MAX_LINK_BATCH, MAX_TEXT, MAX_TITLE

# A PATCH field that takes no null: omitted, it keeps its value (typed Any for mypy).
_KEEP: Any = None

Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE, pattern=NON_BLANK)]
ConversationIds = Annotated[list[BodyId], Field(min_length=1, max_length=MAX_LINK_BATCH)]


class ProblemFiltersIn(Schema):
    kind: ProblemKind | None = None
    status: ProblemStatus | None = None
    open: QueryBool = Field(False, description="Only those not resolved, shipped or declined.")
    q: str = Field("", max_length=200, description="Part of the title.")
    limit: int = Field(100, ge=1, le=500)


class ProblemIn(Schema):
    kind: ProblemKind = ProblemKind.PROBLEM
    title: Title
    team_id: BodyId = Field(description="The department that owns the fix (or the decision).")
    description: str = Field(
        "", max_length=MAX_TEXT, description="Internal; never shown to customers."
    )
    public_note: str = Field("", max_length=MAX_TEXT, description="What customers may read.")
    eta: Day | None = None
    portal_visible: StrictBool = Field(
        False,
        description="A feature request customers vote on in the portal (ignored for problems).",
    )
    conversation_ids: list[BodyId] = Field(default_factory=list, max_length=MAX_LINK_BATCH)


class ProblemPatchIn(Schema):
    """Only the fields sent change; null clears ``eta`` (the other fields take no null)."""

    title: Title = Field(_KEEP)
    team_id: BodyId = Field(_KEEP)
    description: str = Field(_KEEP, max_length=MAX_TEXT)
    public_note: str = Field(_KEEP, max_length=MAX_TEXT)
    eta: Day | None = None
    portal_visible: StrictBool = Field(_KEEP)


class ProblemStatusIn(Schema):
    status: ProblemStatus = Field(
        description="A problem: investigating, fixing, resolved. A feature request: review, "
        "planned, building, shipped, declined. The other kind's status is a 409."
    )


class LinksIn(Schema):
    conversation_ids: ConversationIds


class PreviewIn(Schema):
    """The message to customers: a template with {{ placeholders }}; omitted, the default one."""

    body: str | None = Field(None, min_length=1, max_length=MAX_TEXT, pattern=NON_BLANK)


class AnnouncementIn(PreviewIn):
    solve_linked: StrictBool = Field(
        False, description="Also mark each told customer's linked conversations solved."
    )


class CountOut(Out):
    name: str
    count: int


class ImpactOut(Out):
    """Counts over every linked conversation, including those the caller may not open."""

    conversations: int
    open_conversations: int
    customers: int
    votes: int
    by_channel: list[CountOut]
    by_tier: list[CountOut]
    organizations: list[CountOut] = Field(description="The ten with most customers affected.")


class LinkedConversationOut(Out):
    id: int
    subject: str
    status: str
    customer: CustomerRef


class ProblemRow(Out):
    id: int
    kind: str
    title: str
    status: str
    team: TeamRef
    public_note: str
    eta: date | None
    portal_visible: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    conversation_count: int
    customer_count: int
    vote_count: int


class ProblemDetail(ProblemRow):
    description: str
    created_by: UserRef
    may_manage: bool = Field(description="Whether the caller may edit, move and announce it.")
    impact: ImpactOut
    conversations: list[LinkedConversationOut] = Field(
        description="Linked conversations the caller may open, latest activity first (at most 200)."
    )


class LinksChanged(Out):
    changed: int = Field(description="How many links were added (or removed).")
    problem: ProblemDetail


class ProgressOut(Out):
    total: int
    sent: int
    opted_out: int
    skipped: int
    pending: int
    done: int


class AnnouncementOut(Out):
    id: int
    problem_id: int
    status: str = Field(description="sending or done")
    body: str
    solve_linked: bool
    actor: UserRef
    created_at: datetime
    finished_at: datetime | None
    progress: ProgressOut


class PreviewOut(Out):
    customers: int = Field(description="Everyone linked or voting, each once.")
    opted_out: int
    erased: int
    to_tell: int
    sample: str = Field(description="The message as the first of them would read it.")
    sample_to: str
