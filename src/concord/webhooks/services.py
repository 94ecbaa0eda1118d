"""Queue and send outgoing webhooks (and Slack posts), with retries and the SSRF guard.

A delivery row is written in the caller's transaction and sent by a task
enqueued on commit. Sending claims the row first (QUEUED/RETRYING → SENDING in
one conditional UPDATE), so the task and the retry sweep never both send it.
The answer decides what follows:

- 2xx: delivered.
- 408, 429, 5xx, a timeout or a connection error: retried after the delays in
  ``CONCORD_WEBHOOK_RETRY_DELAYS``, then failed.
- any other status (4xx, a redirect loop): failed at once.
- a target the guard refuses (``concord.common.http``): refused at once.

The wire format is described in ``docs/webhooks.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from concord.common.errors import ValidationFailed
from concord.common.http import SafeResponse, UnsafeTarget, check_url, safe_post
from concord.notifications.models import SlackChannel
from concord.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery, new_secret
from concord.webhooks.selectors import allow_list, delivery_due_ids

logger = logging.getLogger(__name__)

# A claim older than this belonged to a sender that died mid-send.
STALE_CLAIM = timedelta(minutes=10)
USER_AGENT = "Concord-Webhooks/1"


def canonical_json(value: object) -> bytes:
    """The bytes that are sent and signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder
    ).encode("utf-8")


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256, keyed by the webhook's secret, of ``"<timestamp>.<body>"``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def webhook_create(*, name: str, url: str, is_active: bool = True) -> Webhook:
    check_url(url)
    return Webhook.objects.create(name=name, url=url, is_active=is_active)


def webhook_rotate_secret(*, webhook: Webhook) -> Webhook:
    """A new signing secret; deliveries sent from now on are signed with it."""
    webhook.secret = new_secret()
    webhook.save(update_fields=["secret"])
    return webhook


def _queue(
    *,
    event: str,
    payload: dict[str, object],
    dedupe_key: str,
    now: datetime | None,
    webhook: Webhook | None = None,
    slack_channel: SlackChannel | None = None,
) -> WebhookDelivery:
    if not dedupe_key or len(dedupe_key) > 200:
        raise ValidationFailed("A delivery needs a dedupe key of 1 to 200 characters.")
    try:
        # Stored as it will be sent: whatever the encoder turns into text stays text.
        stored = json.loads(canonical_json(payload))
    except (TypeError, ValueError) as error:
        raise ValidationFailed(f"The payload is not JSON: {error}", field="payload") from None
    existing = WebhookDelivery.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    try:
        # A savepoint: a concurrent insert of the same key must not spoil the caller's transaction.
        with transaction.atomic():
            row = WebhookDelivery.objects.create(
                webhook=webhook,
                slack_channel=slack_channel,
                event=event,
                payload=stored,
                dedupe_key=dedupe_key,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        return WebhookDelivery.objects.get(dedupe_key=dedupe_key)
    _enqueue_on_commit(row.delivery_id)
    return row


def webhook_queue(
    *,
    webhook: Webhook,
    event: str,
    payload: dict[str, object],
    dedupe_key: str,
    now: datetime | None = None,
) -> WebhookDelivery:
    """Queue ``event`` for ``webhook``; the same ``dedupe_key`` again returns the first row.

    Safe inside the caller's transaction: the send task is enqueued when it
    commits. The key is unique across all deliveries, so it should name the
    target too (``"rule:7:event:123:webhook:2"``).
    """
    return _queue(webhook=webhook, event=event, payload=payload, dedupe_key=dedupe_key, now=now)


def slack_queue(
    *, channel: SlackChannel, payload: dict[str, object], dedupe_key: str
) -> WebhookDelivery:
    """Queue a Slack incoming-webhook message: sent as-is, unsigned, with the same retries."""
    return _queue(
        slack_channel=channel, event="slack.message", payload=payload, dedupe_key=dedupe_key,
        now=None,
    )  # fmt: skip


def _enqueue_on_commit(delivery_id: uuid.UUID) -> None:
    from concord.webhooks.tasks import send_delivery

    transaction.on_commit(lambda: send_delivery.enqueue(delivery_id=str(delivery_id)))


def webhook_retry(*, delivery: WebhookDelivery) -> bool:
    """An admin's "retry now": a failed, refused or waiting delivery is sent again at once."""
    updated = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        status__in=[DeliveryStatus.FAILED, DeliveryStatus.REFUSED, DeliveryStatus.RETRYING],
    ).update(status=DeliveryStatus.RETRYING, next_attempt_at=timezone.now())
    if updated:
        _enqueue_on_commit(delivery.delivery_id)
    return bool(updated)


