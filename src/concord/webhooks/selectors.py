"""Reads for webhooks: active targets, the allow-list, the delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db.models import Q

from concord.common.http import AllowList
from concord.webhooks.models import AllowedTarget, DeliveryStatus, Webhook, WebhookDelivery

# A queued delivery whose task has not run after this long is taken to be lost.
LOST_AFTER = timedelta(minutes=2)


def webhooks_active() -> list[Webhook]:
    return list(Webhook.objects.filter(is_active=True).order_by("pk"))


def webhook_by_name(*, name: str) -> Webhook | None:
    """The active webhook of that name (case-insensitive), the oldest if several share it."""
    return Webhook.objects.filter(is_active=True, name__iexact=name.strip()).order_by("pk").first()


def allow_list() -> AllowList:
    return AllowList.from_entries(AllowedTarget.objects.values_list("entry", flat=True))


def delivery_log(
    *, webhook: Webhook | None = None, status: str | None = None, limit: int = 100
) -> list[WebhookDelivery]:
    """The newest deliveries first, optionally of one webhook or in one status."""
    rows = WebhookDelivery.objects.select_related("webhook", "slack_channel")
    if webhook is not None:
        rows = rows.filter(webhook=webhook)
    if status is not None:
        rows = rows.filter(status=status)
    return list(rows.order_by("-created_at", "-id")[:limit])


def delivery_get(*, delivery_id: uuid.UUID | str) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.select_related("webhook", "slack_channel")
        .filter(delivery_id=delivery_id)
        .first()
    )


def delivery_due_ids(*, now: datetime, stale_claim: timedelta, limit: int = 50) -> list[uuid.UUID]:
    """Deliveries to send now: due retries, queued ones whose task was lost, dead claims."""
    due = Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
    lost = Q(status=DeliveryStatus.QUEUED, created_at__lte=now - LOST_AFTER)
    dead = Q(status=DeliveryStatus.SENDING, claimed_at__lte=now - stale_claim)
    return list(
        WebhookDelivery.objects.filter(due | lost | dead)
        .order_by("id")
        .values_list("delivery_id", flat=True)[:limit]
    )
