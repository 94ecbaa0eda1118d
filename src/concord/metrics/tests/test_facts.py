"""The per-conversation facts the metrics read: kept by the services, rebuilt by the backfill."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from concord.accounts.models import Team, User
from concord.accounts.services import system_user_get
from concord.automations.context import suppressed
from concord.conversations.models import Conversation
from concord.conversations.services import (
    conversation_assign,
    conversation_merge,
    conversation_note,
    conversation_tag,
    message_receive,
)
from concord.metrics.models import ConversationFacts, ConversationInterval
from concord.metrics.selectors import (
    Bucket,
    MetricQuery,
    backlog,
    first_response_time,
    volume,
    volume_matrix,
)
from concord.metrics.selectors.sql import bucket_keys
from concord.metrics.services import conversation_facts_backfill
from concord.metrics.tests.helpers import T0, opened, period, reply, set_status

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def _customer_writes(conversation: Conversation, at: datetime) -> None:
    with suppressed():
        message_receive(conversation=conversation, body_text="Still there?", at=at)


def _snapshot() -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    facts = [dict(row) for row in ConversationFacts.objects.order_by("conversation_id").values()]
    intervals = sorted(
        ConversationInterval.objects.values_list(
            "conversation_id", "kind", "started_at", "ended_at", "seconds", "team_id", "channel"
        )
    )
    return facts, intervals


def test_the_services_keep_the_facts_of_a_conversation(
    agent: User, other_agent: User, support: Team, billing: Team
) -> None:
    conversation = opened(team=support, tags=["vip"])
    reply(conversation, system_user_get(), at=T0 + timedelta(minutes=1))  # an automation
    with suppressed():
        conversation_note(conversation=conversation, actor=agent, body_text="Hm.", at=T0 + H)
    reply(conversation, agent, at=T0 + 2 * H)
    _customer_writes(conversation, T0 + 3 * H)
    reply(conversation, agent, at=T0 + 4 * H, status="solved")
    _customer_writes(conversation, T0 + 5 * H)  # reopens it
    with suppressed():
        conversation_assign(
            conversation=conversation,
            actor=agent,
            team=billing,
            assignee=other_agent,
            at=T0 + 6 * H,
        )
    set_status(conversation, other_agent, status="solved", at=T0 + 7 * H)

    facts = ConversationFacts.objects.get(conversation=conversation)
    assert (facts.first_message_at, facts.first_reply_at) == (T0, T0 + 2 * H)
    assert facts.first_response_seconds == 2 * 3600
    assert (facts.agent_replies, facts.first_solved_at) == (2, T0 + 4 * H)
    assert (facts.reopened, facts.escalated) == (True, True)  # moved to a department
    assert (facts.resolved_at, facts.resolution_seconds) == (T0 + 7 * H, 7 * 3600)
    assert (facts.team_id, facts.assignee_id, facts.channel) == (
        billing.pk,
        other_agent.pk,
        "email",
    )
    intervals = ConversationInterval.objects.filter(conversation=conversation)
    waits = sorted(intervals.filter(kind="wait").values_list("started_at", "ended_at"))
    assert waits == [(T0, T0 + 2 * H), (T0 + 3 * H, T0 + 4 * H)]  # the last message is unanswered
    unsolved = sorted(intervals.filter(kind="unsolved").values_list("started_at", "ended_at"))
    assert unsolved == [(T0, T0 + 4 * H), (T0 + 5 * H, T0 + 7 * H)]
    assert set(intervals.values_list("team_id", flat=True)) == {billing.pk}


def test_the_escalated_tag_counts_and_opening_in_a_department_does_not(
    agent: User, billing: Team
) -> None:
    routed = opened(team=billing)
    tagged = opened()
    with suppressed():
        conversation_tag(conversation=tagged, actor=agent, tags=["escalated"], at=T0 + H)
    escalated = dict(ConversationFacts.objects.values_list("conversation_id", "escalated"))
    assert escalated == {routed.pk: False, tagged.pk: True}


def test_a_merged_conversation_has_no_facts_and_its_message_counts_in_the_target(
    agent: User,
) -> None:
    source = opened(at=T0, email="dana@example.net")
    target = opened(at=T0 + H, email="dana@example.net")
    with suppressed():
        conversation_merge(source=source, target=target, actor=agent, at=T0 + 2 * H)
    reply(target, agent, at=T0 + 3 * H)
    assert not ConversationFacts.objects.filter(conversation=source).exists()
    assert not ConversationInterval.objects.filter(conversation=source).exists()
    facts = ConversationFacts.objects.get(conversation=target)
    assert (facts.first_message_at, facts.first_reply_at) == (T0, T0 + 3 * H)
    assert ConversationInterval.objects.filter(conversation=target, kind="wait").count() == 2


def test_the_backfill_rebuilds_exactly_what_the_services_keep(
    agent: User, support: Team, billing: Team
) -> None:
    first = opened(team=support)
    reply(first, agent, at=T0 + H, status="solved")
    _customer_writes(first, T0 + 2 * H)
    second = opened(at=T0 + H, channel="chat")
    reply(second, system_user_get(), at=T0 + 2 * H)
    with suppressed():
        conversation_assign(conversation=second, actor=agent, team=billing, at=T0 + 3 * H)
    source, target = opened(email="erin@example.net"), opened(email="erin@example.net")
    with suppressed():
        conversation_merge(source=source, target=target, actor=agent, at=T0 + H)
    kept = _snapshot()
    # Stale rows of every kind: a wrong fact, a stray interval, facts of a merged conversation.
    ConversationFacts.objects.filter(conversation=first).update(agent_replies=9)
    ConversationInterval.objects.filter(conversation=second).delete()
    ConversationFacts.objects.create(
        conversation=source, channel="email", created_at=T0, escalated=True
    )

    made = conversation_facts_backfill(batch_size=2)

    assert made == 3
    assert _snapshot() == kept
    out = StringIO()
    call_command("metrics_backfill", stdout=out)
    assert "Facts for 3 conversations" in out.getvalue()
    assert _snapshot() == kept


def test_bucket_keys_never_straddle_a_bucket_edge() -> None:
    start = datetime(2025, 3, 3, tzinfo=UTC)
    cases: list[tuple[str, Bucket, str]] = [
        ("UTC", "day", "day"),
        ("Europe/Berlin", "day", "hour"),
        ("Asia/Kolkata", "week", "minute"),  # local midnight is 18:30 UTC
    ]
    for zone, bucket, unit in cases:
        query = MetricQuery(
            start=start, end=start + timedelta(days=30), bucket=bucket, time_zone=zone
        )
        keys = bucket_keys(query)
        assert keys is not None
        starts = [lo for lo, _ in query.buckets()[1:]]
        assert list(keys.starts) == starts
        if connection.vendor == "sqlite":
            # The coarsest prefix of the stored text that every edge lies on.
            assert keys.unit == unit
        assert [keys.bucket(edge) for edge in keys.edges] == list(range(1, len(starts) + 1))
    assert bucket_keys(MetricQuery(start=start, end=start + timedelta(days=30))) is None


def test_daily_buckets_across_a_daylight_saving_change_start_at_local_midnight(
    agent: User,
) -> None:
    # Berlin moved to summer time on 30 March 2025: that day has 23 hours.
    zone = "Europe/Berlin"
    start = datetime(2025, 3, 28, 23, 0, tzinfo=UTC)  # 29 March, 00:00 in Berlin
    query = MetricQuery(
        start=start, end=start + timedelta(days=3) - H, bucket="day", time_zone=zone
    )
    late_29th = opened(at=datetime(2025, 3, 29, 22, 30, tzinfo=UTC))  # 23:30, the 29th
    early_31st = opened(at=datetime(2025, 3, 30, 22, 30, tzinfo=UTC))  # 00:30, the 31st
    reply(late_29th, agent, at=datetime(2025, 3, 30, 21, 30, tzinfo=UTC), status="solved")
    reply(early_31st, agent, at=datetime(2025, 3, 30, 23, 0, tzinfo=UTC))

    assert [b.result.value for b in volume(query=query).series] == [1.0, 0.0, 1.0]
    # Unsolved at each local midnight: the 29th's until it was solved on the 30th.
    assert [b.result.value for b in backlog(query=query).series] == [1.0, 0.0, 1.0]
    frt = first_response_time(query=replace(query, min_samples=1))
    assert [b.result.sample_size for b in frt.series] == [0, 1, 1]
    assert volume_matrix(query=query, dimension="channel").rows["email"] == (1, 0, 1)


def test_backlog_at_an_end_inside_a_day_counts_to_that_moment(agent: User) -> None:
    day = period(days=2, bucket="day")
    end = day.end + 6 * H  # the last bucket ends at 06:00
    query = replace(day, end=end)
    solved_early = opened(at=T0)
    reply(solved_early, agent, at=day.end + 2 * H, status="solved")
    solved_late = opened(at=T0)
    reply(solved_late, agent, at=end, status="solved")  # solved at the end: still counted
    opened(at=end - H)
    series = [b.result.value for b in backlog(query=query).series]
    assert series == [2.0, 2.0, 2.0]
    assert backlog(query=replace(query, bucket=None)).value == 2.0
