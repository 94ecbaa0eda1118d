"""Spike alerts for supervisors, and the daily digest of emerging topics per department."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    DISMISSED = "dismissed", "Dismissed"
    PROBLEM = "problem", "Problem created"


class SpikeAlert(models.Model):
    """Conversations sharing a key (category, tag or subject word) arriving well above normal.

    While the key keeps spiking the alert is *live* (``ended_at`` empty) and
    each sweep adds the new matching conversations to it instead of raising
    another; a supervisor's dismissal does not end the spike, so it does not
    come back the next sweep.
    """

    key = models.CharField(max_length=160)  # "category:Billing", "tag:outage", "term:checkout"
    related = models.JSONField(default=list, blank=True)  # keys of the same topic
    count = models.PositiveIntegerField()  # the most seen in one window
    expected = models.FloatField()  # the smoothed baseline for one window
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    sample_ids = models.JSONField(default=list)  # up to 10 conversation ids
    conversation_ids = models.JSONField(default=list)  # every matching one while live
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    problem = models.ForeignKey(
        "problems.Problem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-first_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(ended_at__isnull=True), name="trends_one_live_spike"
            ),
            models.UniqueConstraint(
                fields=["key"], condition=Q(status="open"), name="trends_one_open_alert"
            ),
        ]
        indexes = [models.Index(fields=["status", "-first_seen_at"], name="trends_alert_list")]

    def __str__(self) -> str:
        return f"Spike of {self.key} ({self.count})"

    @property
    def ratio(self) -> float:
        return self.count / self.expected if self.expected else 0.0


class DigestRun(models.Model):
    """One day's emerging topics, worked out once; the unique day makes the digest daily."""

    day = models.DateField(unique=True)
    topics = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Emerging topics of {self.day}"


class DeliveryState(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class DigestDelivery(models.Model):
    """The day's digest to one department; sent exactly once (retried after a failure)."""

    run = models.ForeignKey(DigestRun, on_delete=models.CASCADE, related_name="deliveries")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=DeliveryState.choices)
    recipients = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=1)
    error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "team"], name="trends_one_digest_per_team")
        ]

    def __str__(self) -> str:
        return f"Digest of {self.run.day} to team {self.team_id} ({self.state})"
