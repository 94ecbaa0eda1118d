"""The CX overview selector and the reports access rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from concord.accounts.models import Team, User
from concord.common.testing import factories
from concord.conversations.services import conversation_set_category
from concord.metrics.selectors import (
    OVERVIEW_LINES,
    OVERVIEW_METRICS,
    OVERVIEW_SERIES,
    cx_overview,
    volume_matrix,
)
from concord.metrics.selectors.access import report_agents, report_query_for_user
from concord.metrics.tests.helpers import T0, opened, period, reply

pytestmark = pytest.mark.django_db


def test_volume_matrix_counts_per_bucket_and_value(agent: User) -> None:
    for day, channel in [(0, "email"), (0, "chat"), (1, "email"), (1, "email"), (3, "web")]:
        opened(at=T0 + timedelta(days=day), channel=channel)
    matrix = volume_matrix(query=replace(period(), bucket="day"), dimension="channel")
    assert len(matrix.buckets) == 7
    assert matrix.rows["email"] == (1, 2, 0, 0, 0, 0, 0)
    assert matrix.rows["chat"] == (1, 0, 0, 0, 0, 0, 0)
    assert matrix.rows["web"] == (0, 0, 0, 1, 0, 0, 0)
    assert list(matrix.rows) == ["email", "chat", "web"]  # busiest first
    assert matrix.totals == {"email": 3, "chat": 1, "web": 1}


def test_volume_by_category_names_uncategorised_as_empty(agent: User) -> None:
    categorised = opened(at=T0)
    conversation_set_category(conversation=categorised, actor=agent, category="billing")
    opened(at=T0)
    matrix = volume_matrix(query=period(), dimension="category")
    assert matrix.totals == {"billing": 1, "": 1}


def test_overview_compares_with_the_previous_period(agent: User) -> None:
    for minutes in [10, 10, 10, 10, 10]:
        earlier = opened(at=T0 - timedelta(days=7))
        reply(earlier, agent, at=T0 - timedelta(days=7) + timedelta(minutes=minutes))
    for minutes in [5, 5, 5, 5, 5]:
        now = opened(at=T0)
        reply(now, agent, at=T0 + timedelta(minutes=minutes))
    overview = cx_overview(query=replace(period(), bucket="day"))
    frt = overview.figures["frt"]
    assert (frt.current.value, frt.previous.value, frt.change) == (300.0, 600.0, -300.0)
    assert frt.improved is True  # lower is better for a time
    assert len(frt.current.series) == 7
    assert frt.previous.series == ()
    assert overview.figures["csat"].current.note == "no data"
    assert overview.figures["csat"].change is None
    assert overview.volume_by_channel.totals == {"email": 5}


def test_only_the_series_metrics_are_measured_per_bucket(agent: User) -> None:
    for day in (0, 1, 2):
        conversation = opened(at=T0 + timedelta(days=day))
        reply(conversation, agent, at=T0 + timedelta(days=day, minutes=5))
    overview = cx_overview(query=replace(period(), bucket="day"), series=("frt",))
    assert len(overview.figures["frt"].current.series) == 7
    # A tile's figure is the same, measured once for the whole period.
    backlog = overview.figures["backlog"].current
    assert (backlog.value, backlog.series) == (3.0, ())
    assert overview.figures["volume"].current.value == 3.0


def test_every_line_drawn_is_measured_per_bucket() -> None:
    assert set(OVERVIEW_LINES) <= OVERVIEW_SERIES <= set(OVERVIEW_METRICS)


def test_overview_leaves_out_metrics_that_cannot_be_cut_that_way(agent: User) -> None:
    overview = cx_overview(query=period(agent_id=agent.pk), metrics=("csat", "churn_rate"))
    assert set(overview.figures) == {"csat"}


def test_admin_sees_everything_as_asked(admin_user: User, support: Team) -> None:
    query = period(team_id=support.pk)
    assert report_query_for_user(user=admin_user, query=query) == query


def test_agent_is_pinned_to_their_own_work(agent: User, other_agent: User) -> None:
    mine = report_query_for_user(user=agent, query=period())
    assert mine is not None
    assert mine.agent_id == agent.pk
    assert report_query_for_user(user=agent, query=period(agent_id=other_agent.pk)) is None
    assert report_agents(user=agent) == [agent]


def test_supervisor_sees_their_teams_and_their_agents(
    supervisor: User, agent: User, other_agent: User, support: Team, billing: Team
) -> None:
    assert report_query_for_user(user=supervisor, query=period()) is None  # no team yet
    support.members.add(supervisor)
    defaulted = report_query_for_user(user=supervisor, query=period())
    assert defaulted is not None
    assert defaulted.team_id == support.pk
    assert report_query_for_user(user=supervisor, query=period(team_id=billing.pk)) is None
    assert report_query_for_user(user=supervisor, query=period(agent_id=agent.pk)) is not None
    assert report_query_for_user(user=supervisor, query=period(agent_id=other_agent.pk)) is None


def test_customers_see_no_metrics(agent: User) -> None:
    customer_user = factories.UserFactory.create(username="cust", role="customer")
    assert report_query_for_user(user=customer_user, query=period()) is None
