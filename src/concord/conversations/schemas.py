"""API schemas for conversations, their messages and events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic.config import JsonDict

from concord.api.schemas import (
    NON_BLANK,
    TAG_PATTERN,
    BodyId,
    CustomerRef,
    Id,
    Out,
    TeamRef,
    Timestamp,
    UserRef,
    identity_json_schema,
    identity_value_check,
    pattern_check,
)
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


_STATUS_NAMES = ", ".join(Status.values)
_STATUS = f"({'|'.join(Status.values)})"
_STATUSES = f"^ *({_STATUS}( *, *{_STATUS})*)? *$"
_ASSIGNEE = r"^ *([1-9][0-9]{0,17}|[Nn][Oo][Nn][Ee]) *$"
# A tag as a client may write it ("VIP customer"); the server stores "vip-customer".
Tag = Annotated[
    str,
    Field(max_length=100, json_schema_extra={"pattern": TAG_PATTERN}),
    pattern_check(
        TAG_PATTERN,
        "{value} is not a valid tag: use letters, digits, '-', '_', ':' or '.', "
        "at most 50 characters.",
    ),
]
# One of the two is required: the anyOf says so (the service refuses it too).
_BODY_REQUIRED: JsonDict = {
    "anyOf": [
        {"required": ["body"], "properties": {"body": {"type": "string"}}},
        {"required": ["body_html"], "properties": {"body_html": {"type": "string"}}},
    ]
}
# HTML with some text outside its tags (an image with a source counts).
_HTML_WITH_TEXT = r"(^|>)[^<]*[^<>\s\x1c-\x1f\ufeff&]|<img\s[^>]*src="


class ConversationFiltersIn(Schema):
    status: list[
        Annotated[
            str,
            Field(max_length=200, json_schema_extra={"pattern": _STATUSES}),
            pattern_check(_STATUSES, f"{{value}} is not a status ({_STATUS_NAMES})."),
        ]
    ] = Field(default_factory=list, description="Repeat it or give a comma list: new,open,pending…")
    assignee: (
        Annotated[
            str,
            Field(json_schema_extra={"pattern": _ASSIGNEE}),
            pattern_check(_ASSIGNEE, "Give a user id or 'none'."),
        ]
        | None
    ) = Field(None, description="A user id, or 'none' for unassigned")
    team: Id | None = None
    tag: str | None = Field(None, max_length=50)
    customer: Id | None = None
    channel: Channel | None = None
    priority: Priority | None = None
    updated_since: Timestamp | None = Field(None, description="ISO 8601 with a time zone")
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
    """An identity that finds the customer, or creates them (with ``name``)."""

    model_config = ConfigDict(json_schema_extra=identity_json_schema)

    kind: IdentityKind
    value: str = Field(..., min_length=1, max_length=320, pattern=NON_BLANK)
    name: str = Field("", max_length=200)

    @field_validator("value")
    @classmethod
    def _fits_kind(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        return value if kind is None else identity_value_check(kind, value)


class MessageIn(Schema):
    """``body`` (text) or ``body_html``, or both; the HTML is sanitised."""

    model_config = ConfigDict(json_schema_extra=_BODY_REQUIRED)

    body: str | None = Field(None, pattern=NON_BLANK)
    body_html: str | None = Field(None, pattern=_HTML_WITH_TEXT)


class ConversationCreateIn(MessageIn):
    """Name the customer by ``customer_id`` or by ``identity``."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                _BODY_REQUIRED,
                {
                    "anyOf": [
                        {
                            "required": ["customer_id"],
                            "properties": {"customer_id": {"type": "integer"}},
                        },
                        {"required": ["identity"], "properties": {"identity": {"type": "object"}}},
                    ]
                },
            ]
        }
    )

    channel: Channel = Channel.API
    subject: str = Field("", max_length=300)
    customer_id: BodyId | None = None
    identity: IdentityRefIn | None = None
    priority: Priority = Priority.NORMAL
    team_id: BodyId | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)


class ReplyIn(MessageIn):
    status: Status | None = Field(None, description="Move to this status with the reply")


class MessageCreated(Out):
    message: MessageOut
    conversation: ConversationRow


class AssignIn(Schema):
    """Omit a field to keep it; send null to clear it."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [{"required": ["assignee_id"]}, {"required": ["team_id"]}],
        }
    )

    assignee_id: BodyId | None = None
    team_id: BodyId | None = None


class StatusIn(Schema):
    status: Status


class PriorityIn(Schema):
    priority: Priority


class TagsIn(Schema):
    tags: list[Tag] = Field(..., min_length=1, max_length=50)


class TagsChanged(Out):
    changed: list[str] = Field(description="The tags that were added (or removed) by this call")
    conversation: ConversationRow


class MergeIn(Schema):
    target_id: BodyId
