"""Outgoing webhooks, the admin allow-list for private targets, and the delivery log."""

from __future__ import annotations

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from concord.common.http import parse_allow_entry


def new_secret() -> str:
    return secrets.token_hex(32)


class Webhook(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=2000, help_text="http or https; receives a signed POST.")
    # Signs every delivery (HMAC-SHA256); receivers verify with it. Never logged.
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def validate_allow_entry(value: str) -> None:
    try:
        parse_allow_entry(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class AllowedTarget(models.Model):
    """A host name or an address range webhooks may reach although it is private."""

    entry = models.CharField(
        max_length=255,
        unique=True,
        validators=[validate_allow_entry],
        help_text="A host name (tickets.corp.example), an address (10.0.0.5) or a CIDR "
        "range (10.0.0.0/24).",
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why it is allowed.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry"]

    def __str__(self) -> str:
        return self.entry


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Retrying"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    REFUSED = "refused", "Refused (unsafe target)"


class WebhookDelivery(models.Model):
    """One message to one target: a webhook (signed) or a Slack channel (plain)."""

    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    slack_channel = models.ForeignKey(
        "notifications.SlackChannel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    event = models.CharField(max_length=100)
    payload = models.JSONField()
    # The cause (rule, event, target): queueing the same cause again returns this row.
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(webhook__isnull=False, slack_channel__isnull=True)
                | Q(webhook__isnull=True, slack_channel__isnull=False),
                name="webhook_delivery_one_target",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.target_name} ({self.status})"

    @property
    def target_name(self) -> str:
        target = self.webhook or self.slack_channel
        return str(target) if target is not None else "?"
