"""API schemas for conversations, their messages and events."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import AwareDatetime

from concord.api.schemas import CustomerRef, Id, Out, TeamRef, UserRef
from concord.conversations.models import Channel, Priority, Status
from concord.customers.models import IdentityKind


class ConversationRow(Out):
    """One conversation, small enough that a page of 100 stays cheap to send."""

    id: int
    subject: str
    status: str
    priority: str
    channel: str
    customer: CustomerRef
    team: TeamRef | None
    assignee: UserRef | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    message_count: int


class ConversationPage(Out):
    items: list[ConversationRow]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end"
    )


class ConversationFiltersIn(Schema):
    status: list[str] = Field(
        default_factory=list, description="Repeat it or give a comma list: new,open,pending…"
    )
    assignee: str | None = Field(None, description="A user id, or 'none' for unassigned")
    team: Id | None = None
    tag: str | None = Field(None, max_length=50)
    customer: Id | None = None
    channel: Channel | None = None
    priority: Priority | None = None
    updated_since: AwareDatetime | None = Field(None, description="ISO 8601 with a time zone")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)


class Author(Out):
    kind: str  # "user", "customer" or "system"
    id: int | None
    name: str


class DeliveryOut(Out):
    """How the email carrying an outbound message fared (staff only)."""

    status: str  # queued, sending, retrying, sent, failed, bounced
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None


class MessageOut(Out):
    id: int
    direction: str
    visibility: str
    channel: str
    author: Author
    body_html: str
    body_text: str
    quoted_text: str  # what the channel folded away (an email's quoted history)
    automatic: bool  # sent by a machine (an auto-reply): never answered automatically
    delivery: DeliveryOut | None = None
    created_at: datetime


class EventOut(Out):
    id: int
    kind: str
    actor: Author
    old_value: str
    new_value: str
    message_id: int | None
    merged_from_id: int | None
    created_at: datetime


class ConversationDetail(ConversationRow):
    category: str
    merged_into_id: int | None
    follow_up_of_id: int | None
    solved_at: datetime | None
    closed_at: datetime | None
    messages: list[MessageOut]
    events: list[EventOut] | None = Field(description="The event log; null for customers")


class IdentityRefIn(Schema):
    kind: IdentityKind
    value: str = Field(..., min_length=1, max_length=320)
    name: str = Field("", max_length=200)


class ConversationCreateIn(Schema):
    channel: Channel = Channel.API
    subject: str = Field("", max_length=300)
    body: str | None = None
    body_html: str | None = None
    customer_id: Id | None = None
    identity: IdentityRefIn | None = None
    priority: Priority = Priority.NORMAL
    team_id: Id | None = None
    tags: list[str] = Field(default_factory=list, max_length=50)


class MessageIn(Schema):
    body: str | None = None
    body_html: str | None = None


class ReplyIn(MessageIn):
    status: Status | None = Field(None, description="Move to this status with the reply")


class MessageCreated(Out):
    message: MessageOut
    conversation: ConversationRow


class AssignIn(Schema):
    """Omit a field to keep it; send null to clear it."""

    assignee_id: Id | None = None
    team_id: Id | None = None


class StatusIn(Schema):
    status: Status


class PriorityIn(Schema):
    priority: Priority


class TagsIn(Schema):
    tags: list[str] = Field(..., min_length=1, max_length=50)


class TagsChanged(Out):
    changed: list[str] = Field(description="The tags that were added (or removed) by this call")
    conversation: ConversationRow


class MergeIn(Schema):
    target_id: Id
