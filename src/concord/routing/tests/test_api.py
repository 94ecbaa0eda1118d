"""The availability API: agents set their own; supervisors set anyone's, capacity too."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from concord.accounts.models import User
from concord.routing.models import AgentStatus

pytestmark = [pytest.mark.django_db, pytest.mark.urls("concord.routing.tests.urls")]

Make = Callable[[User], Client]


def test_an_agent_reads_and_sets_their_availability(api_client: Make, agent: User) -> None:
    client = api_client(agent)

    before = client.get("/api/v1/routing/me").json()
    response = client.post(
        "/api/v1/routing/me/availability",
        {"availability": "online"},
        content_type="application/json",
    )

    assert before["availability"] == "away"
    assert response.status_code == 200
    body = response.json()
    assert (body["user_id"], body["availability"], body["capacity"], body["load"]) == (
        agent.pk,
        "online",
        10,
        0,
    )
    assert AgentStatus.objects.get(user=agent).availability == "online"


def test_an_unknown_availability_is_refused(api_client: Make, agent: User) -> None:
    response = api_client(agent).post(
        "/api/v1/routing/me/availability", {"availability": "busy"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert not AgentStatus.objects.exists()


def test_a_collaborator_takes_no_conversations(api_client: Make, collaborator: User) -> None:
    response = api_client(collaborator).post(
        "/api/v1/routing/me/availability",
        {"availability": "online"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not AgentStatus.objects.exists()


def test_a_supervisor_sets_an_agents_capacity(
    api_client: Make, supervisor: User, agent: User
) -> None:
    response = api_client(supervisor).post(
        f"/api/v1/routing/agents/{agent.pk}",
        {"capacity": 4, "availability": "online"},
        content_type="application/json",
    )

    assert response.status_code == 200
    row = AgentStatus.objects.get(user=agent)
    assert (row.capacity, row.availability) == (4, "online")


def test_an_agent_cannot_change_another_agent(
    api_client: Make, agent: User, other_agent: User
) -> None:
    response = api_client(agent).post(
        f"/api/v1/routing/agents/{other_agent.pk}",
        {"capacity": 100},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not AgentStatus.objects.exists()


def test_an_unknown_agent_is_404(api_client: Make, supervisor: User) -> None:
    assert api_client(supervisor).get("/api/v1/routing/agents/999999").status_code == 404
