"""ASA and AHT from call records: the DOMAIN worked examples, exclusions, placement and cuts."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest

from concord.accounts.models import Team, User
from concord.automations.context import suppressed
from concord.calendars.services import calendar_create
from concord.channels.phone.models import CallRecord
from concord.channels.phone.tests.helpers import T0, record, record_missed
from concord.conversations.models import Conversation
from concord.conversations.services import (
    conversation_assign,
    conversation_open,
    conversation_set_category,
    conversation_tag,
)
from concord.customers.models import Customer, Organization
from concord.customers.services import customer_create, organization_create
from concord.metrics.selectors import (
    METRICS,
    MetricQuery,
    average_handle_time,
    average_speed_of_answer,
    metric_supports,
)
from concord.metrics.tests.helpers import T0 as MONDAY
from concord.metrics.tests.helpers import opened, period, reply, set_status

pytestmark = pytest.mark.django_db
MINUTE = 60


def _case(customer: Customer, *, team: Team | None = None) -> Conversation:
    """One conversation every call of a test attaches to, so a thousand calls stay quick."""
    with suppressed():
        return conversation_open(
            channel="phone", customer=customer, body_text="Calls about an order.", team=team, at=T0
        )


def _caller(
    phone: str = "+49 30 1234567",
    *,
    organization: Organization | None = None,
    tier: str = "standard",
) -> Customer:
    return customer_create(
        name="Caller", identities=[("phone", phone)], organization=organization, tier=tier
    )


def _answered(
    case: Conversation,
    *,
    at: timedelta,
    wait: float,
    talk: int = 300,
    hold: int = 0,
    wrap_up: int = 0,
    **extra: object,
) -> None:
    queued = T0 + at
    answered = queued + timedelta(seconds=wait)
    record(
        customer_phone=case.customer.identities.get().value,
        conversation_id=case.pk,
        queued_at=queued,
        answered_at=answered,
        ended_at=answered + timedelta(seconds=talk + hold),
        talk_seconds=talk,
        hold_seconds=hold,
        wrap_up_seconds=wrap_up,
        **extra,
    )


def _missed(case: Conversation, *, at: timedelta, wait: float = 600) -> None:
    queued = T0 + at
    record_missed(
        customer_phone=case.customer.identities.get().value,
        conversation_id=case.pk,
        queued_at=queued,
        ended_at=queued + timedelta(seconds=wait),
    )


# ---- worked examples (DOMAIN.md) -----------------------------------------------


def _bulk_answered(case: Conversation, waits: list[int]) -> None:
    """Answered calls as rows, one insert for all.

    Only for the thousand-call example: through the service each call costs a
    dozen milliseconds, and the metric under test reads the rows either way
    (the database's check constraints still hold them to the service's rules).
    """
    rows = []
    for index, wait in enumerate(waits):
        queued = T0 + timedelta(minutes=index * 5)
        answered = queued + timedelta(seconds=wait)
        rows.append(
            CallRecord(
                external_id=f"bulk-{index}",
                direction="inbound",
                customer_phone="+49 30 1234567",
                customer_phone_normalized="+49301234567",
                customer=case.customer,
                conversation=case,
                queued_at=queued,
                answered_at=answered,
                ended_at=answered + timedelta(minutes=5),
                talk_seconds=300,
                created_at=answered,
                updated_at=answered,
            )
        )
    CallRecord.objects.bulk_create(rows)


def test_asa_worked_example_100000_seconds_over_1000_answered_calls_is_100_seconds() -> None:
    case = _case(_caller())
    # 500 calls waited 40 s and 500 waited 160 s: 100,000 s in all.
    _bulk_answered(case, [40 if index % 2 else 160 for index in range(1000)])
    for index in range(20):  # long waits that ended in a hang-up change nothing
        _missed(case, at=timedelta(minutes=index * 7 + 2), wait=900)
    result = average_speed_of_answer(query=period())
    assert (result.value, result.sample_size, result.enough) == (100, 1000, True)
    assert (result.mean, result.median, result.p90) == (100, 100, 160)
    assert result.unit == "seconds"


def test_aht_worked_example_1600_minutes_over_50_calls_is_32_minutes() -> None:
    case = _case(_caller())
    for index in range(50):
        # Talk 10 or 30 min (1,000 min in all), hold 2 min (100), wrap-up 10 min (500).
        talk = (10 if index % 2 else 30) * MINUTE
        _answered(
            case,
            at=timedelta(minutes=index * 45),
            wait=20,
            talk=talk,
            hold=2 * MINUTE,
            wrap_up=10 * MINUTE,
        )
    for index in range(5):
        _missed(case, at=timedelta(hours=index, minutes=7))
    result = average_handle_time(query=period())
    assert (result.value, result.sample_size) == (32 * MINUTE, 50)
    assert result.median == 32 * MINUTE  # 22 and 42 minutes, 25 of each
    assert result.p90 == 42 * MINUTE


# ---- what counts -----------------------------------------------------------------


def test_abandoned_calls_are_in_neither_metric() -> None:
    case = _case(_caller())
    for index in range(3):
        _missed(case, at=timedelta(hours=index))
    for metric in (average_speed_of_answer, average_handle_time):
        result = metric(query=period())
        assert (result.value, result.sample_size, result.note) == (None, 0, "no data")


def test_one_call_is_too_few_samples_but_still_measured() -> None:
    case = _case(_caller())
    _answered(case, at=timedelta(hours=1), wait=30, talk=240, hold=30, wrap_up=60)
    asa = average_speed_of_answer(query=period())
    aht = average_handle_time(query=period())
    assert (asa.value, asa.sample_size, asa.enough) == (30, 1, False)
    assert asa.note == "too few samples (1 < 5)"
    assert (aht.value, aht.enough) == (330, False)


def test_outbound_calls_have_no_speed_of_answer_but_are_handled(agent: User) -> None:
    case = _case(_caller())
    _answered(case, at=timedelta(hours=1), wait=25, talk=600, direction="outbound", agent=agent)
    assert average_speed_of_answer(query=period()).sample_size == 0
    assert average_handle_time(query=period()).value == 600


def test_asa_places_a_call_by_its_answer_and_aht_by_its_end() -> None:
    case = _case(_caller())
    week = period()
    # Queued before the week began, answered in it, ended after it.
    start = week.start - T0
    _answered(case, at=start - timedelta(seconds=50), wait=80, talk=7 * 24 * 3600 - 10)
    assert average_speed_of_answer(query=week).value == 80
    assert average_handle_time(query=week).sample_size == 0
    assert average_handle_time(query=week.previous()).sample_size == 0
    following = replace(week, start=week.end, end=week.end + timedelta(days=7))
    assert average_handle_time(query=following).sample_size == 1


def test_buckets_and_within_seconds() -> None:
    case = _case(_caller())
    for day, waits in enumerate([[10, 20, 90], [200]]):
        for index, wait in enumerate(waits):
            _answered(case, at=timedelta(days=day, minutes=index * 10), wait=wait)
    query = replace(period(), bucket="day")
    result = average_speed_of_answer(query=query)
    assert [b.result.sample_size for b in result.series] == [3, 1, 0, 0, 0, 0, 0]
    assert result.series[0].result.value == 40
    assert result.series[2].result.note == "no data"
    within = average_speed_of_answer(query=replace(query, within_seconds=60))
    assert (within.value, within.unit, within.mean) == (50, "%", 80)


def test_business_time_leaves_a_calls_own_seconds_alone() -> None:
    office = calendar_create(
        name="Office", time_zone="UTC", intervals=[(day, time(9), time(17)) for day in range(5)]
    )
    case = _case(_caller())
    # Answered at 08:59, before the office opens: still a 100 s wait for the caller.
    _answered(case, at=timedelta(minutes=-2, seconds=-40), wait=100)
    query = replace(period(), time_basis="business", calendar_id=office.pk)
    assert average_speed_of_answer(query=query).value == 100


# ---- cuts ------------------------------------------------------------------------


def test_cut_by_agent_and_team(
    agent: User, other_agent: User, support: Team, billing: Team
) -> None:
    case = _case(_caller(), team=billing)
    _answered(case, at=timedelta(hours=1), wait=10, agent=agent, team=support)
    _answered(case, at=timedelta(hours=2), wait=30, agent=other_agent, team=billing)
    # No team on the call: the conversation's team (Billing) answers for it.
    _answered(case, at=timedelta(hours=3), wait=50, agent=other_agent)
    by = average_speed_of_answer
    assert by(query=period(agent_id=agent.pk)).value == 10
    assert by(query=period(agent_id=other_agent.pk)).value == 40
    assert by(query=period(team_id=support.pk)).value == 10
    assert by(query=period(team_id=billing.pk)).value == 40
    assert average_handle_time(query=period(team_id=billing.pk)).sample_size == 2


def test_the_team_of_an_untagged_call_follows_its_conversation(
    agent: User, other_agent: User, support: Team, billing: Team
) -> None:
    case = _case(_caller(), team=support)
    _answered(case, at=timedelta(hours=1), wait=10)
    with suppressed():
        conversation_assign(conversation=case, actor=agent, team=billing)
    assert average_speed_of_answer(query=period(team_id=billing.pk)).value == 10
    assert average_speed_of_answer(query=period(team_id=support.pk)).sample_size == 0


def test_cut_by_channel_only_phone_has_calls() -> None:
    case = _case(_caller())
    _answered(case, at=timedelta(hours=1), wait=10)
    assert average_speed_of_answer(query=period(channel="phone")).value == 10
    for channel in ("email", "chat"):
        assert average_handle_time(query=period(channel=channel)).note == "no data"


def test_cut_by_category_and_tag_of_the_conversation(agent: User) -> None:
    billing_case = _case(_caller("+49 30 1111111"))
    other_case = _case(_caller("+49 30 2222222"))
    with suppressed():
        conversation_set_category(conversation=billing_case, actor=agent, category="billing")
        conversation_tag(conversation=billing_case, actor=agent, tags=["refund"])
    _answered(billing_case, at=timedelta(hours=1), wait=10)
    _answered(other_case, at=timedelta(hours=2), wait=70)
    assert average_speed_of_answer(query=period(category="billing")).value == 10
    assert average_speed_of_answer(query=period(tag="refund")).value == 10
    assert average_speed_of_answer(query=period(tag="nothing")).sample_size == 0


def test_cut_by_customer_tier_and_organization(admin_user: User) -> None:
    vip_org = organization_create(name="Big Co", tier="vip")
    vip_by_org = _case(_caller("+49 30 1111111", organization=vip_org))
    vip_person = _case(_caller("+49 30 2222222", tier="vip"))
    standard = _case(_caller("+49 30 3333333"))
    _answered(vip_by_org, at=timedelta(hours=1), wait=10)
    _answered(vip_person, at=timedelta(hours=2), wait=30)
    _answered(standard, at=timedelta(hours=3), wait=200)
    assert average_speed_of_answer(query=period(customer_tier="vip")).value == 20
    # A standard customer of a VIP organization counts under both tiers, as SLA policies match.
    standard_tier = average_speed_of_answer(query=period(customer_tier="standard"))
    assert (standard_tier.value, standard_tier.sample_size) == (105, 2)
    assert average_speed_of_answer(query=period(organization_id=vip_org.pk)).value == 10


def test_registered_as_timed_metrics_that_honour_every_conversation_cut() -> None:
    case = _case(_caller())
    _answered(case, at=timedelta(hours=1), wait=42, talk=100, wrap_up=20)
    for name, label, value in (
        ("asa", "Average speed of answer", 42),
        ("aht", "Average handle time", 120),
    ):
        metric = METRICS[name]
        assert (metric.label, metric.unit, metric.higher_is_better, metric.timed) == (
            label,
            "seconds",
            False,
            True,
        )
        assert metric(query=period()).value == value
        query = MetricQuery(start=period().start, end=period().end, channel="phone", tag="x")
        assert metric_supports(metric, query)


def test_aht_for_chat_is_the_active_duration_from_first_message_to_end(agent: User) -> None:
    # Began with the customer's message, answered after 2 minutes, ended after 12.
    chat = opened(at=MONDAY, channel="chat")
    reply(chat, agent, at=MONDAY + timedelta(minutes=2))
    reply(chat, agent, at=MONDAY + timedelta(minutes=12), status="solved")
    # Reopened and solved again: the chat ended at its first solve.
    again = opened(at=MONDAY, channel="chat")
    reply(again, agent, at=MONDAY + timedelta(minutes=1), status="solved")
    set_status(again, agent, status="open", at=MONDAY + timedelta(hours=2))
    set_status(again, agent, status="solved", at=MONDAY + timedelta(hours=3))
    # Solved without a reply: never handled. An email is not a chat.
    unanswered = opened(at=MONDAY, channel="chat")
    set_status(unanswered, agent, status="solved", at=MONDAY + timedelta(minutes=5))
    email = opened(at=MONDAY, channel="email")
    reply(email, agent, at=MONDAY + timedelta(minutes=3), status="solved")

    result = average_handle_time(query=period(channel="chat"))
    assert (result.sample_size, result.value) == (2, 390.0)  # (720 + 60) / 2
    assert (result.median, result.p90) == (390.0, 654.0)
    assert average_handle_time(query=period(channel="chat", agent_id=agent.pk)).sample_size == 2
    # Without a channel, AHT is the calls' figure; chats do not mix into it.
    assert average_handle_time(query=period()).note == "no data"
    assert average_speed_of_answer(query=period(channel="chat")).note == "no data"
