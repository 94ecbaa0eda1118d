"""FCR, reopen and escalation rates, SLA attainment, backlog, volume and churn."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from concord.accounts.models import Team, User
from concord.automations.context import suppressed
from concord.conversations.services import (
    conversation_assign,
    conversation_merge,
    conversation_tag,
    message_receive,
)
from concord.customers.services import customer_create, customer_update
from concord.metrics.selectors import (
    UnsupportedCut,
    backlog,
    churn_rate,
    escalation_rate,
    first_contact_resolution,
    reopen_rate,
    sla_first_response,
    sla_resolution,
    volume,
)
from concord.metrics.tests.helpers import T0, opened, period, reply, set_status
from concord.sla.services import sla_policy_create, sla_refresh

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def test_fcr_and_reopen_rate(agent: User) -> None:
    one_reply = opened()
    reply(one_reply, agent, at=T0 + H, status="solved")
    two_replies = opened()
    reply(two_replies, agent, at=T0 + H)
    reply(two_replies, agent, at=T0 + 2 * H, status="solved")
    reopened = opened()
    reply(reopened, agent, at=T0 + H, status="solved")
    with suppressed():
        message_receive(conversation=reopened, body_text="It broke again", at=T0 + 2 * H)
    set_status(reopened, agent, status="solved", at=T0 + 3 * H)
    still_open = opened()
    reply(still_open, agent, at=T0 + H)
    query = replace(period(), min_samples=1)
    fcr = first_contact_resolution(query=query)
    assert fcr.value == pytest.approx(100 / 3)
    assert fcr.sample_size == 3
    reopen = reopen_rate(query=query)
    assert reopen.value == pytest.approx(100 / 3)
    assert reopen.sample_size == 3
    assert first_contact_resolution(query=period()).note == "too few samples (3 < 5)"


def test_automation_replies_do_not_break_first_contact_resolution(agent: User) -> None:
    from concord.accounts.services import system_user_get

    conversation = opened()
    reply(conversation, system_user_get(), at=T0 + H)
    reply(conversation, agent, at=T0 + 2 * H, status="solved")
    assert first_contact_resolution(query=replace(period(), min_samples=1)).value == 100.0


def test_escalation_is_a_move_to_a_department_team_or_the_escalated_tag(
    agent: User, support: Team, billing: Team
) -> None:
    moved = opened(team=support)
    with suppressed():
        conversation_assign(conversation=moved, actor=agent, team=billing, at=T0 + H)
    tagged = opened()
    with suppressed():
        conversation_tag(conversation=tagged, actor=agent, tags=["escalated"], at=T0 + H)
    opened(team=billing)  # routed straight to the department: not an escalation
    opened(team=support)
    result = escalation_rate(query=replace(period(), min_samples=1))
    assert (result.value, result.sample_size) == (50.0, 4)


def test_sla_attainment_from_the_targets(agent: User) -> None:
    sla_policy_create(
        name="Standard",
        first_response_seconds=3600,
        resolution_seconds=4 * 3600,
        business_hours=False,
    )
    fast, slow = opened(), opened()
    reply(fast, agent, at=T0 + timedelta(minutes=30), status="solved")
    reply(slow, agent, at=T0 + 2 * H)
    unanswered = opened(at=T0 + timedelta(days=6, hours=14))  # due after the period ends
    for conversation in (fast, slow, unanswered):
        sla_refresh(conversation_id=conversation.pk, now=T0 + timedelta(days=6, hours=14))
    query = replace(period(), min_samples=1)
    first = sla_first_response(query=query)
    assert (first.value, first.sample_size) == (50.0, 2)
    # fast was solved in time; slow was not solved within 4 h; unanswered is still running.
    resolution = sla_resolution(query=query)
    assert (resolution.value, resolution.sample_size) == (50.0, 2)


def test_backlog_is_what_was_unsolved_at_the_end(agent: User) -> None:
    end = period().end
    opened()  # open at the end
    solved_before = opened()
    reply(solved_before, agent, at=T0 + H, status="solved")
    solved_after = opened()
    reply(solved_after, agent, at=end + H, status="solved")
    opened(at=end + H)  # did not exist yet
    reopened = opened()
    reply(reopened, agent, at=T0 + H, status="solved")
    with suppressed():
        message_receive(conversation=reopened, body_text="Again", at=T0 + 2 * H)
    result = backlog(query=period())
    assert (result.value, result.enough) == (3.0, True)
    daily = backlog(query=period(days=2, bucket="day"))
    assert [p.result.value for p in daily.series] == [3.0, 3.0]


def test_volume_by_channel_and_day_with_a_merge_counted_once(agent: User) -> None:
    source = opened(channel="email", email="dana@example.net")
    target = opened(channel="email", email="dana@example.net")
    with suppressed():
        conversation_merge(source=source, target=target, actor=agent, at=T0 + H)
    opened(channel="chat", at=T0 + timedelta(days=1))
    opened(channel="chat", at=T0 + timedelta(days=1))
    result = volume(query=period(days=2, bucket="day"))
    assert result.value == 3.0
    assert dict(result.breakdown) == {"chat": 2.0, "email": 1.0}
    assert [p.result.value for p in result.series] == [1.0, 2.0]


def test_volume_of_an_empty_period_is_zero_not_missing() -> None:
    assert volume(query=period()).value == 0.0


def test_volume_cut_by_team_and_agent(agent: User, support: Team, billing: Team) -> None:
    mine = opened(team=support)
    reply(mine, agent, at=T0 + H)  # the first replier in the team becomes the assignee
    opened(team=billing)
    assert volume(query=period(team_id=support.pk)).value == 1.0
    assert volume(query=period(agent_id=agent.pk)).value == 1.0
    assert volume(query=period(team_id=billing.pk, agent_id=agent.pk)).value == 0.0


def test_churn_worked_example_start_100_lost_20_is_20_percent() -> None:
    start = period().start
    customers = [customer_create(name=f"c{i}", at=start - timedelta(days=30)) for i in range(100)]
    for customer in customers[:20]:
        customer_update(customer=customer, churned_at=start + timedelta(days=2))
    customer_update(customer=customers[20], churned_at=start + timedelta(days=8))  # later
    late = customer_create(name="new", at=start + H)  # not there at the start
    customer_update(customer=late, churned_at=start + 2 * H)
    result = churn_rate(query=period())
    assert (result.value, result.sample_size) == (20.0, 100)


def test_churn_cannot_be_cut_by_channel() -> None:
    with pytest.raises(UnsupportedCut, match="channel"):
        churn_rate(query=period(channel="chat"))
