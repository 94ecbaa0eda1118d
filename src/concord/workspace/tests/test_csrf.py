"""Every state-changing form needs its CSRF token; without it nothing changes."""

from __future__ import annotations

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.workspace.tests.conftest import Opener

FORMS: list[tuple[str, dict[str, str]]] = [
    ("messages", {"mode": "reply", "body": "hi"}),
    ("assign", {"assignment": ":"}),
    ("status", {"status": "pending"}),
    ("priority", {"priority": "high"}),
    ("tags", {"tag": "x"}),
    ("merge", {"target": "1"}),
    ("presence", {"state": "replying"}),
]


@pytest.fixture
def strict(agent: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    return client


@pytest.mark.parametrize(("action", "data"), FORMS)
def test_conversation_forms_refuse_a_post_without_token(
    strict: Client, open_conv: Opener, support: Team, action: str, data: dict[str, str]
) -> None:
    conversation = open_conv(team=support)
    response = strict.post(f"/app/conversations/{conversation.pk}/{action}/", data)
    assert response.status_code == 403
    conversation.refresh_from_db()
    assert (conversation.status, conversation.priority, conversation.team) == (
        "new",
        "normal",
        support,
    )
    assert conversation.messages.count() == 1
    assert not conversation.tags.exists()


def test_bulk_refuses_a_post_without_token(
    strict: Client, open_conv: Opener, support: Team
) -> None:
    conversation = open_conv(team=support)
    response = strict.post(
        "/app/bulk/", {"ids": [conversation.pk], "action": "status", "status": "pending"}
    )
    assert response.status_code == 403
    conversation.refresh_from_db()
    assert conversation.status == "new"


def test_the_token_from_the_page_is_accepted(
    strict: Client, open_conv: Opener, support: Team
) -> None:
    conversation = open_conv(team=support)
    page = strict.get(f"/app/conversations/{conversation.pk}/")
    token = page.context["csrf_token"]
    response = strict.post(
        f"/app/conversations/{conversation.pk}/priority/",
        {"priority": "high", "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.priority == "high"


def test_sign_in_and_out_need_the_token(agent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/app/login/", {"username": "alex", "password": "pw-for-tests"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    client.force_login(agent)
    assert client.post("/app/logout/").status_code == 403
    assert client.get("/app/").status_code == 200
