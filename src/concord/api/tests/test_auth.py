"""Bearer-token authentication."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from concord.accounts.models import ApiToken, User
from concord.accounts.services import api_token_issue, api_token_revoke
from concord.api.tests.helpers import assert_error, post, snapshot
from concord.common.testing import factories


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer cnc_not-a-real-token",
        "Bearer something-else",
        "Token cnc_whatever",
        "Basic YWRhOnB3",
    ],
)
def test_it_rejects_requests_without_a_valid_token(agent: User, header: str | None) -> None:
    client = Client(headers={"Authorization": header} if header else {})
    response = client.get("/api/v1/conversations")
    error = assert_error(response, 401, "unauthorized")
    assert "Bearer" in error["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_rejects_writes_without_a_token(agent: User, support: object) -> None:
    conversation = factories.ConversationFactory.create()
    before = snapshot()
    response = post(Client(), f"/api/v1/conversations/{conversation.pk}/notes", {"body": "x"})
    assert_error(response, 401, "unauthorized")
    assert snapshot() == before


def test_it_accepts_a_valid_token_and_records_its_use(agent: User) -> None:
    issued = api_token_issue(user=agent, name="cli")
    assert issued.token.last_used_at is None
    client = Client(headers={"Authorization": f"Bearer {issued.raw}"})
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "alex"
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_the_scheme_name_is_case_insensitive(agent: User) -> None:
    raw = api_token_issue(user=agent, name="cli").raw
    response = Client(headers={"Authorization": f"bearer {raw}"}).get("/api/v1/me")
    assert response.status_code == 200


def test_it_rejects_a_revoked_token(agent: User) -> None:
    issued = api_token_issue(user=agent, name="cli")
    api_token_revoke(token=issued.token)
    response = Client(headers={"Authorization": f"Bearer {issued.raw}"}).get("/api/v1/me")
    assert_error(response, 401, "unauthorized")


def test_it_rejects_the_token_of_a_deactivated_user(agent: User) -> None:
    issued = api_token_issue(user=agent, name="cli")
    User.objects.filter(pk=agent.pk).update(is_active=False)
    response = Client(headers={"Authorization": f"Bearer {issued.raw}"}).get("/api/v1/me")
    assert_error(response, 401, "unauthorized")
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at is None


def test_token_requests_need_no_csrf_token(
    admin_user: User, api_client: Callable[[User], Client]
) -> None:
    # Tokens are not cookies, so a cross-site page cannot send them: no CSRF check.
    raw = api_token_issue(user=admin_user, name="cli").raw
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})
    response = post(client, "/api/v1/organizations", {"name": "Acme"})
    assert response.status_code == 201, response.content


def test_a_session_login_alone_does_not_authenticate(admin_user: User) -> None:
    client = Client()
    client.force_login(admin_user)
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")
