"""Webhook deliveries to a real HTTP server on a local socket: signing, retries, the log."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from concord.common import scheduler
from concord.webhooks.models import AllowedTarget, DeliveryStatus, Webhook, WebhookDelivery
from concord.webhooks.selectors import delivery_log
from concord.webhooks.services import (
    webhook_create,
    webhook_queue,
    webhook_retry_due,
    webhook_send,
)
from concord.webhooks.tests.server import Recorder, recording_server

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[Any]]
PAYLOAD: dict[str, object] = {"conversation": {"id": 7, "subject": "Blender — cracked"}}


def verify(*, secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does (docs/webhooks.md)."""
    timestamp = headers["x-concord-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(f"sha256={expected.hexdigest()}", headers["x-concord-signature"])


@pytest.fixture
def allow_local(db: None) -> None:
    AllowedTarget.objects.create(entry="127.0.0.1", note="the test receiver")


def queue(hook: Webhook, on_commit: OnCommit, key: str = "rule:1:event:1") -> WebhookDelivery:
    with on_commit(execute=True):
        row = webhook_queue(
            webhook=hook, event="conversation.created", payload=PAYLOAD, dedupe_key=key
        )
    row.refresh_from_db()
    return row


def test_it_retries_two_failures_then_delivers_once_signed(
    receiver: Recorder, allow_local: None, django_capture_on_commit_callbacks: OnCommit
) -> None:
    receiver.statuses = [500, 503]
    hook = webhook_create(name="CRM", url=receiver.url)
    start = timezone.now()

    first = queue(hook, django_capture_on_commit_callbacks)
    assert (first.status, first.attempts, first.response_status) == ("retrying", 1, 500)
    assert first.next_attempt_at is not None
    assert 9 <= (first.next_attempt_at - start).total_seconds() <= 12
    assert first.last_error.startswith("HTTP 500")

    assert webhook_retry_due(now=start + timedelta(seconds=5)) == 0  # not due yet
    second_at = start + timedelta(seconds=11)
    assert webhook_retry_due(now=second_at) == 1
    first.refresh_from_db()
    assert (first.status, first.attempts, first.response_status) == ("retrying", 2, 503)
    assert first.next_attempt_at == second_at + timedelta(seconds=60)

    third_at = second_at + timedelta(seconds=61)
    assert webhook_retry_due(now=third_at) == 1
    assert webhook_retry_due(now=third_at + timedelta(hours=5)) == 0

    [row] = delivery_log(webhook=hook)
    assert row.status == DeliveryStatus.DELIVERED
    assert (row.attempts, row.response_status, row.last_error) == (3, 200, "")
    assert row.delivered_at == third_at
    assert row.next_attempt_at is None

    assert len(receiver.requests) == 3
    assert {r.headers["x-concord-delivery"] for r in receiver.requests} == {str(row.delivery_id)}
    assert len({r.body for r in receiver.requests}) == 1  # the same body on every attempt
    for received in receiver.requests:
        assert received.path == "/hook?x=1"
        assert received.headers["x-concord-event"] == "conversation.created"
        assert received.headers["content-type"] == "application/json"
        assert verify(secret=hook.secret, headers=received.headers, body=received.body)
        assert not verify(secret="wrong", headers=received.headers, body=received.body)
    last = receiver.requests[-1]
    assert last.headers["x-concord-timestamp"] == str(int(third_at.timestamp()))
    envelope = json.loads(last.body)
    assert envelope == {
        "id": str(row.delivery_id),
        "event": "conversation.created",
        "created_at": row.created_at.isoformat(),
        "data": PAYLOAD,
    }
    # Canonical form: what a receiver re-serialises the same way is byte-identical.
    assert last.body == json.dumps(
        envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def test_a_client_error_fails_at_once(
    receiver: Recorder, allow_local: None, django_capture_on_commit_callbacks: OnCommit
) -> None:
    receiver.statuses = [410]
    row = queue(webhook_create(name="Gone", url=receiver.url), django_capture_on_commit_callbacks)
    assert (row.status, row.attempts, row.response_status) == ("failed", 1, 410)
    assert row.next_attempt_at is None
    assert webhook_retry_due(now=timezone.now() + timedelta(days=1)) == 0
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [408, 429, 502])
def test_timeouts_and_throttling_are_retried(
    status: int,
    receiver: Recorder,
    allow_local: None,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    receiver.statuses = [status]
    row = queue(webhook_create(name="Busy", url=receiver.url), django_capture_on_commit_callbacks)
    assert (row.status, row.response_status) == ("retrying", status)


def test_it_gives_up_after_the_last_delay(
    receiver: Recorder,
    allow_local: None,
    settings: Any,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    settings.CONCORD_WEBHOOK_RETRY_DELAYS = [10]
    receiver.statuses = [500, 500, 500]
    row = queue(webhook_create(name="Down", url=receiver.url), django_capture_on_commit_callbacks)
    assert webhook_retry_due(now=timezone.now() + timedelta(seconds=11)) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 2, None)
    assert len(receiver.requests) == 2


def test_a_connection_error_is_retried(
    allow_local: None, django_capture_on_commit_callbacks: OnCommit
) -> None:
    with recording_server() as gone:
        url = gone.url
    row = queue(webhook_create(name="Closed", url=url), django_capture_on_commit_callbacks)
    assert (row.status, row.attempts, row.response_status) == ("retrying", 1, None)
    assert row.last_error.startswith("ConnectError")


def test_a_slow_receiver_times_out_and_is_retried(
    receiver: Recorder,
    allow_local: None,
    settings: Any,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    settings.CONCORD_WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.delay = 2.5
    started = timezone.now()
    row = queue(webhook_create(name="Slow", url=receiver.url), django_capture_on_commit_callbacks)
    assert (timezone.now() - started).total_seconds() < 2
    assert row.status == "retrying"
    assert "Timeout" in row.last_error


def test_the_same_cause_is_queued_and_sent_once(
    receiver: Recorder, allow_local: None, django_capture_on_commit_callbacks: OnCommit
) -> None:
    hook = webhook_create(name="CRM", url=receiver.url)
    first = queue(hook, django_capture_on_commit_callbacks, key="same")
    again = queue(hook, django_capture_on_commit_callbacks, key="same")
    assert first.pk == again.pk
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_a_claimed_delivery_is_not_sent_twice(receiver: Recorder, allow_local: None) -> None:
    # Queued without running the on-commit task: the row waits.
    row = webhook_queue(
        webhook=webhook_create(name="CRM", url=receiver.url),
        event="e",
        payload={},
        dedupe_key="k",
    )
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.SENDING, claimed_at=now)
    assert webhook_send(delivery_id=row.delivery_id).status == DeliveryStatus.SENDING
    assert webhook_retry_due(now=now + timedelta(minutes=5)) == 0
    assert receiver.requests == []
    # A claim that old belonged to a sender that died: the sweep takes it over.
    assert webhook_retry_due(now=now + timedelta(minutes=11)) == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 1


def test_the_sweep_sends_a_queued_delivery_whose_task_was_lost(
    receiver: Recorder, allow_local: None
) -> None:
    row = webhook_queue(
        webhook=webhook_create(name="CRM", url=receiver.url),
        event="e",
        payload={},
        dedupe_key="k",
    )
    assert webhook_retry_due(now=timezone.now()) == 0  # its task may still run
    assert webhook_retry_due(now=timezone.now() + timedelta(minutes=3)) == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DELIVERED


def test_a_turned_off_webhook_fails_without_sending(
    receiver: Recorder, allow_local: None, django_capture_on_commit_callbacks: OnCommit
) -> None:
    hook = webhook_create(name="Off", url=receiver.url, is_active=False)
    row = queue(hook, django_capture_on_commit_callbacks)
    assert row.status == DeliveryStatus.FAILED
    assert receiver.requests == []


def test_the_sweep_is_registered_with_the_scheduler() -> None:
    job = {j.name: j for j in scheduler.registered()}["webhooks.retry_due"]
    assert job.every == 10
    assert job.run is webhook_retry_due