def webhook_retry_due(*, now: datetime | None = None, limit: int = 50) -> int:
    """The scheduler's sweep: send due retries, and queued rows whose task was lost."""
    moment = now or timezone.now()
    sent = 0
    for delivery_id in delivery_due_ids(now=moment, stale_claim=STALE_CLAIM, limit=limit):
        webhook_send(delivery_id=delivery_id, now=moment)
        sent += 1
    return sent


def _claim(delivery_id: uuid.UUID | str, now: datetime) -> bool:
    claimable = Q(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING]) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lte=now - STALE_CLAIM
    )
    return (
        WebhookDelivery.objects.filter(claimable, delivery_id=delivery_id).update(
            status=DeliveryStatus.SENDING, claimed_at=now
        )
        == 1
    )


def build_request(
    *, delivery: WebhookDelivery, timestamp: int
) -> tuple[str, bytes, dict[str, str]]:
    """URL, body and headers of one attempt.

    A webhook gets the envelope below, signed; a Slack channel gets the payload itself.

    Body (canonical JSON: keys sorted, no spaces, UTF-8)::

        {"created_at": "<ISO 8601>", "data": <payload>, "event": "<event>", "id": "<uuid>"}

    Headers::

        Content-Type: application/json
        X-Concord-Delivery: <uuid>        the same on every retry; deduplicate on it
        X-Concord-Event: <event>
        X-Concord-Timestamp: <unix seconds of this attempt>
        X-Concord-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
    """
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if delivery.slack_channel is not None:
        return delivery.slack_channel.webhook_url, canonical_json(delivery.payload), headers
    webhook = delivery.webhook
    if webhook is None:  # the check constraint makes this unreachable
        raise ValidationFailed("The delivery has no target.")
    body = canonical_json(
        {
            "id": str(delivery.delivery_id),
            "event": delivery.event,
            "created_at": delivery.created_at.isoformat(),
            "data": delivery.payload,
        }
    )
    headers.update(
        {
            "X-Concord-Delivery": str(delivery.delivery_id),
            "X-Concord-Event": delivery.event,
            "X-Concord-Timestamp": str(timestamp),
            "X-Concord-Signature": sign(secret=webhook.secret, timestamp=timestamp, body=body),
        }
    )
    return webhook.url, body, headers


def _is_temporary(response: SafeResponse) -> bool:
    return response.status_code in (408, 429) or response.status_code >= 500


def _describe(response: SafeResponse) -> str:
    text = response.body[:300].decode("utf-8", "replace").strip()
    redirected = f" after {response.redirects} redirect(s)" if response.redirects else ""
    return f"HTTP {response.status_code}{redirected}" + (f": {text}" if text else "")


def webhook_send(*, delivery_id: uuid.UUID | str, now: datetime | None = None) -> WebhookDelivery:
    """Send one delivery now; idempotent (a delivered, failed or claimed one is left alone)."""
    moment = now or timezone.now()
    if not _claim(delivery_id, moment):
        return WebhookDelivery.objects.get(delivery_id=delivery_id)
    row = WebhookDelivery.objects.select_related("webhook", "slack_channel").get(
        delivery_id=delivery_id
    )
    row.attempts += 1
    row.response_status = None
    target = row.webhook or row.slack_channel
    temporary = False
    if target is None or not target.is_active:
        row.status = DeliveryStatus.FAILED
        row.last_error = "The target was turned off before this delivery was sent."
    else:
        try:
            url, body, headers = build_request(delivery=row, timestamp=int(moment.timestamp()))
            response = safe_post(
                url=url,
                body=body,
                headers=headers,
                timeout=settings.CONCORD_WEBHOOK_TIMEOUT_SECONDS,
                allow=allow_list(),
            )
        except UnsafeTarget as refusal:
            row.status = DeliveryStatus.REFUSED
            row.last_error = refusal.message
        except httpx.TransportError as error:  # timeouts, refused connections, broken answers
            temporary = True
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
        else:
            row.response_status = response.status_code
            if response.ok:
                row.status = DeliveryStatus.DELIVERED
                row.delivered_at = moment
                row.last_error = ""
            else:
                temporary = _is_temporary(response)
                row.last_error = _describe(response)[:2000]
                row.status = DeliveryStatus.FAILED
    delays = settings.CONCORD_WEBHOOK_RETRY_DELAYS
    row.next_attempt_at = None
    if temporary:
        if row.attempts <= len(delays):
            row.status = DeliveryStatus.RETRYING
            row.next_attempt_at = moment + timedelta(seconds=delays[row.attempts - 1])
        else:
            row.status = DeliveryStatus.FAILED
    if row.status != DeliveryStatus.DELIVERED:
        logger.warning(
            "Webhook delivery %s (%s to %s): attempt %s %s",
            row.delivery_id,
            row.event,
            row.target_name,
            row.attempts,
            row.status,
        )
    row.save(
        update_fields=[
            "status",
            "attempts",
            "next_attempt_at",
            "response_status",
            "last_error",
            "delivered_at",
        ]
    )
    return row
