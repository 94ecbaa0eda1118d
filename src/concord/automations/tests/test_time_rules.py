"""Time rules: once per stay in a status, in calendar or business time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import pytest

from concord.accounts.models import Team, User
from concord.accounts.services import team_set_calendar
from concord.automations.models import Outcome, TimeRuleRun
from concord.automations.services import time_rules_run
from concord.automations.tests.conftest import make_time_rule, make_trigger
from concord.calendars.services import calendar_create
from concord.common.testing.commit import Committing
from concord.conversations.models import Conversation, Status, Visibility
from concord.conversations.services import (
    conversation_assign,
    conversation_set_status,
    message_receive,
)

pytestmark = pytest.mark.django_db

Open = Callable[..., Conversation]
DAY = 86400


def _pending(conversation: Conversation, agent: User, at: datetime) -> None:
    conversation_set_status(conversation=conversation, actor=agent, status="pending", at=at)


def _reminders(conversation: Conversation) -> int:
    return conversation.messages.filter(direction="outbound", visibility=Visibility.PUBLIC).count()


def test_remind_after_three_days_and_solve_after_seven(
    open_conversation: Open, agent: User, committed: Committing
) -> None:
    make_time_rule(
        name="Remind",
        status="pending",
        after_seconds=3 * DAY,
        actions=[("send_email", "", "Hello {{ customer.name }}, do you still need help?")],
    )
    make_time_rule(
        name="Solve",
        status="pending",
        after_seconds=7 * DAY,
        actions=[("set_status", "solved", "")],
    )
    start = datetime.now(UTC) - timedelta(days=10)
    conversation = open_conversation(at=start)
    with committed():
        _pending(conversation, agent, start + timedelta(hours=1))

    day4 = start + timedelta(days=4, hours=2)
    with committed():
        assert time_rules_run(now=day4) == 1
        assert time_rules_run(now=day4 + timedelta(hours=1)) == 0  # the sweep again: nothing
    conversation.refresh_from_db()
    assert _reminders(conversation) == 1
    assert conversation.status == Status.PENDING  # a reminder does not change the status

    day8 = start + timedelta(days=8, hours=2)
    with committed():
        assert time_rules_run(now=day8) == 1
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED
    assert _reminders(conversation) == 1
    assert TimeRuleRun.objects.filter(outcome=Outcome.FIRED).count() == 2


def test_a_new_stay_in_the_status_is_measured_from_its_start(
    open_conversation: Open, agent: User, committed: Committing
) -> None:
    make_time_rule(
        name="Nudge", status="pending", after_seconds=DAY, actions=[("add_note", "", "Nudge")]
    )
    start = datetime.now(UTC) - timedelta(days=5)
    conversation = open_conversation(at=start)
    with committed():
        _pending(conversation, agent, start + timedelta(hours=1))
    with committed():
        assert time_rules_run(now=start + timedelta(days=2)) == 1
        # The customer answers (pending -> open), the agent asks again (-> pending).
        message_receive(
            conversation=conversation, body_text="Here it is", at=start + timedelta(days=2, hours=1)
        )
        _pending(conversation, agent, start + timedelta(days=2, hours=2))
        assert time_rules_run(now=start + timedelta(days=2, hours=12)) == 0
        assert time_rules_run(now=start + timedelta(days=3, hours=3)) == 1
    assert conversation.messages.filter(visibility=Visibility.INTERNAL).count() == 2


def test_business_hours_skip_the_weekend(
    open_conversation: Open, agent: User, support: Team, committed: Committing
) -> None:
    calendar = calendar_create(
        name="Office",
        time_zone="Europe/Berlin",
        intervals=[(day, time(9), time(17)) for day in range(5)],
    )
    team_set_calendar(team=support, calendar=calendar)
    make_time_rule(
        name="Chase",
        status="pending",
        after_seconds=3 * 3600,
        business_hours=True,
        actions=[("add_tags", "chased", "")],
    )
    # Friday 2026-11-13 15:00 Berlin (14:00 UTC): two business hours left that day.
    friday = datetime(2026, 11, 13, 14, 0, tzinfo=UTC)
    conversation = open_conversation(at=friday - timedelta(hours=1))
    conversation_assign(conversation=conversation, actor=agent, team=support)
    with committed():
        _pending(conversation, agent, friday)
    monday_0930 = datetime(2026, 11, 16, 8, 30, tzinfo=UTC)  # 2.5 business hours waited
    monday_1015 = datetime(2026, 11, 16, 9, 15, tzinfo=UTC)  # 3.25 business hours
    with committed():
        assert time_rules_run(now=monday_0930) == 0
        assert time_rules_run(now=monday_1015) == 1
    assert [t.name for t in conversation.tags.all()] == ["chased"]


def test_conditions_narrow_a_time_rule(
    open_conversation: Open, agent: User, committed: Committing
) -> None:
    make_time_rule(
        name="Urgent only",
        status="pending",
        after_seconds=3600,
        conditions=[("priority", "is", "urgent")],
        actions=[("add_tags", "stale-urgent", "")],
    )
    start = datetime.now(UTC) - timedelta(days=1)
    normal = open_conversation(at=start)
    urgent = open_conversation(at=start, priority="urgent", identity_value="eve@example.com")
    with committed():
        _pending(normal, agent, start + timedelta(minutes=5))
        _pending(urgent, agent, start + timedelta(minutes=5))
        assert time_rules_run() == 1
    assert not normal.tags.exists()
    assert [t.name for t in urgent.tags.all()] == ["stale-urgent"]


def test_a_time_rule_undone_by_a_trigger_stops_after_three_firings_a_day(
    open_conversation: Open, agent: User, committed: Committing, caplog: pytest.LogCaptureFixture
) -> None:
    make_time_rule(
        name="Wake up", status="pending", after_seconds=3600, actions=[("set_status", "open", "")]
    )
    make_trigger(
        name="Park again",
        events=["status_changed"],
        conditions=[("new_value", "is", "open")],
        actions=[("set_status", "pending", "")],
    )
    conversation = open_conversation()
    with committed():
        conversation_set_status(conversation=conversation, actor=agent, status="pending")
    start = datetime.now(UTC)
    fired = []
    with caplog.at_level(logging.WARNING, logger="concord.automations"):
        for hour in range(2, 12, 2):
            with committed():
                fired.append(time_rules_run(now=start + timedelta(hours=hour)))
    assert fired == [1, 1, 1, 0, 0]
    assert TimeRuleRun.objects.filter(outcome=Outcome.LOOP_GUARD).count() == 1
    assert any("Loop guard: time rule" in r.getMessage() for r in caplog.records)
