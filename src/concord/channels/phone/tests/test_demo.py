"""The demo's calls: believable volumes, waits and handle times, all in the customers' history."""

from __future__ import annotations

import random
import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction

from concord.accounts.models import Role
from concord.channels.phone import demo
from concord.channels.phone.models import CallRecord
from concord.conversations.models import Conversation
from concord.demo import generate
from concord.metrics.selectors import MetricQuery, average_handle_time, average_speed_of_answer

# A Friday afternoon, as in the demo's own tests.
NOW = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_history(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """One 300-conversation demo (the default size), rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate(conversations=300, seed=5, now=NOW)
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.usefixtures("demo_history", "db")


def test_the_demo_records_a_few_hundred_calls_over_ninety_days() -> None:
    calls = CallRecord.objects.all()
    assert 150 <= calls.count() <= 300, calls.count()
    share = calls.filter(abandoned=True).count() / calls.count()
    assert 0.03 <= share <= 0.15, share
    first = calls.order_by("queued_at").first()
    assert first is not None
    assert NOW - first.queued_at >= timedelta(days=60)
    assert not calls.filter(ended_at__gt=NOW).exists()


def test_every_phone_conversation_has_the_call_it_was_logged_from() -> None:
    phone = Conversation.objects.filter(channel="phone", merged_into__isnull=True)
    assert phone.exists()
    called = set(CallRecord.objects.values_list("conversation_id", flat=True))
    assert set(phone.values_list("pk", flat=True)) <= called


def test_calls_belong_to_the_conversations_customer_and_support_answers() -> None:
    for call in CallRecord.objects.select_related("conversation", "agent", "team"):
        assert call.customer_id == call.conversation.customer_id
        assert call.team is not None
        assert call.team.name == "Support"
        if call.abandoned:
            assert call.agent is None
        else:
            assert call.agent is not None
            assert call.agent.role == Role.AGENT


def test_asa_and_aht_come_out_believable() -> None:
    query = MetricQuery(start=NOW - timedelta(days=90), end=NOW)
    asa = average_speed_of_answer(query=query)
    aht = average_handle_time(query=query)
    assert asa.enough
    assert asa.mean is not None
    assert asa.median is not None
    assert asa.p90 is not None
    assert 20 <= asa.median <= 60, asa.median
    assert 30 <= asa.mean <= 90, asa.mean
    assert asa.p90 <= 180, asa.p90
    assert aht.value is not None
    assert 5 * 60 <= aht.value <= 12 * 60, aht.value
    waits = [c.wait_seconds for c in CallRecord.objects.filter(abandoned=False)]
    assert statistics.quantiles([w for w in waits if w is not None], n=10)[0] >= 10


def test_seeding_again_adds_nothing() -> None:
    before = CallRecord.objects.count()
    rng = random.Random(1)  # noqa: S311 - demo data, not secrets
    assert demo.seed(now=NOW, rng=rng) == 0
    assert CallRecord.objects.count() == before
