"""In-app notifications for staff, and Slack channels to post to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class EmailState(models.TextChoices):
    NONE = "none", "Not emailed"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class NotificationKind(models.TextChoices):
    """What a notification is about; each user chooses per kind how it reaches them."""

    ASSIGNED = "assigned", "A conversation is assigned to me"
    CUSTOMER_REPLIED = "customer_replied", "A customer replies on my conversation"
    MENTIONED = "mentioned", "Someone mentions me or my team in a note"
    SLA_WARNING = "sla_warning", "A target on my conversation is about to be missed"
    CONSULT = "consult", "A consult asks me or my team, or answers mine"
    SPIKE = "spike", "A sudden rise of similar conversations"
    OTHER = "other", "Automations and everything else"


class Delivery(models.TextChoices):
    BOTH = "both", "In the app and by email"
    IN_APP = "in_app", "In the app"
    EMAIL = "email", "By email"
    NONE = "none", "Not at all"


# What a user gets until they choose: the ones that need them now by email too.
DEFAULT_DELIVERY = {
    NotificationKind.ASSIGNED: Delivery.BOTH,
    NotificationKind.CUSTOMER_REPLIED: Delivery.IN_APP,
    NotificationKind.MENTIONED: Delivery.BOTH,
    NotificationKind.SLA_WARNING: Delivery.BOTH,
    NotificationKind.CONSULT: Delivery.BOTH,
    # Supervisors act on a spike within the hour; the page has the details.
    NotificationKind.SPIKE: Delivery.BOTH,
    NotificationKind.OTHER: Delivery.BOTH,
}


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(
        max_length=20, choices=NotificationKind.choices, default=NotificationKind.OTHER
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    conversation = models.ForeignKey(
        "conversations.Conversation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    url = models.CharField(max_length=500, blank=True)
    # The cause; the same cause notifies a recipient once.
    dedupe_key = models.CharField(max_length=200, blank=True)
    email_state = models.CharField(
        max_length=8, choices=EmailState.choices, default=EmailState.NONE
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_once_per_cause",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class SlackChannel(models.Model):
    name = models.CharField(max_length=100)
    # Slack's incoming-webhook URL; the path is the credential, so it is never logged.
    webhook_url = models.URLField(max_length=500)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # An internal note that @mentions one of these teams is posted here too,
    # for departments that live in Slack more than in the workspace.
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="slack_channels")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NotificationPreference(models.Model):
    """How one kind of notification reaches one user; no row: ``DEFAULT_DELIVERY``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=8, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"
