from __future__ import annotations

import statistics
from datetime import UTC, datetime

import pytest
from django.db import transaction

from concord.conversations.models import (
    Conversation,
    Direction,
    EventKind,
    Message,
    Status,
    Visibility,
)
from concord.demo import generate

# A Friday afternoon, so the last hours fall in working time.
NOW = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)


def _snapshot() -> list[tuple[object, ...]]:
    """The generated history without database ids, which differ between runs."""
    rows: list[tuple[object, ...]] = []
    for conv in Conversation.objects.order_by("created_at", "subject").prefetch_related(
        "messages", "events"
    ):
        rows.append(
            (
                conv.subject,
                conv.channel,
                conv.status,
                conv.priority,
                conv.customer.name,
                conv.created_at,
                conv.updated_at,
                tuple(m.body_text for m in conv.messages.all()),
                tuple((e.kind, e.created_at) for e in conv.events.all()),
            )
        )
    return rows


@pytest.mark.django_db
def test_it_is_deterministic_for_a_seed() -> None:
    with transaction.atomic():
        generate(conversations=20, seed=3, now=NOW)
        first = _snapshot()
        transaction.set_rollback(True)
    with transaction.atomic():
        generate(conversations=20, seed=3, now=NOW)
        again = _snapshot()
        transaction.set_rollback(True)
    generate(conversations=20, seed=4, now=NOW)
    other = _snapshot()
    assert first == again
    assert first != other


@pytest.mark.django_db
def test_metrics_come_out_in_believable_ranges() -> None:
    generate(conversations=150, seed=11, now=NOW)
    first_replies: list[float] = []
    solved = reopened = one_touch = 0
    for conv in Conversation.objects.filter(merged_into__isnull=True).prefetch_related(
        "messages", "events"
    ):
        messages: list[Message] = list(conv.messages.all())
        replies = [
            m
            for m in messages
            if m.direction == Direction.OUTBOUND and m.visibility == Visibility.PUBLIC
        ]
        if replies:
            first_replies.append((replies[0].created_at - messages[0].created_at).total_seconds())
        events = list(conv.events.all())
        if conv.status in (Status.SOLVED, Status.CLOSED):  # closed: solved 4+ days ago
            solved += 1
            was_reopened = any(e.kind == EventKind.REOPENED for e in events)
            reopened += was_reopened
            one_touch += len(replies) == 1 and not was_reopened
    median_minutes = statistics.median(first_replies) / 60
    assert 5 <= median_minutes <= 8 * 60, median_minutes
    assert 0.05 <= reopened / solved <= 0.15, reopened / solved
    assert 0.5 <= one_touch / solved <= 0.7, one_touch / solved
