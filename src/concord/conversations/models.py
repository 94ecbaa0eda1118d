"""Conversations (tickets), their messages, and the append-only event log."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from concord.accounts.models import Team
from concord.customers.models import Customer


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEB = "web", "Web form"
    CHAT = "chat", "Live chat"
    SMS = "sms", "SMS"
    SOCIAL = "social", "Social"
    PHONE = "phone", "Phone"
    API = "api", "API"


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"  # waiting on the customer
    ON_HOLD = "on_hold", "On hold"  # waiting on another team
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"  # locked


# Which status may follow which. Closed is final; a customer writing to a closed
# conversation starts a follow-up conversation instead.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.SOLVED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)  # lower-case, no spaces

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    subject = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    category = models.CharField(max_length=100, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="conversations")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    # A customer writing to a closed conversation opens a follow-up pointing here.
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    message_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            # The inbox and API list walk these in (updated_at, id) order.
            models.Index(fields=["-updated_at", "-id"], name="conv_updated"),
            models.Index(fields=["status", "-updated_at", "-id"], name="conv_status_updated"),
            models.Index(fields=["assignee", "-updated_at", "-id"], name="conv_assignee_updated"),
            models.Index(fields=["team", "-updated_at", "-id"], name="conv_team_updated"),
            models.Index(fields=["customer", "-updated_at", "-id"], name="conv_customer_updated"),
            models.Index(fields=["channel", "-updated_at", "-id"], name="conv_channel_updated"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"  # from the customer
    OUTBOUND = "outbound", "Outbound"  # from staff


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal note"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body_html = models.TextField(blank=True)  # sanitised
    body_text = models.TextField(blank=True)
    # The channel's own id (an email Message-ID, a provider's message id).
    external_id = models.CharField(max_length=998, blank=True, db_index=True)
    # What the channel trimmed away (an email's quoted history and signature):
    # folded in the timeline, never lost.
    quoted_text = models.TextField(blank=True)
    # Sent by a machine (an out-of-office answer, a mailing list): recorded, but
    # it changes no status and is never answered automatically.
    automatic = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at", "id"], name="msg_timeline")]

    def __str__(self) -> str:
        return f"{self.direction} message {self.pk} on #{self.conversation_id}"


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    MESSAGE_RECEIVED = "message_received", "Customer message"
    REPLIED = "replied", "Agent replied"
    NOTE_ADDED = "note_added", "Internal note"
    ASSIGNED = "assigned", "Assignee changed"
    TEAM_CHANGED = "team_changed", "Team changed"
    STATUS_CHANGED = "status_changed", "Status changed"
    REOPENED = "reopened", "Reopened"
    PRIORITY_CHANGED = "priority_changed", "Priority changed"
    CATEGORY_CHANGED = "category_changed", "Category changed"
    TAG_ADDED = "tag_added", "Tag added"
    TAG_REMOVED = "tag_removed", "Tag removed"
    MERGED = "merged", "Merged into another"
    MERGED_IN = "merged_in", "Another merged in"
    AUTOMATIC_RECEIVED = "automatic_received", "Automatic message received"
    DELIVERY_FAILED = "delivery_failed", "Delivery failed"
    # Written by the SLA sweep, exactly once per target: old_value names the
    # target (first_response, next_reply, resolution), new_value its due time.
    SLA_WARNING = "sla_warning", "SLA warning"
    SLA_BREACHED = "sla_breached", "SLA breached"
    # The customer answered (or changed) a survey about this conversation:
    # old_value is the survey kind (csat, nps…), new_value the score.
    SURVEY_ANSWERED = "survey_answered", "Survey answered"
    # The customer's personal data was erased (customers.privacy): the
    # conversation's bodies, subject and files are gone, its facts remain.
    CUSTOMER_ERASED = "customer_erased", "Customer's data erased"
    # Written by the collaboration app (consults): old_value is the consult's
    # id, new_value whom it asks ("Billing", "Dana Ortiz (Billing)").
    CONSULT_ASKED = "consult_asked", "Consult asked"
    CONSULT_ANSWERED = "consult_answered", "Consult answered"
    CONSULT_CLOSED = "consult_closed", "Consult closed"


class Event(models.Model):
    """An append-only fact about a conversation. Metrics are computed from these.

    Nothing updates or deletes an event; services only insert. ``merged_from``
    remembers where an event was recorded when a merge moved it.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    merged_from = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at", "id"], name="event_timeline")]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.conversation_id}"


class Attachment(models.Model):
    """A file that came with a message, on any channel.

    The file lives under ``MEDIA_ROOT/attachments`` by a generated name; the
    name the sender gave is metadata only, so it can never choose a path.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    storage_name = models.CharField(max_length=255, unique=True)
    # An email's inline image: the HTML body refers to it as ``cid:<content_id>``.
    content_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name
