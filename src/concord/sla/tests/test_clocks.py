"""Due times from the event log: business and calendar time, cycles, pauses, reopen."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from concord.accounts.models import Team, User
from concord.calendars.models import Calendar
from concord.calendars.services import calendar_create
from concord.conversations.services import (
    conversation_assign,
    conversation_note,
    conversation_reply,
    conversation_set_priority,
    conversation_set_status,
    message_receive,
)
from concord.sla.models import SlaState, SlaTarget
from concord.sla.services import sla_policy_create, sla_refresh, sla_sweep
from concord.sla.tests.conftest import FRIDAY_16, HOUR, MONDAY_08, Opener

pytestmark = pytest.mark.django_db


def _target(conversation_id: int, target: str, cycle: int = 0) -> SlaTarget:
    return SlaTarget.objects.get(conversation_id=conversation_id, target=target, cycle=cycle)


def test_first_response_in_business_hours_runs_over_the_weekend(
    hours: Calendar, open_conversation: Opener
) -> None:
    sla_policy_create(name="Standard", first_response_seconds=4 * HOUR, calendar=hours)
    conversation = open_conversation()  # Friday 16:00: two business hours left that day

    sla_refresh(conversation_id=conversation.pk, now=FRIDAY_16)

    first = _target(conversation.pk, "first_response")
    assert first.started_at == FRIDAY_16
    assert first.due_at == MONDAY_08 + timedelta(hours=2)  # Monday 10:00 Berlin
    assert SlaState.objects.get(pk=conversation.pk).next_due_at == first.due_at


def test_calendar_time_ignores_business_hours(hours: Calendar, open_conversation: Opener) -> None:
    sla_policy_create(
        name="Around the clock",
        first_response_seconds=4 * HOUR,
        business_hours=False,
        calendar=hours,
    )
    conversation = open_conversation()
    sla_refresh(conversation_id=conversation.pk, now=FRIDAY_16)
    assert _target(conversation.pk, "first_response").due_at == FRIDAY_16 + timedelta(hours=4)


def test_the_team_calendar_applies_when_the_policy_has_none(
    hours: Calendar, support: Team, open_conversation: Opener
) -> None:
    support.calendar = hours
    support.save(update_fields=["calendar"])
    sla_policy_create(name="Standard", first_response_seconds=4 * HOUR)
    with_team = open_conversation(team=support)
    without_team = open_conversation()

    sla_refresh(conversation_id=with_team.pk, now=FRIDAY_16)
    sla_refresh(conversation_id=without_team.pk, now=FRIDAY_16)

    assert _target(with_team.pk, "first_response").due_at == MONDAY_08 + timedelta(hours=2)
    # No calendar anywhere: calendar time.
    assert _target(without_team.pk, "first_response").due_at == FRIDAY_16 + timedelta(hours=4)


def test_the_policy_calendar_wins_over_the_team_calendar(
    hours: Calendar, support: Team, open_conversation: Opener
) -> None:
    # Open around the clock: if it were used, the due time would be Friday 20:00.
    support.calendar = calendar_create(
        name="Always", time_zone="UTC", intervals=[(day, time(0), time(0)) for day in range(7)]
    )
    support.save(update_fields=["calendar"])
    sla_policy_create(name="Standard", first_response_seconds=4 * HOUR, calendar=hours)
    conversation = open_conversation(team=support)
    sla_refresh(conversation_id=conversation.pk, now=FRIDAY_16)
    assert _target(conversation.pk, "first_response").due_at == MONDAY_08 + timedelta(hours=2)


def test_a_public_reply_meets_the_first_response_and_a_note_does_not(
    hours: Calendar, open_conversation: Opener, agent: User
) -> None:
    sla_policy_create(name="Standard", first_response_seconds=4 * HOUR, calendar=hours)
    conversation = open_conversation()
    conversation_note(
        conversation=conversation,
        actor=agent,
        body_text="Looking",
        at=FRIDAY_16 + timedelta(minutes=5),
    )
    sla_refresh(conversation_id=conversation.pk, now=FRIDAY_16 + timedelta(minutes=5))
    assert _target(conversation.pk, "first_response").achieved_at is None

    replied = FRIDAY_16 + timedelta(minutes=30)
    conversation_reply(conversation=conversation, actor=agent, body_text="On it", at=replied)
    sla_refresh(conversation_id=conversation.pk, now=replied)

    first = _target(conversation.pk, "first_response")
    assert first.achieved_at == replied
    assert first.breached_at is None
    assert SlaState.objects.get(pk=conversation.pk).next_due_at is None


def test_next_reply_cycles_start_on_customer_messages_after_a_reply(
    open_conversation: Opener, agent: User
) -> None:
    sla_policy_create(
        name="Standard",
        first_response_seconds=HOUR,
        next_reply_seconds=2 * HOUR,
        business_hours=False,
    )
    conversation = open_conversation()
    t = FRIDAY_16
    conversation_reply(
        conversation=conversation, actor=agent, body_text="Hi", at=t + timedelta(minutes=10)
    )
    message_receive(conversation=conversation, body_text="Still broken", at=t + timedelta(hours=1))
    message_receive(conversation=conversation, body_text="Hello?", at=t + timedelta(hours=2))
    message_receive(
        conversation=conversation,
        body_text="Out of office",
        automatic=True,
        at=t + timedelta(hours=3),
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=2))

    cycles = SlaTarget.objects.filter(conversation=conversation, target="next_reply")
    assert [(c.cycle, c.started_at, c.due_at) for c in cycles] == [
        (1, t + timedelta(hours=1), t + timedelta(hours=3))  # the second message joins cycle 1
    ]

    conversation_reply(
        conversation=conversation,
        actor=agent,
        body_text="Fixed",
        at=t + timedelta(hours=2, minutes=30),
    )
    message_receive(
        conversation=conversation, body_text="Thanks, one more", at=t + timedelta(hours=4)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=4))

    one, two = SlaTarget.objects.filter(conversation=conversation, target="next_reply").order_by(
        "cycle"
    )
    assert (one.achieved_at, one.breached_at) == (t + timedelta(hours=2, minutes=30), None)
    assert (two.cycle, two.started_at, two.due_at, two.achieved_at) == (
        2,
        t + timedelta(hours=4),
        t + timedelta(hours=6),
        None,
    )


def test_pending_pauses_the_clock_when_the_policy_says_so(
    open_conversation: Opener, agent: User
) -> None:
    sla_policy_create(
        name="Standard", resolution_seconds=8 * HOUR, business_hours=False, pause_on_pending=True
    )
    conversation = open_conversation()
    t = FRIDAY_16
    conversation_set_status(
        conversation=conversation, actor=agent, status="pending", at=t + timedelta(hours=1)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=2))
    resolution = _target(conversation.pk, "resolution")
    assert resolution.due_at is None  # paused: no due time
    assert SlaState.objects.get(pk=conversation.pk).next_due_at is None

    # The customer answers five hours later: seven hours remain from then.
    message_receive(conversation=conversation, body_text="Here you go", at=t + timedelta(hours=6))
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=6))
    assert _target(conversation.pk, "resolution").due_at == t + timedelta(hours=13)


@pytest.mark.parametrize("status", ["pending", "on_hold"])
def test_waiting_before_any_reply_never_pauses_the_first_response(
    open_conversation: Opener, agent: User, status: str
) -> None:
    # The policy pauses on both, which still counts for the other targets.
    sla_policy_create(
        name="Standard",
        first_response_seconds=4 * HOUR,
        resolution_seconds=8 * HOUR,
        business_hours=False,
        pause_on_pending=True,
        pause_on_hold=True,
    )
    conversation = open_conversation()
    t = FRIDAY_16
    conversation_set_status(
        conversation=conversation, actor=agent, status=status, at=t + timedelta(hours=1)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=5))

    first = _target(conversation.pk, "first_response")
    assert first.due_at == t + timedelta(hours=4)
    assert first.breached_at is not None  # due at 20:00, nobody answered by 21:00
    assert _target(conversation.pk, "resolution").due_at is None  # paused, as the policy says


def test_pausing_and_resuming_many_times_does_not_move_the_due_time(
    hours: Calendar, open_conversation: Opener, agent: User
) -> None:
    """Ten stretches on hold of 0.7 s each, in business hours: exactly 7 s later, not 9.4 s."""
    sla_policy_create(
        name="Standard", resolution_seconds=4 * HOUR, calendar=hours, pause_on_hold=True
    )
    start = MONDAY_08 + timedelta(hours=1, microseconds=400_000)  # Monday 09:00:00.4 Berlin
    conversation = open_conversation(at=start)
    at = start
    for _ in range(10):
        at += timedelta(seconds=1, microseconds=300_000)
        conversation_set_status(conversation=conversation, actor=agent, status="on_hold", at=at)
        at += timedelta(microseconds=700_000)
        conversation_set_status(conversation=conversation, actor=agent, status="open", at=at)
    sla_refresh(conversation_id=conversation.pk, now=at)

    assert _target(conversation.pk, "resolution").due_at == start + timedelta(hours=4, seconds=7)


def test_a_met_target_keeps_the_due_time_it_had_when_it_was_met(
    open_conversation: Opener, agent: User
) -> None:
    sla_policy_create(
        name="Standard",
        next_reply_seconds=4 * HOUR,
        resolution_seconds=8 * HOUR,
        business_hours=False,
        pause_on_pending=True,
    )
    t = FRIDAY_16
    conversation = open_conversation(at=t)
    conversation_reply(conversation=conversation, actor=agent, body_text="Hi", at=t)
    message_receive(conversation=conversation, body_text="Still broken", at=t + timedelta(hours=1))
    # The answer and "waiting on the customer" in the same instant.
    answered = t + timedelta(hours=2)
    conversation_reply(conversation=conversation, actor=agent, body_text="Try this", at=answered)
    conversation_set_status(conversation=conversation, actor=agent, status="pending", at=answered)
    # Solved next day, then a long pause that must not move anything back.
    message_receive(conversation=conversation, body_text="Works", at=t + timedelta(hours=3))
    solved = t + timedelta(hours=5)
    conversation_set_status(conversation=conversation, actor=agent, status="solved", at=solved)
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(days=3))

    cycle = _target(conversation.pk, "next_reply", cycle=1)
    assert cycle.achieved_at == answered
    assert cycle.due_at == t + timedelta(hours=5)  # 4 h from the customer's message
    resolution = _target(conversation.pk, "resolution")
    assert resolution.achieved_at == solved
    # Eight running hours from creation; the hour pending (2 h → 3 h) did not run.
    assert resolution.due_at == t + timedelta(hours=9)


def test_on_hold_pauses_only_with_its_own_flag(open_conversation: Opener, agent: User) -> None:
    policy = sla_policy_create(
        name="Standard", resolution_seconds=8 * HOUR, business_hours=False, pause_on_hold=False
    )
    conversation = open_conversation()
    t = FRIDAY_16
    conversation_set_status(
        conversation=conversation, actor=agent, status="on_hold", at=t + timedelta(hours=1)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=2))
    assert _target(conversation.pk, "resolution").due_at == t + timedelta(hours=8)

    policy.pause_on_hold = True
    policy.save()
    conversation_set_status(
        conversation=conversation, actor=agent, status="open", at=t + timedelta(hours=3)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=3))
    # The two hours on hold no longer count.
    assert _target(conversation.pk, "resolution").due_at == t + timedelta(hours=10)


def test_a_reopen_continues_the_resolution_clock(open_conversation: Opener, agent: User) -> None:
    sla_policy_create(name="Standard", resolution_seconds=8 * HOUR, business_hours=False)
    conversation = open_conversation()
    t = FRIDAY_16
    conversation_reply(
        conversation=conversation,
        actor=agent,
        body_text="Done",
        status="solved",
        at=t + timedelta(hours=2),
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=2))
    assert _target(conversation.pk, "resolution").achieved_at == t + timedelta(hours=2)

    message_receive(
        conversation=conversation, body_text="It broke again", at=t + timedelta(hours=20)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=20))

    resolution = _target(conversation.pk, "resolution")
    assert resolution.achieved_at is None
    # Two hours used before solving, none while solved: six hours from the reopen.
    assert resolution.due_at == t + timedelta(hours=26)
    assert SlaTarget.objects.filter(conversation=conversation, target="resolution").count() == 1


def test_a_breach_stays_a_breach_of_the_target_as_it_was_after_a_priority_change(
    open_conversation: Opener, agent: User
) -> None:
    sla_policy_create(
        name="Urgent",
        position=1,
        priorities=["urgent"],
        first_response_seconds=HOUR,
        business_hours=False,
    )
    sla_policy_create(
        name="Standard", position=2, first_response_seconds=24 * HOUR, business_hours=False
    )
    t = FRIDAY_16
    conversation = open_conversation(priority="urgent", at=t)
    sla_refresh(conversation_id=conversation.pk, now=t)
    sla_sweep(now=t + timedelta(hours=2))
    conversation_set_priority(
        conversation=conversation, actor=agent, priority="normal", at=t + timedelta(hours=3)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=3))

    first = _target(conversation.pk, "first_response")
    # Not "breached, due tomorrow": the miss of the urgent target, when it happened.
    assert str(first.policy) == "Urgent"
    assert first.due_at == t + timedelta(hours=1)
    assert first.breached_at is not None
    # A late answer is still recorded on it.
    conversation_reply(
        conversation=conversation, actor=agent, body_text="Hi", at=t + timedelta(hours=4)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=4))
    assert _target(conversation.pk, "first_response").achieved_at == t + timedelta(hours=4)


def test_a_policy_change_rebases_open_targets_but_not_met_ones(
    open_conversation: Opener, agent: User
) -> None:
    sla_policy_create(
        name="Urgent",
        position=1,
        priorities=["urgent"],
        first_response_seconds=HOUR,
        resolution_seconds=4 * HOUR,
        business_hours=False,
    )
    sla_policy_create(
        name="Standard",
        position=2,
        first_response_seconds=8 * HOUR,
        resolution_seconds=24 * HOUR,
        business_hours=False,
    )
    conversation = open_conversation()
    t = FRIDAY_16
    conversation_reply(
        conversation=conversation, actor=agent, body_text="Hi", at=t + timedelta(hours=2)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=2))
    conversation_set_priority(
        conversation=conversation, actor=agent, priority="urgent", at=t + timedelta(hours=3)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=3))

    first = _target(conversation.pk, "first_response")
    resolution = _target(conversation.pk, "resolution")
    assert (str(first.policy), first.breached_at) == ("Standard", None)  # met in time, settled
    assert str(resolution.policy) == "Urgent"
    assert resolution.due_at == t + timedelta(hours=4)
    assert str(SlaState.objects.get(pk=conversation.pk).policy) == "Urgent"


def test_a_breach_keeps_its_due_time_when_the_new_policy_has_no_such_target(
    open_conversation: Opener, agent: User
) -> None:
    # Found by the priority property test: the miss lost its due time, so the
    # reports moved it from the day it happened to the day it was noticed.
    sla_policy_create(
        name="Urgent",
        position=1,
        priorities=["urgent"],
        first_response_seconds=HOUR,
        business_hours=False,
    )
    sla_policy_create(
        name="Standard", position=2, resolution_seconds=24 * HOUR, business_hours=False
    )
    t = FRIDAY_16
    conversation = open_conversation(priority="urgent", at=t)
    sla_refresh(conversation_id=conversation.pk, now=t)
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=2))
    conversation_set_priority(
        conversation=conversation, actor=agent, priority="normal", at=t + timedelta(hours=3)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=3))
    first = _target(conversation.pk, "first_response")
    assert (str(first.policy), first.budget_seconds) == ("Urgent", HOUR)
    assert first.due_at == t + timedelta(hours=1)
    assert first.breached_at == t + timedelta(hours=2)


def test_a_reply_given_while_no_such_target_applied_is_not_a_breach_later(
    open_conversation: Opener, agent: User
) -> None:
    # Also from the property test: raising the priority created a next-reply
    # target for an exchange long answered, and fired a breach for it.
    sla_policy_create(
        name="Urgent",
        position=1,
        priorities=["urgent"],
        next_reply_seconds=HOUR,
        business_hours=False,
    )
    sla_policy_create(
        name="Standard", position=2, resolution_seconds=24 * HOUR, business_hours=False
    )
    t = FRIDAY_16
    conversation = open_conversation(at=t)
    sla_refresh(conversation_id=conversation.pk, now=t)
    for at, step in (
        (t + timedelta(minutes=10), "reply"),
        (t + timedelta(hours=1), "message"),
        (t + timedelta(hours=3), "reply"),
    ):
        if step == "reply":
            conversation_reply(conversation=conversation, actor=agent, body_text="Hi", at=at)
        else:
            message_receive(conversation=conversation, body_text="Still?", at=at)
        sla_refresh(conversation_id=conversation.pk, now=at)
    conversation_set_priority(
        conversation=conversation, actor=agent, priority="urgent", at=t + timedelta(hours=4)
    )
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=4))
    assert not SlaTarget.objects.filter(conversation=conversation, target="next_reply").exists()
    assert not conversation.events.filter(kind="sla_breached").exists()
    # A new exchange is judged by the policy that applies now.
    message_receive(conversation=conversation, body_text="Again", at=t + timedelta(hours=5))
    sla_refresh(conversation_id=conversation.pk, now=t + timedelta(hours=5))
    cycle = SlaTarget.objects.get(conversation=conversation, target="next_reply")
    assert (cycle.cycle, cycle.due_at) == (2, t + timedelta(hours=6))


def test_no_matching_policy_leaves_no_clocks(
    open_conversation: Opener, support: Team, agent: User
) -> None:
    sla_policy_create(name="Billing only", first_response_seconds=HOUR, priorities=["urgent"])
    conversation = open_conversation()
    sla_refresh(conversation_id=conversation.pk, now=FRIDAY_16)
    assert not SlaTarget.objects.filter(conversation=conversation).exists()
    # A team change that makes no policy match drops the unmet clocks again.
    conversation_set_priority(
        conversation=conversation, actor=agent, priority="urgent", at=FRIDAY_16
    )
    sla_refresh(conversation_id=conversation.pk, now=FRIDAY_16)
    assert SlaTarget.objects.filter(conversation=conversation).count() == 1
    conversation_set_priority(conversation=conversation, actor=agent, priority="low", at=FRIDAY_16)
    sla_refresh(conversation_id=conversation.pk, now=FRIDAY_16)
    assert not SlaTarget.objects.filter(conversation=conversation).exists()
    conversation_assign(conversation=conversation, actor=agent, team=support, at=FRIDAY_16)
    sla_refresh(conversation_id=conversation.pk, now=FRIDAY_16)
    assert SlaState.objects.get(pk=conversation.pk).policy is None
