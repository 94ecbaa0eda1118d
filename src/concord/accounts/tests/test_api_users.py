"""The read-only staff directory: /me, /users, /teams."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.api.tests.helpers import assert_error, portal_customer, send
from concord.common.testing import factories


@pytest.fixture
def client(agent: User, api_client: Callable[[User], Client]) -> Client:
    return api_client(agent)


def test_me(client: Client, agent: User, support: Team) -> None:
    assert client.get("/api/v1/me").json() == {
        "id": agent.pk,
        "username": "alex",
        "name": "",
        "email": "alex@staff.example.com",
        "role": "agent",
        "teams": [{"id": support.pk, "name": "Support"}],
        "customer_id": None,
    }


def test_users_lists_active_staff_only(
    client: Client, agent: User, admin_user: User, collaborator: User, billing: Team
) -> None:
    portal_customer("ann")
    factories.UserFactory.create(username="gone", is_active=False)
    body = client.get("/api/v1/users").json()
    assert [u["username"] for u in body["items"]] == ["ada", "alex", "carl"]
    carl = body["items"][2]
    assert carl == {
        "id": collaborator.pk,
        "username": "carl",
        "name": "",
        "email": "carl@staff.example.com",
        "role": "collaborator",
        "teams": [{"id": billing.pk, "name": "Billing"}],
    }


def test_one_user(client: Client, admin_user: User) -> None:
    assert client.get(f"/api/v1/users/{admin_user.pk}").json()["role"] == "admin"


def test_a_customer_login_is_not_in_the_directory(client: Client) -> None:
    _, portal = portal_customer("ann")
    assert_error(client.get(f"/api/v1/users/{portal.pk}"), 404, "not_found")
    assert_error(client.get("/api/v1/users/999999"), 404, "not_found")


def test_teams(
    client: Client, agent: User, support: Team, billing: Team, other_agent: User
) -> None:
    body = client.get("/api/v1/teams").json()
    assert body == {
        "items": [
            {
                "id": billing.pk,
                "name": "Billing",
                "slug": "billing",
                "kind": "department",
                "description": "",
                "members": [{"id": other_agent.pk, "username": "bea"}],
            },
            {
                "id": support.pk,
                "name": "Support",
                "slug": "support",
                "kind": "service",
                "description": "",
                "members": [{"id": agent.pk, "username": "alex"}],
            },
        ]
    }
    assert client.get(f"/api/v1/teams/{support.pk}").json() == body["items"][1]
    assert_error(client.get("/api/v1/teams/999999"), 404, "not_found")


def test_the_directory_is_read_only(client: Client, support: Team) -> None:
    response = send(client, "post", "/api/v1/teams", {"name": "x"})
    assert response.status_code == 405
    assert Team.objects.count() == 1


def test_customers_cannot_read_the_directory(
    api_client: Callable[[User], Client], agent: User, support: Team
) -> None:
    _, portal = portal_customer("ann")
    client = api_client(portal)
    assert_error(client.get("/api/v1/users"), 403, "forbidden")
    assert_error(client.get(f"/api/v1/users/{agent.pk}"), 403, "forbidden")
    assert_error(client.get("/api/v1/teams"), 403, "forbidden")
    assert_error(client.get(f"/api/v1/teams/{support.pk}"), 403, "forbidden")


def test_lists_take_a_fixed_number_of_queries(
    client: Client, support: Team, billing: Team, django_assert_max_num_queries: Any
) -> None:
    teams = [factories.TeamFactory.create(name=f"T{i}", slug=f"t{i}") for i in range(30)]
    for i in range(60):
        user = factories.UserFactory.create(username=f"u{i:02}")
        teams[i % 30].members.add(user)
        support.members.add(user)
    with django_assert_max_num_queries(5):
        assert len(client.get("/api/v1/users").json()["items"]) == 61
    with django_assert_max_num_queries(5):
        assert len(client.get("/api/v1/teams").json()["items"]) == 32
