"""The weekly summary email: content, scope, exactly once per week, retries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.common.errors import NotAllowed
from concord.common.testing.mail import Sink
from concord.metrics.tests.helpers import opened, reply
from concord.reports.models import DeliveryState, SummaryDelivery
from concord.reports.selectors import summary_subscription_for
from concord.reports.services import (
    MAX_ATTEMPTS,
    STALE_AFTER,
    summaries_send_due,
    summary_subscribe,
    summary_unsubscribe,
)
from concord.reports.summary import last_full_week

pytestmark = pytest.mark.django_db

# Wednesday 11 March 2026; the last full week is Monday 2 to Sunday 8 March.
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
WEEK = date(2026, 3, 2)


def _answered_last_week(agent: User, team: Team, *, count: int, minutes: int) -> None:
    start = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    for index in range(count):
        conversation = opened(at=start + timedelta(hours=index), team=team)
        reply(conversation, agent, at=start + timedelta(hours=index, minutes=minutes))
        conversation.assignee = agent
        conversation.save(update_fields=["assignee"])


def test_last_full_week_is_the_monday_to_sunday_before() -> None:
    assert last_full_week(now=NOW, zone=ZoneInfo("UTC")) == WEEK
    monday_morning = datetime(2026, 3, 9, 0, 30, tzinfo=UTC)
    assert last_full_week(now=monday_morning, zone=ZoneInfo("UTC")) == WEEK


def test_a_subscriber_gets_last_weeks_figures_once(
    sink: Sink, admin_user: User, agent: User, support: Team
) -> None:
    _answered_last_week(agent, support, count=5, minutes=30)
    summary_subscribe(user=admin_user)
    assert summaries_send_due(now=NOW) == 1
    assert summaries_send_due(now=NOW + timedelta(hours=1)) == 0  # the same week: not again
    assert len(sink.handler.received) == 1
    mail = sink.handler.received[0].message
    assert mail["To"] == admin_user.email
    assert "02 Mar to 08 Mar 2026" in mail["Subject"]
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "First response time: 30 min (n=5)" in text
    assert "CSAT: no data (n=0)" in text
    assert "/app/reports/?period=custom&start=2026-03-02&end=2026-03-08" in text
    html = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert '<td style="font-weight:600;">30 min</td>' in html
    # The next week is a new summary.
    assert summaries_send_due(now=NOW + timedelta(days=7)) == 1


def test_an_agents_summary_is_their_own_work(
    sink: Sink, agent: User, other_agent: User, support: Team
) -> None:
    _answered_last_week(agent, support, count=5, minutes=30)
    summary_subscribe(user=other_agent)
    summaries_send_due(now=NOW)
    mail = sink.handler.received[0].message
    assert "your conversations" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "First response time: no data (n=0)" in text


def test_a_supervisor_cannot_subscribe_to_another_team(
    supervisor: User, support: Team, billing: Team
) -> None:
    support.members.add(supervisor)
    with pytest.raises(NotAllowed):
        summary_subscribe(user=supervisor, team=billing)
    assert summary_subscribe(user=supervisor, team=support).team == support


def test_unsubscribed_users_get_nothing(sink: Sink, admin_user: User) -> None:
    summary_subscribe(user=admin_user)
    summary_unsubscribe(user=admin_user)
    assert summaries_send_due(now=NOW) == 0
    assert sink.handler.received == []


def test_a_refused_summary_is_tried_again_then_given_up(sink: Sink, admin_user: User) -> None:
    summary_subscribe(user=admin_user)
    sink.handler.refuse_next = 10
    sink.handler.refuse_with = "554 5.7.1 Rejected"
    for run in range(MAX_ATTEMPTS + 2):
        assert summaries_send_due(now=NOW + timedelta(hours=run)) == 0
    delivery = SummaryDelivery.objects.get(week_start=WEEK)
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, MAX_ATTEMPTS)
    assert "554" in delivery.error
    assert sink.handler.attempts == MAX_ATTEMPTS
    sink.handler.refuse_next = 0
    assert summaries_send_due(now=NOW + timedelta(days=7)) == 1  # next week still goes


def test_a_send_left_unfinished_by_a_stopped_worker_is_tried_again(
    sink: Sink, admin_user: User
) -> None:
    subscription = summary_subscribe(user=admin_user)
    # A worker claimed the delivery and stopped before it could say how it went.
    SummaryDelivery.objects.create(
        subscription=subscription, week_start=WEEK, state=DeliveryState.SENDING, updated_at=NOW
    )
    assert summaries_send_due(now=NOW + timedelta(minutes=5)) == 0  # may still be sending
    assert sink.handler.received == []
    assert summaries_send_due(now=NOW + STALE_AFTER + timedelta(minutes=1)) == 1
    delivery = SummaryDelivery.objects.get(week_start=WEEK)
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 2)
    assert len(sink.handler.received) == 1


def test_the_reports_page_switches_the_summary_on_and_off(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    page = client.get("/app/reports/").content.decode()
    assert "Email me a summary" in page
    response = client.post("/app/reports/summary/", {"action": "on", "next": "/app/reports/"})
    assert response.status_code == 302
    assert summary_subscription_for(user=agent) is not None
    assert "Weekly summary email: on" in client.get("/app/reports/").content.decode()
    client.post("/app/reports/summary/", {"action": "off"})
    assert summary_subscription_for(user=agent) is None


def test_an_agent_cannot_subscribe_to_a_team(agent: User, support: Team) -> None:
    client = Client()
    client.force_login(agent)
    response = client.post("/app/reports/summary/", {"action": "on", "team": support.pk})
    assert response.status_code == 404
    assert summary_subscription_for(user=agent) is None
