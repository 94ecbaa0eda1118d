"""A customer's own token: follow their requests and write in them, nothing more."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.api.tests.helpers import assert_error, portal_customer, post, snapshot
from concord.conversations import services
from concord.conversations.models import Conversation, Event
from concord.customers.models import Customer


@pytest.fixture
def ann(db: None) -> tuple[Customer, User]:
    return portal_customer("ann", name="Ann Lee")


@pytest.fixture
def conversation(ann: tuple[Customer, User], support: Team) -> Conversation:
    return services.conversation_open(
        channel="web", customer=ann[0], subject="Login", body_text="I cannot log in", team=support
    )


@pytest.fixture
def client(ann: tuple[Customer, User], api_client: Callable[[User], Client]) -> Client:
    return api_client(ann[1])


def test_the_customer_writes_in_their_conversation(
    client: Client, conversation: Conversation, ann: tuple[Customer, User]
) -> None:
    response = post(client, f"/api/v1/conversations/{conversation.pk}/messages", {"body": "Still"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["message"]["direction"] == "inbound"
    assert body["message"]["author"] == {"kind": "customer", "id": ann[0].pk, "name": "Ann Lee"}
    assert body["conversation"]["id"] == conversation.pk
    assert body["conversation"]["message_count"] == 2
    assert body["conversation"]["tags"] == []
    latest = Event.objects.filter(conversation=conversation).order_by("-id").first()
    assert latest is not None
    assert (latest.kind, latest.actor_customer_id, latest.message_id) == (
        "message_received",
        ann[0].pk,
        body["message"]["id"],
    )


def test_writing_reopens_a_solved_conversation(
    client: Client, conversation: Conversation, agent: User
) -> None:
    services.conversation_set_status(conversation=conversation, actor=agent, status="solved")
    response = post(client, f"/api/v1/conversations/{conversation.pk}/messages", {"body": "Again"})
    assert response.json()["conversation"]["status"] == "open"
    kinds = list(conversation.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-3:] == ["message_received", "reopened", "status_changed"]


def test_writing_to_a_closed_conversation_opens_a_follow_up(
    client: Client, conversation: Conversation, agent: User
) -> None:
    services.conversation_set_status(conversation=conversation, actor=agent, status="solved")
    services.conversation_set_status(conversation=conversation, actor=agent, status="closed")
    response = post(client, f"/api/v1/conversations/{conversation.pk}/messages", {"body": "Hello?"})
    assert response.status_code == 201
    follow_up = Conversation.objects.get(pk=response.json()["conversation"]["id"])
    assert follow_up.pk != conversation.pk
    assert follow_up.follow_up_of_id == conversation.pk
    detail = client.get(f"/api/v1/conversations/{follow_up.pk}").json()
    assert detail["follow_up_of_id"] == conversation.pk


def test_writing_to_a_merged_conversation_lands_in_the_target(
    client: Client, conversation: Conversation, agent: User, ann: tuple[Customer, User]
) -> None:
    target = services.conversation_open(channel="email", customer=ann[0], body_text="Same")
    services.conversation_merge(source=conversation, target=target, actor=agent)
    response = post(client, f"/api/v1/conversations/{conversation.pk}/messages", {"body": "+1"})
    assert response.status_code == 201
    assert response.json()["conversation"]["id"] == target.pk


def test_a_customer_cannot_open_conversations_through_the_api(
    client: Client, ann: tuple[Customer, User]
) -> None:
    before = snapshot()
    response = post(client, "/api/v1/conversations", {"customer_id": ann[0].pk, "body": "x"})
    assert_error(response, 403, "forbidden")
    assert snapshot() == before


def test_bad_message_bodies_write_nothing(client: Client, conversation: Conversation) -> None:
    before = snapshot()
    for body in ({}, {"body": ""}, {"body": 1}, {"body_html": "<script>x()</script>"}):
        response = post(client, f"/api/v1/conversations/{conversation.pk}/messages", body)
        assert_error(response, 422, "validation_error", "body")
    assert snapshot() == before


@pytest.mark.parametrize("path", ["/users", "/teams", "/customers", "/organizations"])
def test_the_directories_are_closed_to_customers(client: Client, path: str) -> None:
    assert_error(client.get(f"/api/v1{path}"), 403, "forbidden")


def test_me_names_the_customer_record(client: Client, ann: tuple[Customer, User]) -> None:
    body = client.get("/api/v1/me").json()
    assert body["role"] == "customer"
    assert body["customer_id"] == ann[0].pk
    assert body["teams"] == []
