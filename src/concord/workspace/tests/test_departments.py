"""The departments report: what each team was asked, how fast it answered, and who sees it.

The scene: five Support conversations opened three days ago. Billing is
asked about two of them (one answered after 3 h; one not, due an hour after
asking, so overdue now), Logistics about a third (answered after 30 min).
Consult rate 3 of 5 = 60 %.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from concord.accounts.models import Role, Team, User
from concord.automations.context import suppressed
from concord.collaboration.models import Consult
from concord.collaboration.services import consult_open, consult_reply
from concord.common.testing import factories
from concord.conversations.models import Conversation
from concord.metrics.tests.helpers import opened

pytestmark = pytest.mark.django_db
URL = "/app/reports/departments/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ask(
    conversation_id: int, agent: User, team: Team, *, at: datetime, due_at: datetime | None = None
) -> Consult:
    with suppressed():
        return consult_open(
            conversation=Conversation.objects.get(pk=conversation_id),
            actor=agent,
            team=team,
            question=f"Could {team.name} look at this?",
            at=at,
            due_at=due_at,
        )


@pytest.fixture
def logistics(db: None) -> Team:
    return factories.TeamFactory.create(name="Logistics", slug="logistics", kind="department")


@pytest.fixture
def lou(logistics: Team) -> User:
    user = factories.UserFactory.create(username="lou", role=Role.COLLABORATOR)
    logistics.members.add(user)
    return user


@pytest.fixture
def scene(
    agent: User, collaborator: User, lou: User, support: Team, billing: Team, logistics: Team
) -> dict[str, Consult]:
    start = timezone.now() - timedelta(days=3)
    ids = [opened(at=start, team=support).pk for _ in range(5)]
    answered = _ask(ids[0], agent, billing, at=start + timedelta(hours=1))
    waiting = _ask(
        ids[1],
        agent,
        billing,
        at=start + timedelta(hours=2),
        due_at=start + timedelta(hours=3),
    )
    quick = _ask(ids[2], agent, logistics, at=start + timedelta(hours=1))
    with suppressed():
        consult_reply(
            consult=answered, actor=collaborator, body="Done.", at=start + timedelta(hours=4)
        )
        consult_reply(consult=quick, actor=lou, body="Sent.", at=start + timedelta(minutes=90))
    return {"answered": answered, "waiting": waiting, "quick": quick}


def _row(page: str, team: str) -> list[str]:
    """The cells of a team's row in the departments table."""
    table = page.split('id="departments"', 1)[1].split("</table>", 1)[0]
    for row in table.split("<tr>")[1:]:
        if f'<th scope="row">{team}</th>' in row:
            return [cell.split("<", 1)[0] for cell in row.split("<td>")[1:]]
    return []


def test_admin_sees_every_department_with_its_questions(
    admin_user: User, scene: dict[str, Consult]
) -> None:
    response = _client(admin_user).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    # Asked, answered, median, p90, n, waiting now, overdue now.
    assert _row(page, "Billing") == [
        "2",
        "1",
        "too few samples (1 &lt; 5)",
        "too few samples (1 &lt; 5)",
        "1",
        "1",
        "1",
    ]
    assert _row(page, "Logistics")[:2] == ["1", "1"]
    assert 'data-metric="consult_rate"' in page
    assert "60.0%" in page  # 3 of 5 conversations consulted
    assert 'data-metric="consult_answer_time"' in page
    for consult in scene.values():
        assert f'href="/app/consults/{consult.pk}/"' in page
    assert "Consults asked per week, by team" in page
    assert 'aria-current="page">Departments' in page


def test_a_department_member_sees_only_their_team(
    collaborator: User, scene: dict[str, Consult]
) -> None:
    page = _client(collaborator).get(URL).content.decode()
    assert _row(page, "Billing")[:2] == ["2", "1"]
    assert _row(page, "Logistics") == []
    assert f'href="/app/consults/{scene["quick"].pk}/"' not in page
    assert f'href="/app/consults/{scene["answered"].pk}/"' in page


def test_an_agent_of_another_team_sees_no_department_rows(
    agent: User, scene: dict[str, Consult]
) -> None:
    response = _client(agent).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert _row(page, "Billing") == []
    assert _row(page, "Logistics") == []
    assert "No team was asked anything in this period." in page
    assert "/app/consults/" not in page.split('id="department-questions"', 1)[1]


def test_no_team_no_report_and_someone_elses_team_is_a_404(
    supervisor: User, billing: Team, scene: dict[str, Consult]
) -> None:
    teamless = factories.UserFactory.create(username="tim", role=Role.AGENT)
    assert _client(teamless).get(URL).status_code == 404
    # A supervisor sees every department, but the team filter is theirs only.
    client = _client(supervisor)
    assert _row(client.get(URL).content.decode(), "Billing")[:2] == ["2", "1"]
    assert client.get(f"{URL}?team={billing.pk}").status_code == 404


def test_the_table_downloads_as_csv(admin_user: User, scene: dict[str, Consult]) -> None:
    response = _client(admin_user).get(f"{URL}?period=7d&export=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Team", "Asked", "Answered"]
    by_team = {row[0]: row[1:] for row in rows[1:]}
    # Too few answers: an empty median and p90 beside the sample size.
    assert by_team["Billing"] == ["2", "1", "", "", "1", "1", "1"]
    assert by_team["Logistics"] == ["1", "1", "", "", "1", "0", "0"]


def test_the_overview_links_to_the_departments(admin_user: User) -> None:
    page = _client(admin_user).get("/app/reports/").content.decode()
    assert 'href="/app/reports/departments/?' in page


def test_more_consults_cost_no_more_queries(
    admin_user: User,
    agent: User,
    support: Team,
    billing: Team,
    scene: dict[str, Consult],
    django_assert_max_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    client = _client(admin_user)
    with CaptureQueriesContext(connection) as first:
        assert client.get(URL).status_code == 200
    start = timezone.now() - timedelta(days=2)
    for _ in range(5):
        _ask(opened(at=start, team=support).pk, agent, billing, at=start + timedelta(hours=1))
    with django_assert_max_num_queries(len(first)):
        page = client.get(URL).content.decode()
    assert _row(page, "Billing")[0] == "7"
