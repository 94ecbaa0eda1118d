"""The reports pages: figures, charts, filters, access per role and CSV exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.common.testing import factories
from concord.conversations.services import conversation_set_category
from concord.metrics.tests.helpers import opened, reply

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def answered(agent: User, support: Team) -> None:
    """Six conversations in the last days, answered by the support agent in 10 minutes."""
    start = timezone.now() - timedelta(days=3)
    for index in range(6):
        conversation = opened(at=start + timedelta(hours=index), team=support, channel="chat")
        reply(conversation, agent, at=start + timedelta(hours=index, minutes=10))
        conversation.assignee = agent
        conversation.save(update_fields=["assignee"])


def test_admin_sees_every_figure_with_charts(admin_user: User, answered: None) -> None:
    response = _client(admin_user).get("/app/reports/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-metric="frt"' in page
    assert "10 min" in page  # the FRT tile
    assert "n = 6" in page
    assert 'data-metric="csat"' in page
    assert "no data" in page  # no survey answers: said, not shown as 0
    assert page.count("<svg") >= 4
    assert "Volume by channel" in page
    assert "kozea.github.io" not in page  # pygal's CDN script is off


def test_a_line_too_thin_by_day_is_drawn_by_week(admin_user: User, answered: None) -> None:
    # Six first responses in 30 days: enough for the figure, two a day at most.
    page = _client(admin_user).get("/app/reports/?period=30d&bucket=day").content.decode()
    assert "Speed: first response, reply and resolution (mean hours), by week" in page
    assert "w/c " in page  # its table's rows are weeks
    # The volume chart stays daily: counts need no minimum sample.
    assert "Volume by channel, by week" not in page


def test_too_few_samples_are_named_not_shown(admin_user: User, agent: User) -> None:
    conversation = opened(at=timezone.now() - timedelta(days=1))
    reply(conversation, agent, at=timezone.now() - timedelta(days=1) + timedelta(minutes=5))
    page = _client(admin_user).get("/app/reports/").content.decode()
    assert "too few samples (1 &lt; 5)" in page
    # The speed chart has a sample but no point: it says why instead of "no data".
    assert "Fewer than 5 samples in every day" in page


def test_bad_filters_are_named(admin_user: User) -> None:
    client = _client(admin_user)
    page = client.get("/app/reports/?period=custom&start=2026-05-10&end=2026-05-01").content
    assert b"The end date must not be before the start date." in page
    page = client.get("/app/reports/?basis=business").content
    assert b"Business hours need a calendar." in page
    assert b'data-metric="frt"' not in page


def test_agent_sees_only_their_own_work(agent: User, other_agent: User, answered: None) -> None:
    client = _client(agent)
    page = client.get("/app/reports/").content.decode()
    assert "n = 6" in page
    assert client.get(f"/app/reports/?agent={other_agent.pk}").status_code == 404
    assert client.get("/app/reports/teams/").status_code == 404
    assert client.get("/app/reports/agents/").status_code == 404
    other_page = _client(other_agent).get("/app/reports/").content.decode()
    assert "n = 6" not in other_page


def test_supervisor_sees_their_teams_only(
    supervisor: User, support: Team, billing: Team, answered: None
) -> None:
    support.members.add(supervisor)
    client = _client(supervisor)
    assert "n = 6" in client.get("/app/reports/").content.decode()
    assert client.get(f"/app/reports/?team={billing.pk}").status_code == 404
    teams = client.get("/app/reports/teams/").content.decode()
    assert "Support" in teams
    assert "Billing" not in teams


def test_admin_breaks_figures_down_by_team_and_agent(
    admin_user: User, agent: User, billing: Team, answered: None
) -> None:
    client = _client(admin_user)
    teams = client.get("/app/reports/teams/").content.decode()
    assert "Support" in teams
    assert "Billing" in teams
    agents = client.get("/app/reports/agents/").content.decode()
    assert str(agent) in agents


def test_csv_export_matches_the_page(admin_user: User, answered: None) -> None:
    response = _client(admin_user).get("/app/reports/export/figures.csv?period=7d")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Metric", "Value", "Unit", "Sample size"]
    frt = next(row for row in rows if row[0] == "First response time")
    # The unit column says seconds, so the cells hold seconds, not "10 min".
    assert frt[1:4] == ["600", "seconds", "6"]
    assert frt[5:7] == ["600", "600"]  # median, p90


def test_csv_exports_of_tables_hold_numbers_and_iso_dates(admin_user: User, answered: None) -> None:
    client = _client(admin_user)
    agents = client.get("/app/reports/export/agents.csv?period=7d").content.decode()
    rows = list(csv.reader(io.StringIO(agents)))
    column = rows[0].index("First response time (seconds)")
    assert ["600", "6"] in [row[column : column + 2] for row in rows[1:]]
    channels = client.get("/app/reports/export/channels.csv?period=7d").content.decode()
    first = list(csv.reader(io.StringIO(channels)))[1][0]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first)


def test_the_period_menu_shows_the_period_in_the_heading(admin_user: User) -> None:
    page = _client(admin_user).get("/app/reports/").content.decode()
    assert "Last 30 days" in page.split("</h1>")[0]
    assert '<option value="30d" selected>Last 30 days</option>' in page
    custom = _client(admin_user).get("/app/reports/?start=2026-05-01&end=2026-05-10").content
    assert b'<option value="custom" selected>Custom dates</option>' in custom


def test_tables_under_the_charts_name_the_year(admin_user: User, answered: None) -> None:
    page = _client(admin_user).get("/app/reports/?period=7d").content.decode()
    today = timezone.localdate()
    assert f"<td>{today.day} {today:%b %Y}</td>" in page


def test_csv_export_defuses_spreadsheet_formulas(admin_user: User, agent: User) -> None:
    conversation = opened(at=timezone.now() - timedelta(days=1))
    conversation_set_category(conversation=conversation, actor=agent, category="=HYPERLINK(1)")
    response = _client(admin_user).get("/app/reports/export/categories.csv?period=7d")
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert "'=HYPERLINK(1)" in header


def test_unknown_export_and_bad_filters(admin_user: User) -> None:
    client = _client(admin_user)
    assert client.get("/app/reports/export/passwords.csv").status_code == 404
    response = client.get("/app/reports/export/figures.csv?basis=business")
    assert response.status_code == 400
    assert b"calendar" in response.content


def test_reports_need_staff(db: None) -> None:
    assert Client().get("/app/reports/").status_code == 302
    customer = factories.UserFactory.create(username="cust", role="customer")
    assert _client(customer).get("/app/reports/").status_code == 403
