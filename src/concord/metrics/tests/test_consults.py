"""Consult rate, time to first consult answer, figures per consulted team, and access to them.

The scene (worked by hand): six conversations opened in Support on Monday
T0 (09:00 UTC). Billing is asked about c1 (answered after 2 h), c2 (after
8 h) and c3 (never; due 2 h after asking, so overdue); Logistics about c1
(answered after 30 min). c5 is moved to Billing: escalated, not consulted.

- consult rate: c1, c2, c3 of 6 → 50 %;
- escalation rate: c1, c2, c3 and c5 of 6 → 66.7 %;
- first answers 30 min, 2 h, 8 h → mean 3.5 h, median 2 h,
  p90 = (2 h · 2 + 8 h · 8) / 10 = 6.8 h;
- Billing: asked 3, answered 2, median (2 h + 8 h) / 2 = 5 h, waiting 1, overdue 1;
  Logistics: asked 1, answered 1, median 30 min, nothing waiting.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from concord.accounts.models import Role, Team, User
from concord.accounts.services import team_set_calendar
from concord.automations.context import suppressed
from concord.calendars.services import calendar_create
from concord.collaboration.models import Consult
from concord.collaboration.services import consult_open, consult_reply
from concord.common.testing import factories
from concord.conversations.models import Conversation
from concord.conversations.services import conversation_assign
from concord.metrics.selectors import (
    METRICS,
    consult_answer_time,
    consult_rate,
    department_figures,
    department_questions,
    escalation_rate,
)
from concord.metrics.selectors.access import department_report_teams
from concord.metrics.tests.helpers import T0, opened, period

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
MINUTE = 60


@pytest.fixture
def logistics(db: None) -> Team:
    return factories.TeamFactory.create(name="Logistics", slug="logistics", kind="department")


@pytest.fixture
def lou(logistics: Team) -> User:
    user = factories.UserFactory.create(username="lou", role=Role.COLLABORATOR)
    logistics.members.add(user)
    return user


def ask(
    conversation: Conversation,
    agent: User,
    team: Team,
    *,
    at: datetime,
    due_at: datetime | None = None,
) -> Consult:
    with suppressed():
        return consult_open(
            conversation=conversation,
            actor=agent,
            team=team,
            question=f"Can {team.name} check #{conversation.pk}?",
            due_at=due_at,
            at=at,
        )


def answer(consult: Consult, who: User, *, at: datetime) -> None:
    with suppressed():
        consult_reply(consult=consult, actor=who, body="Checked.", at=at)


@pytest.fixture
def scene(
    agent: User,
    collaborator: User,
    lou: User,
    support: Team,
    billing: Team,
    logistics: Team,
) -> list[Conversation]:
    c1, c2, c3, c4, c5, c6 = (opened(team=support) for _ in range(6))
    answer(ask(c1, agent, billing, at=T0 + H), collaborator, at=T0 + 3 * H)
    answer(ask(c1, agent, logistics, at=T0 + 2 * H), lou, at=T0 + 2.5 * H)
    answer(ask(c2, agent, billing, at=T0 + H), collaborator, at=T0 + 9 * H)
    unanswered = ask(c3, agent, billing, at=T0 + 2 * H, due_at=T0 + 4 * H)
    answer(unanswered, agent, at=T0 + 3 * H)  # the asker's follow-up is not an answer
    with suppressed():
        conversation_assign(conversation=c5, actor=agent, team=billing, at=T0 + H)
    return [c1, c2, c3, c4, c5, c6]


def test_consult_rate_and_escalation_rate_count_consulted_conversations(
    scene: list[Conversation],
) -> None:
    query = period()
    rate = consult_rate(query=query)
    assert (rate.value, rate.sample_size, rate.enough) == (50.0, 6, True)
    escalation = escalation_rate(query=query)
    assert escalation.value == pytest.approx(400 / 6)
    assert escalation.sample_size == 6


def test_consult_rate_per_day_and_cut_by_channel(scene: list[Conversation]) -> None:
    daily = consult_rate(query=replace(period(), bucket="day", min_samples=1))
    assert [b.result.value for b in daily.series] == [50.0] + [None] * 6
    assert consult_rate(query=replace(period(), channel="chat")).note == "no data"


def test_time_to_first_consult_answer(scene: list[Conversation]) -> None:
    result = consult_answer_time(query=period())
    assert (result.sample_size, result.enough) == (3, False)  # 3 < 5: shown as a note
    assert result.mean == pytest.approx(3.5 * 3600)
    assert result.median == 2 * 3600
    assert result.p90 == pytest.approx(6.8 * 3600)
    assert METRICS["consult_answer_time"].timed


def test_the_answer_counts_in_the_period_it_came_in(scene: list[Conversation]) -> None:
    # The week before holds none of the answers; a period ending at T0 + 4 h holds two.
    before = replace(period(), start=T0 - timedelta(days=7), end=T0)
    assert consult_answer_time(query=before).sample_size == 0
    morning = replace(period(), end=T0 + 4 * H)
    assert consult_answer_time(query=morning).sample_size == 2


def test_first_answer_in_the_business_hours_of_the_consulted_team(
    agent: User, collaborator: User, lou: User, billing: Team, logistics: Team
) -> None:
    office = calendar_create(
        name="Billing office", time_zone="UTC", intervals=[(d, time(9), time(17)) for d in range(5)]
    )
    long_day = calendar_create(
        name="Long day", time_zone="UTC", intervals=[(d, time(8), time(20)) for d in range(5)]
    )
    team_set_calendar(team=billing, calendar=office)
    monday_4pm = datetime(2025, 3, 3, 16, tzinfo=UTC)
    tuesday_10am = datetime(2025, 3, 4, 10, tzinfo=UTC)
    conversation = opened()
    answer(ask(conversation, agent, billing, at=monday_4pm), collaborator, at=tuesday_10am)
    answer(ask(conversation, agent, logistics, at=monday_4pm), lou, at=tuesday_10am)
    query = replace(period(), time_basis="business", calendar_id=long_day.pk)
    result = consult_answer_time(query=query)
    # Billing on its own 9-17: 1 h + 1 h; Logistics (no calendar) on the query's 8-20: 4 h + 2 h.
    assert result.sample_size == 2
    assert (result.mean, result.median) == (4 * 3600, 4 * 3600)
    calendar = consult_answer_time(query=period())
    assert calendar.mean == 18 * 3600


def test_figures_per_consulted_team(
    scene: list[Conversation], billing: Team, logistics: Team
) -> None:
    now = T0 + timedelta(days=1)
    rows = department_figures(query=period(), teams=[billing, logistics], now=now)
    billing_row, logistics_row = rows
    assert (billing_row.asked, billing_row.answered) == (3, 2)
    assert (billing_row.waiting, billing_row.overdue) == (1, 1)
    assert billing_row.answer_time.median == 5 * 3600
    assert billing_row.answer_time.sample_size == 2
    assert (logistics_row.asked, logistics_row.answered, logistics_row.waiting) == (1, 1, 0)
    assert logistics_row.answer_time.median == 30 * MINUTE
    # One week in the period: the trend has one point holding everything.
    assert [(w.start, w.asked) for w in billing_row.weeks] == [(period().start, 3)]
    # Not yet due an hour after asking: waiting, not overdue.
    early = department_figures(query=period(), teams=[billing], now=T0 + 3 * H)
    assert (early[0].waiting, early[0].overdue) == (1, 0)
    # The week after: nothing asked or answered then, but c3's consult still waits.
    week_after = replace(period(), start=period().end, end=period().end + timedelta(days=7))
    (later,) = department_figures(query=week_after, teams=[billing], now=now)
    assert (later.asked, later.answered, later.answer_time.sample_size) == (0, 0, 0)
    assert (later.waiting, later.overdue) == (1, 1)


def test_the_usual_cuts_are_the_conversations(
    scene: list[Conversation], billing: Team, support: Team
) -> None:
    elsewhere = department_figures(query=period(team_id=billing.pk), teams=[billing])
    assert elsewhere[0].asked == 0  # no conversation of Billing's own was consulted
    own = department_figures(query=period(team_id=support.pk), teams=[billing])
    assert own[0].asked == 3


def test_who_sees_which_departments(
    scene: list[Conversation],
    agent: User,
    collaborator: User,
    lou: User,
    supervisor: User,
    billing: Team,
    logistics: Team,
    support: Team,
) -> None:
    assert department_report_teams(user=supervisor) == [billing, logistics, support]
    assert department_report_teams(user=collaborator) == [billing]
    assert department_report_teams(user=agent) == [support]
    own = department_questions(user=lou, query=period(), team_ids=[logistics.pk])
    assert [q.team_id for q in own] == [logistics.pk]
    # Asked for Billing's too, Lou (Logistics) gets only what the consults' access
    # rule lets her open: Billing's consult on c1, the conversation she was asked about.
    c1 = scene[0]
    wider = department_questions(user=lou, query=period(), team_ids=[billing.pk, logistics.pk])
    assert {(q.conversation_id, q.team_id) for q in wider} == {
        (c1.pk, billing.pk),
        (c1.pk, logistics.pk),
    }
    everything = department_questions(
        user=supervisor, query=period(), team_ids=[billing.pk, logistics.pk]
    )
    assert len(everything) == 4
    teamless = factories.UserFactory.create(username="tim", role=Role.AGENT)
    assert department_report_teams(user=teamless) == []


def test_an_outside_party_counts_under_its_mail_domain(agent: User, support: Team) -> None:
    from concord.channels.email.services.mailboxes import mailbox_create
    from concord.metrics.selectors.consults import consults_asked

    mailbox_create(name="Acme Support", address="support@acme.test", team=support)
    conversation = opened(team=support)
    with suppressed():
        consult_open(
            conversation=conversation,
            actor=agent,
            email="Dispatch@Carrier.example",
            question="Where is parcel 42?",
            at=T0 + H,
        )
    result = consults_asked(query=period())
    assert result.breakdown == {"Outside: carrier.example": 1}
