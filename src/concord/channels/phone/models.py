"""Call records from a telephony system, and the log of corrections to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from concord.accounts.models import Team
from concord.conversations.models import Conversation
from concord.customers.models import Customer


class CallDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"  # the customer called us
    OUTBOUND = "outbound", "Outbound"  # we called the customer


class CallRecord(models.Model):
    """One call, as the telephony system reported it, joined to the customer's history.

    The telephony system is the source of truth for times and seconds: a
    record sent again with the same ``external_id`` updates this row (see
    ``CallRecordChange``). ASA and AHT are computed from these rows.
    """

    # The telephony system's own call id: sending a record twice is harmless.
    external_id = models.CharField(max_length=200, unique=True)
    direction = models.CharField(max_length=8, choices=CallDirection.choices)
    customer_phone = models.CharField(max_length=64)  # as the telephony system sent it
    customer_phone_normalized = models.CharField(max_length=32)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    queued_at = models.DateTimeField()  # the call reached us (inbound) or was dialled (outbound)
    answered_at = models.DateTimeField(null=True, blank=True)  # None: abandoned
    ended_at = models.DateTimeField()
    talk_seconds = models.PositiveIntegerField(default=0)
    hold_seconds = models.PositiveIntegerField(default=0)
    wrap_up_seconds = models.PositiveIntegerField(default=0)
    abandoned = models.BooleanField(default=False)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The queue or team the call came in for; metrics fall back to the conversation's team.
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(blank=True)
    # A link into the telephony system; shown to staff, never fetched by Concord.
    # Checked by the service (http or https only); a plain text column, no form magic.
    recording_url = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-queued_at", "-id"]
        permissions = [("record_calls", "Can post call records (a telephony integration)")]
        indexes = [
            models.Index(fields=["customer", "-queued_at", "-id"], name="call_customer"),
            models.Index(fields=["conversation", "queued_at"], name="call_conversation"),
            models.Index(fields=["agent", "-queued_at"], name="call_agent"),
            # ASA places a call by when it was answered, AHT by when it ended.
            models.Index(fields=["answered_at"], name="call_answered"),
            models.Index(fields=["ended_at"], name="call_ended"),
        ]
        # The services check all of these with a message naming the field; the
        # database refuses a row that slipped past them (an admin edit, a bug).
        constraints = [
            models.CheckConstraint(
                condition=Q(abandoned=True, answered_at__isnull=True)
                | Q(abandoned=False, answered_at__isnull=False),
                name="call_abandoned_iff_unanswered",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(answered_at__gte=F("queued_at")),
                name="call_answered_after_queued",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__gte=F("queued_at"))
                & (Q(answered_at__isnull=True) | Q(ended_at__gte=F("answered_at"))),
                name="call_ended_after_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} call {self.external_id}"

    @property
    def wait_seconds(self) -> float | None:
        """Time in the queue before an answer; None for an abandoned call."""
        if self.answered_at is None:
            return None
        return (self.answered_at - self.queued_at).total_seconds()

    @property
    def queue_seconds(self) -> float:
        """Time in the queue until answered, or until the caller gave up."""
        return ((self.answered_at or self.ended_at) - self.queued_at).total_seconds()

    @property
    def handle_seconds(self) -> int:
        return self.talk_seconds + self.hold_seconds + self.wrap_up_seconds


class CallRecordChange(models.Model):
    """A correction the telephony system sent for a call: each changed field, old and new."""

    call = models.ForeignKey(CallRecord, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # {"talk_seconds": {"old": 120, "new": 180}, ...}; times as ISO 8601 strings.
    fields = models.JSONField(default=dict)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"change to call {self.call_id} at {self.changed_at:%Y-%m-%d %H:%M}"
