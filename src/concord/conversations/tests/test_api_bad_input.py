"""Bad input to conversation writes: each answers in the error format and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.api.tests.helpers import assert_error, portal_customer, post, snapshot
from concord.common.testing import factories
from concord.conversations import services
from concord.conversations.models import Conversation


@pytest.fixture
def conversation(support: Team) -> Conversation:
    ann, _ = portal_customer("ann")
    return services.conversation_open(
        channel="email", customer=ann, body_text="Hi", team=support, tags=["start"]
    )


@pytest.fixture
def client(agent: User, api_client: Callable[[User], Client]) -> Client:
    return api_client(agent)


ACTIONS = ["reply", "notes", "assign", "status", "priority", "tags", "tags/remove", "merge"]


@pytest.mark.parametrize("action", ACTIONS)
def test_an_empty_body_is_refused(client: Client, conversation: Conversation, action: str) -> None:
    before = snapshot()
    response = client.post(
        f"/api/v1/conversations/{conversation.pk}/{action}",
        data="",
        content_type="application/json",
    )
    assert_error(response, 422, "validation_error", "request_body")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("reply", {}, "body"),
        ("reply", {"body": "   "}, "body"),
        ("reply", {"body_html": "<script>alert(1)</script>"}, "body"),
        ("reply", {"body": ["a"]}, "body"),
        ("reply", {"body": "x", "status": "done"}, "status"),
        ("notes", {"body": 12}, "body"),
        ("assign", {"assignee_id": "alex"}, "assignee_id"),
        ("assign", {"team_id": 1.5}, "team_id"),
        ("status", {"status": "archived"}, "status"),
        ("status", {"status": None}, "status"),
        ("priority", {"priority": "critical"}, "priority"),
        ("priority", {"priority": 3}, "priority"),
        ("tags", {"tags": "vip"}, "tags"),
        ("tags", {"tags": []}, "tags"),
        ("tags", {"tags": ["no spaces allowed!"]}, "tags.0"),
        ("tags", {"tags": ["x" * 51]}, "tags.0"),
        ("merge", {"target_id": "next"}, "target_id"),
        ("merge", {"target_id": 2**64}, "target_id"),
        ("assign", {"assignee_id": -1}, "assignee_id"),
        ("merge", {}, "target_id"),
    ],
)
def test_wrong_types_and_values_are_422_naming_the_field(
    client: Client, conversation: Conversation, action: str, body: dict[str, Any], field: str
) -> None:
    before = snapshot()
    response = post(client, f"/api/v1/conversations/{conversation.pk}/{action}", body)
    assert_error(response, 422, "validation_error", field)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("assign", {"assignee_id": 999_999}, "assignee_id"),
        ("assign", {"team_id": 999_999}, "team_id"),
        ("merge", {"target_id": 999_999}, "target_id"),
    ],
)
def test_unknown_ids_in_the_body_are_404_naming_the_field(
    client: Client, conversation: Conversation, action: str, body: dict[str, Any], field: str
) -> None:
    before = snapshot()
    response = post(client, f"/api/v1/conversations/{conversation.pk}/{action}", body)
    assert_error(response, 404, "not_found", field)
    assert snapshot() == before


def test_a_customer_login_is_not_an_assignee(client: Client, conversation: Conversation) -> None:
    customer_user = User.objects.get(username="ann")
    before = snapshot()
    response = post(
        client, f"/api/v1/conversations/{conversation.pk}/assign", {"assignee_id": customer_user.pk}
    )
    assert_error(response, 404, "not_found", "assignee_id")
    assert snapshot() == before


def test_an_assignee_outside_the_team_is_a_422(
    client: Client, conversation: Conversation, other_agent: User
) -> None:
    before = snapshot()
    response = post(
        client, f"/api/v1/conversations/{conversation.pk}/assign", {"assignee_id": other_agent.pk}
    )
    assert_error(response, 422, "validation_error", "assignee")
    assert snapshot() == before


def test_a_transition_that_is_not_allowed_is_a_409(
    client: Client, conversation: Conversation
) -> None:
    before = snapshot()
    response = post(client, f"/api/v1/conversations/{conversation.pk}/status", {"status": "closed"})
    error = assert_error(response, 409, "conflict", "status")
    assert error["message"] == "A conversation cannot go from new to closed."
    assert snapshot() == before


def test_a_closed_conversation_refuses_changes(
    client: Client, conversation: Conversation, agent: User
) -> None:
    services.conversation_set_status(conversation=conversation, actor=agent, status="solved")
    services.conversation_set_status(conversation=conversation, actor=agent, status="closed")
    before = snapshot()
    for action, body in [
        ("reply", {"body": "x"}),
        ("notes", {"body": "x"}),
        ("priority", {"priority": "high"}),
        ("tags", {"tags": ["x"]}),
        ("assign", {"assignee_id": None}),
        ("status", {"status": "open"}),
    ]:
        response = post(client, f"/api/v1/conversations/{conversation.pk}/{action}", body)
        assert_error(response, 409, "conflict")
    assert snapshot() == before


def test_merging_into_itself_is_a_422(client: Client, conversation: Conversation) -> None:
    before = snapshot()
    response = post(
        client, f"/api/v1/conversations/{conversation.pk}/merge", {"target_id": conversation.pk}
    )
    assert_error(response, 422, "validation_error", "target_id")
    assert snapshot() == before


def test_merging_twice_is_a_409(
    client: Client, conversation: Conversation, support: Team, agent: User
) -> None:
    other = factories.ConversationFactory.create(team=support, customer=conversation.customer)
    third = factories.ConversationFactory.create(team=support, customer=conversation.customer)
    services.conversation_merge(source=conversation, target=other, actor=agent)
    before = snapshot()
    # The merged stub is still readable, but cannot be merged again.
    response = post(
        client, f"/api/v1/conversations/{conversation.pk}/merge", {"target_id": third.pk}
    )
    assert_error(response, 409, "conflict")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"body": "x"}, "customer_id", 422),
        ({"customer_id": 999_999, "body": "x"}, "customer_id", 404),
        (
            {"identity": {"kind": "email", "value": "a@b.co"}, "body": "x", "team_id": 999},
            "team_id",
            404,
        ),
        (
            {"identity": {"kind": "email", "value": "not-an-email"}, "body": "x"},
            "identity.value",
            422,
        ),
        ({"identity": {"kind": "pager", "value": "1"}, "body": "x"}, "identity.kind", 422),
        ({"identity": {"kind": "email", "value": "a@b.co"}}, "body", 422),
        (
            {"identity": {"kind": "email", "value": "a@b.co"}, "body": "x", "channel": "fax"},
            "channel",
            422,
        ),
        (
            {"identity": {"kind": "email", "value": "a@b.co"}, "body": "x", "priority": "p1"},
            "priority",
            422,
        ),
        (
            {"identity": {"kind": "email", "value": "a@b.co"}, "body": "x", "subject": "s" * 301},
            "subject",
            422,
        ),
        (
            {"identity": {"kind": "email", "value": "a@b.co"}, "body": "x", "tags": ["bad tag!"]},
            "tags.0",
            422,
        ),
    ],
)
def test_bad_creates_write_nothing(
    client: Client, conversation: Conversation, body: dict[str, Any], field: str, status: int
) -> None:
    before = snapshot()
    response = post(client, "/api/v1/conversations", body)
    assert_error(response, status, "not_found" if status == 404 else "validation_error", field)
    assert snapshot() == before
