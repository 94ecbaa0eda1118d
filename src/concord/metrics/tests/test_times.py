"""FRT, ART and resolution time, in calendar and business time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from concord.accounts.models import User
from concord.accounts.services import system_user_get
from concord.automations.context import suppressed
from concord.calendars.services import calendar_create
from concord.conversations.services import conversation_merge, message_receive
from concord.metrics.selectors import (
    MetricQuery,
    average_reply_time,
    first_response_time,
    resolution_time,
)
from concord.metrics.tests.helpers import T0, opened, period, reply, set_status

pytestmark = pytest.mark.django_db
MINUTE, HOUR = 60, 3600


def test_frt_runs_from_the_customer_message_to_the_first_agent_reply(agent: User) -> None:
    for minutes in [10, 20, 30, 40, 50]:
        conversation = opened(at=T0)
        reply(conversation, agent, at=T0 + timedelta(minutes=minutes))
        reply(conversation, agent, at=T0 + timedelta(hours=5))  # later replies don't matter
    result = first_response_time(query=period())
    assert (result.value, result.sample_size, result.enough) == (30 * MINUTE, 5, True)
    assert (result.mean, result.median) == (30 * MINUTE, 30 * MINUTE)
    assert result.p90 == pytest.approx(46 * MINUTE)  # interpolated between 40 and 50


def test_automation_replies_and_notes_are_not_a_first_response(agent: User) -> None:
    conversation = opened(at=T0)
    reply(conversation, system_user_get(), at=T0 + timedelta(minutes=1))
    reply(conversation, agent, at=T0 + timedelta(hours=2))
    result = first_response_time(query=period())
    assert (result.value, result.sample_size) == (2 * HOUR, 1)


def test_unanswered_conversations_have_no_first_response(agent: User) -> None:
    opened(at=T0)
    assert first_response_time(query=period()).note == "no data"


def test_business_hours_frt_skips_a_weekend_and_public_holidays(agent: User) -> None:
    # Easter 2025 in Germany: Good Friday 18 April and Easter Monday 21 April.
    berlin_office = calendar_create(
        name="Office",
        time_zone="UTC",
        holiday_country="DE",
        intervals=[(day, time(9), time(17)) for day in range(5)],
    )
    asked = datetime(2025, 4, 17, 16, 0, tzinfo=UTC)  # Thursday, one hour before closing
    answered = datetime(2025, 4, 22, 10, 0, tzinfo=UTC)  # Tuesday, one hour after opening
    conversation = opened(at=asked)
    reply(conversation, agent, at=answered)
    query = MetricQuery(
        start=datetime(2025, 4, 14, tzinfo=UTC),
        end=datetime(2025, 4, 28, tzinfo=UTC),
        time_basis="business",
        calendar_id=berlin_office.pk,
    )
    assert first_response_time(query=query).value == 2 * HOUR
    calendar = first_response_time(query=replace(query, time_basis="calendar"))
    assert calendar.value == (answered - asked).total_seconds()


def test_business_hours_honour_a_closed_date(agent: User) -> None:
    office = calendar_create(
        name="Shop",
        time_zone="Europe/Berlin",
        intervals=[(day, time(9), time(17)) for day in range(5)],
        closed_dates=[(date(2025, 3, 4), "Stocktaking")],
    )
    # Monday 16:00 Berlin (15:00 UTC) to Wednesday 10:00 Berlin: 1 h + closed Tuesday + 1 h.
    conversation = opened(at=datetime(2025, 3, 3, 15, 0, tzinfo=UTC))
    reply(conversation, agent, at=datetime(2025, 3, 5, 9, 0, tzinfo=UTC))
    query = replace(period(), time_basis="business", calendar_id=office.pk)
    assert first_response_time(query=query).value == 2 * HOUR


def test_business_time_needs_a_calendar() -> None:
    with pytest.raises(ValueError, match="calendar"):
        replace(period(), time_basis="business")


def test_art_averages_the_wait_of_every_answered_customer_message(agent: User) -> None:
    conversation = opened(at=T0)
    with suppressed():
        message_receive(
            conversation=conversation, body_text="Hello?", at=T0 + timedelta(minutes=30)
        )
    reply(conversation, agent, at=T0 + timedelta(hours=1))  # answers 60 and 30 min waits
    with suppressed():
        message_receive(conversation=conversation, body_text="Thanks", at=T0 + timedelta(hours=2))
    reply(conversation, agent, at=T0 + timedelta(hours=2, minutes=15))  # 15 min
    with suppressed():
        message_receive(conversation=conversation, body_text="One more", at=T0 + timedelta(hours=3))
    result = average_reply_time(query=period())  # the last message is unanswered: no sample
    assert (result.value, result.sample_size) == ((60 + 30 + 15) * MINUTE / 3, 3)


def test_resolution_time_of_a_reopened_conversation_runs_to_its_last_solve(agent: User) -> None:
    conversation = opened(at=T0)
    reply(conversation, agent, at=T0 + timedelta(hours=1), status="solved")
    with suppressed():
        message_receive(
            conversation=conversation, body_text="Still broken", at=T0 + timedelta(hours=2)
        )
    still_open = opened(at=T0)
    reply(still_open, agent, at=T0 + timedelta(hours=1), status="solved")
    with suppressed():
        message_receive(conversation=still_open, body_text="Not fixed", at=T0 + timedelta(hours=2))
    set_status(conversation, agent, status="solved", at=T0 + timedelta(hours=4))
    result = resolution_time(query=period())
    assert (result.value, result.sample_size) == (4 * HOUR, 1)


def test_a_merged_conversation_counts_once_with_the_moved_messages(agent: User) -> None:
    source = opened(at=T0, email="dana@example.net")
    target = opened(at=T0 + timedelta(minutes=30), email="dana@example.net")
    with suppressed():
        conversation_merge(source=source, target=target, actor=agent, at=T0 + timedelta(hours=1))
    reply(target, agent, at=T0 + timedelta(hours=2))
    result = first_response_time(query=period())
    # The target now holds the source's 09:00 message, so the customer waited 2 h.
    assert (result.value, result.sample_size) == (2 * HOUR, 1)


def test_frt_cut_by_channel_team_and_tag(agent: User, support: object) -> None:
    chat = opened(at=T0, channel="chat", tags=["vip"])
    mail = opened(at=T0, channel="email")
    reply(chat, agent, at=T0 + timedelta(minutes=1))
    reply(mail, agent, at=T0 + timedelta(hours=1))
    assert first_response_time(query=period(channel="chat")).value == MINUTE
    assert first_response_time(query=period(tag="vip")).value == MINUTE
    assert first_response_time(query=period(agent_id=agent.pk)).sample_size == 2
    assert first_response_time(query=period(channel="sms")).sample_size == 0


def test_frt_week_buckets(agent: User) -> None:
    for week, minutes in [(0, 10), (0, 20), (1, 60)]:
        conversation = opened(at=T0 + timedelta(weeks=week))
        reply(conversation, agent, at=T0 + timedelta(weeks=week, minutes=minutes))
    result = first_response_time(query=period(days=14, bucket="week"))
    assert [(p.result.value, p.result.sample_size) for p in result.series] == [
        (15 * MINUTE, 2),
        (60 * MINUTE, 1),
    ]


def test_within_seconds_answers_the_share_of_samples_at_most_that_long(agent: User) -> None:
    # "Share of chat conversations with FRT <= 60 s": 3 of 4 chats, emails left out.
    for seconds in [30, 60, 59, 61]:
        conversation = opened(at=T0, channel="chat")
        reply(conversation, agent, at=T0 + timedelta(seconds=seconds))
    slow_email = opened(at=T0)
    reply(slow_email, agent, at=T0 + timedelta(seconds=10))
    result = first_response_time(query=replace(period(channel="chat"), within_seconds=60))
    assert (result.value, result.unit, result.sample_size) == (75.0, "%", 4)
    assert result.mean == pytest.approx(52.5)


def test_within_seconds_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="within_seconds"):
        replace(period(), within_seconds=-1)
