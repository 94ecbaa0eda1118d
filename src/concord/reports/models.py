"""Weekly summary emails: who gets one, and each week's delivery (sent exactly once)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SummarySubscription(models.Model):
    """A user who gets the weekly CX summary, for a team or their default scope.

    The scope is narrowed by the same access rule as the reports page when
    the summary is built, so a subscription never shows more than its user
    may see, even if their role changes later.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summary_subscription"
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: everything the user may see (an agent: their own work).",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Weekly summary for {self.user}"


class DeliveryState(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class SummaryDelivery(models.Model):
    """One week's summary to one subscriber; the unique key makes it exactly once."""

    subscription = models.ForeignKey(
        SummarySubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    week_start = models.DateField()
    state = models.CharField(max_length=8, choices=DeliveryState.choices)
    attempts = models.PositiveSmallIntegerField(default=1)
    error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "week_start"], name="reports_one_summary_per_week"
            )
        ]

    def __str__(self) -> str:
        return f"Summary of the week of {self.week_start} ({self.state})"
