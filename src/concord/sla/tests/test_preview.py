"""The policy preview gives what a live conversation gets: same policy, same due times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from concord.accounts.models import Team
from concord.calendars.models import Calendar
from concord.calendars.services import calendar_add_closed_date
from concord.sla.models import SlaTarget
from concord.sla.preview import sla_preview
from concord.sla.services import sla_policy_create, sla_refresh
from concord.sla.tests.conftest import FRIDAY_16, HOUR, MONDAY_08, Opener

pytestmark = pytest.mark.django_db


def test_the_preview_matches_a_live_conversation(
    open_conversation: Opener, hours: Calendar, support: Team
) -> None:
    support.calendar = hours
    support.save(update_fields=["calendar"])
    sla_policy_create(
        name="Urgent",
        priorities=["urgent"],
        first_response_seconds=4 * HOUR,
        next_reply_seconds=8 * HOUR,
        resolution_seconds=26 * HOUR,
        warn_before_seconds=HOUR // 2,
    )
    preview = sla_preview(moment=FRIDAY_16, priority="urgent", channel="email", team=support)
    live = open_conversation(at=FRIDAY_16, priority="urgent", team=support)
    sla_refresh(conversation_id=live.pk, now=FRIDAY_16)
    stored = {
        row.target: row.due_at for row in SlaTarget.objects.filter(conversation=live, cycle=0)
    }
    shown = {due.label: due.due_at for due in preview.dues}
    assert shown["First response"] == stored["first_response"]
    assert shown["Resolution"] == stored["resolution"]
    # Friday 16:00-18:00 is 2 h; Monday 08:00 + 2 h = 10:00 Berlin.
    assert shown["First response"] == MONDAY_08 + timedelta(hours=2)
    assert shown["Next reply"] == MONDAY_08 + timedelta(hours=6)
    assert preview.dues[0].warn_at == MONDAY_08 + timedelta(hours=1, minutes=30)
    assert preview.zone == "Europe/Berlin"
    days = {d.day: d for d in preview.days}
    assert days[date(2026, 3, 7)].open_from_to == []  # Saturday
    assert [(a.hour, b.hour) for a, b in days[date(2026, 3, 6)].open_from_to] == [(16, 18)]


def test_a_closed_day_is_named_in_the_working_days(hours: Calendar) -> None:
    calendar_add_closed_date(calendar=hours, day=date(2026, 3, 9), label="Inventory")
    sla_policy_create(name="Standard", first_response_seconds=4 * HOUR, calendar=hours)
    preview = sla_preview(moment=FRIDAY_16, priority="normal", channel="email")
    monday = next(d for d in preview.days if d.day == date(2026, 3, 9))
    assert monday.open_from_to == []
    assert monday.closed_because == "closed date"
    assert preview.dues[0].due_at == MONDAY_08 + timedelta(days=1, hours=2)
    assert "the policy's calendar “Support hours”" in preview.time_counted


def test_the_preview_says_why_earlier_policies_were_passed_over(support: Team) -> None:
    sla_policy_create(name="Chat", position=0, channels=["chat"], first_response_seconds=60)
    sla_policy_create(name="Billing", position=1, teams=[support], first_response_seconds=60)
    sla_policy_create(name="Rest", position=2, first_response_seconds=HOUR)
    moment = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    preview = sla_preview(moment=moment, priority="normal", channel="email")
    assert preview.policy is not None
    assert preview.policy.name == "Rest"
    assert [(p.name, why) for p, why in preview.passed_over] == [
        ("Chat", "channel is not chat"),
        ("Billing", "team is not Support"),
    ]
    # Business hours, but no calendar on the policy or a team: said, not hidden.
    assert preview.time_counted.startswith("Round the clock: the policy counts business hours")
    assert preview.dues[0].due_at == moment + timedelta(hours=1)
    assert preview.days == []


def test_no_policy_no_due_times() -> None:
    preview = sla_preview(moment=FRIDAY_16, priority="low", channel="chat")
    assert preview.policy is None
    assert preview.dues == []
    assert preview.time_counted.startswith("No policy applies")
