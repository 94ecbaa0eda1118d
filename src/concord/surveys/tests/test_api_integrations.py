"""The surveys API for integrations: invitations, imported answers, dispatch rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from concord.accounts.models import User
from concord.conversations.models import Conversation, EventKind
from concord.notifications.models import Notification
from concord.surveys.models import DispatchRule, SurveyInvitation, SurveyResponse, Trigger
from concord.surveys.tests.conftest import Solver, make_definition, make_rule

pytestmark = [pytest.mark.django_db, pytest.mark.urls("concord.surveys.tests.urls")]

ApiClient = Callable[[User], Client]


def send(client: Client, method: str, path: str, body: Any) -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def conversation(solve: Solver) -> Conversation:
    return solve(hook=False)


# ---- invitations ------------------------------------------------------------------------


def test_an_invitation_gives_its_token_and_link_and_is_answered_with_them(
    admin_user: User, api_client: ApiClient, conversation: Conversation
) -> None:
    definition = make_definition("csat")
    created = send(
        api_client(admin_user),
        "post",
        "/api/v1/surveys/invitations",
        {
            "definition_id": definition.pk,
            "customer_id": conversation.customer_id,
            "conversation_id": conversation.pk,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["link"].endswith(f"/survey/{body['token']}/")
    invitation = SurveyInvitation.objects.get(pk=body["id"])
    assert (invitation.conversation_id, invitation.email_state) == (conversation.pk, "sent")
    answer = send(Client(), "post", "/api/v1/surveys/answers", {"token": body["token"], "score": 4})
    assert answer.status_code == 200, answer.content
    assert SurveyResponse.objects.get().conversation_id == conversation.pk


def test_an_invitation_about_another_customers_conversation_is_refused(
    admin_user: User, api_client: ApiClient, solve: Solver, conversation: Conversation
) -> None:
    other = solve(hook=False, email="lee@customer.test")
    answer = send(
        api_client(admin_user),
        "post",
        "/api/v1/surveys/invitations",
        {
            "definition_id": make_definition("csat").pk,
            "customer_id": other.customer_id,
            "conversation_id": conversation.pk,
        },
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "conversation_id"
    assert not SurveyInvitation.objects.exists()


def test_invitations_and_imports_are_for_admins_and_the_integration_permission(
    agent: User, supervisor: User, api_client: ApiClient, conversation: Conversation
) -> None:
    body = {"definition_id": make_definition("csat").pk, "customer_id": conversation.customer_id}
    url = "/api/v1/surveys/invitations"
    for user in (agent, supervisor):
        assert send(api_client(user), "post", url, body).status_code == 403
    agent.user_permissions.add(Permission.objects.get(codename="add_surveyinvitation"))
    agent = User.objects.get(pk=agent.pk)  # a fresh permission cache
    assert send(api_client(agent), "post", url, body).status_code == 201


# ---- imported answers -------------------------------------------------------------------


def test_an_imported_answer_keeps_its_time_and_alerts_nobody(
    admin_user: User, api_client: ApiClient, conversation: Conversation
) -> None:
    definition = make_definition("ces")
    answered_at = timezone.now() - timedelta(days=40)
    created = send(
        api_client(admin_user),
        "post",
        "/api/v1/surveys/responses",
        {
            "definition_id": definition.pk,
            "customer_id": conversation.customer_id,
            "conversation_id": conversation.pk,
            "score": 1,
            "comment": "Hard.",
            "answered_at": answered_at.isoformat(),
        },
    )
    assert created.status_code == 201, created.content
    response = SurveyResponse.objects.get()
    assert (response.score, response.comment, response.answered_at) == (1, "Hard.", answered_at)
    assert response.invitation.created_at == answered_at
    assert not Notification.objects.exists()  # a low CES alerts the agent only when live
    event = conversation.events.get(kind=EventKind.SURVEY_ANSWERED)
    assert event.created_at == answered_at


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"score": 8}, "score"),  # CSAT is 1-5
        ({"score": 0}, "score"),
        ({"score": "4"}, "score"),
        ({"score_2": 3}, "score_2"),  # VES only
        ({"answered_at": "2999-01-01T00:00:00Z"}, "answered_at"),
        ({"answered_at": "2025-01-01T00:00:00"}, "answered_at"),
        ({"answered_at": 0}, "answered_at"),
    ],
)
def test_a_bad_import_is_a_422_naming_the_field(
    admin_user: User,
    api_client: ApiClient,
    conversation: Conversation,
    change: dict[str, Any],
    field: str,
) -> None:
    body = {
        "definition_id": make_definition("csat").pk,
        "customer_id": conversation.customer_id,
        "score": 4,
        "answered_at": "2025-01-01T00:00:00Z",
        **change,
    }
    answer = send(api_client(admin_user), "post", "/api/v1/surveys/responses", body)
    assert answer.status_code == 422, answer.content
    assert answer.json()["error"]["fields"][0]["field"] == field
    assert not SurveyResponse.objects.exists()
    assert not SurveyInvitation.objects.exists()


# ---- dispatch rules ---------------------------------------------------------------------


def test_an_admin_lists_creates_changes_and_deletes_rules(
    admin_user: User, api_client: ApiClient
) -> None:
    client = api_client(admin_user)
    definition = make_definition("nps")
    created = send(
        client,
        "post",
        "/api/v1/surveys/rules",
        {
            "definition_id": definition.pk,
            "trigger": "relationship",
            "channels": ["email", "chat"],
            "every_days": 180,
        },
    )
    assert created.status_code == 201, created.content
    rule = created.json()
    assert (rule["trigger"], rule["channels"], rule["cooldown_days"]) == (
        "relationship",
        ["email", "chat"],
        7,
    )
    changed = send(
        client, "patch", f"/api/v1/surveys/rules/{rule['id']}", {"is_active": False, "position": 5}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["is_active"], changed.json()["every_days"]) == (False, 180)
    assert [r["id"] for r in client.get("/api/v1/surveys/rules").json()] == [rule["id"]]
    assert client.delete(f"/api/v1/surveys/rules/{rule['id']}").status_code == 204
    assert not DispatchRule.objects.exists()
    assert client.get(f"/api/v1/surveys/rules/{rule['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trigger": "hourly"}, "trigger"),
        ({"channels": ["fax"]}, "channels.0"),
        ({"cooldown_days": -1}, "cooldown_days"),
        ({"every_days": 0}, "every_days"),
        ({"every_days": 10**9}, "every_days"),
        ({"position": 1.5}, "position"),
        ({"is_active": "yes"}, "is_active"),
    ],
)
def test_rules_are_checked_like_the_admin_form(
    admin_user: User, api_client: ApiClient, body: dict[str, Any], field: str
) -> None:
    client = api_client(admin_user)
    definition = make_definition("csat")
    answer = send(client, "post", "/api/v1/surveys/rules", {"definition_id": definition.pk, **body})
    assert answer.status_code == 422, answer.content
    assert answer.json()["error"]["fields"][0]["field"] == field
    rule = make_rule(definition)
    patched = send(client, "patch", f"/api/v1/surveys/rules/{rule.pk}", body)
    assert patched.status_code == 422, patched.content
    rule.refresh_from_db()
    assert (rule.trigger, rule.cooldown_days, rule.every_days) == (Trigger.SOLVED, 7, 90)


def test_only_admins_manage_rules(supervisor: User, agent: User, api_client: ApiClient) -> None:
    rule = make_rule(make_definition("csat"))
    for user in (supervisor, agent):
        client = api_client(user)
        assert client.get("/api/v1/surveys/rules").status_code == 403
        assert client.delete(f"/api/v1/surveys/rules/{rule.pk}").status_code == 403
    assert DispatchRule.objects.filter(pk=rule.pk).exists()
