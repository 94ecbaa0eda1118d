"""Every conversation write through the API: the answer and the events it leaves."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.api.tests.helpers import assert_error, iso, portal_customer, post, send, snapshot
from concord.common.testing import factories
from concord.conversations import services
from concord.conversations.models import Conversation, Event, Message
from concord.customers.models import Customer

ROW_FIELDS = {
    "id",
    "subject",
    "status",
    "priority",
    "channel",
    "customer",
    "team",
    "assignee",
    "tags",
    "created_at",
    "updated_at",
    "message_count",
}


def events_after(conversation: Conversation, last_id: int) -> list[tuple[str, str, str]]:
    return [
        (e.kind, e.old_value, e.new_value)
        for e in Event.objects.filter(conversation=conversation, pk__gt=last_id).order_by("id")
    ]


def last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def conversation(support: Team) -> Conversation:
    ann, _ = portal_customer("ann", name="Ann Lee")
    return services.conversation_open(
        channel="chat", customer=ann, subject="Help", body_text="Hi", team=support
    )


@pytest.fixture
def client(agent: User, api_client: Callable[[User], Client]) -> Client:
    return api_client(agent)


def url(conversation: Conversation, action: str) -> str:
    return f"/api/v1/conversations/{conversation.pk}/{action}"


def test_create_with_a_new_identity_makes_the_customer(
    admin_user: User, support: Team, api_client: Callable[[User], Client]
) -> None:
    response = post(
        api_client(admin_user),
        "/api/v1/conversations",
        {
            "channel": "phone",
            "subject": "Card declined",
            "body": "Customer called: card declined twice.",
            "identity": {"kind": "phone", "value": "+49 170 1234567", "name": "Jo Park"},
            "priority": "high",
            "team_id": support.pk,
            "tags": ["Payments"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(identities__normalized="+491701234567")
    conversation = Conversation.objects.get(pk=body["id"])
    assert customer.name == "Jo Park"
    assert {k: body[k] for k in ROW_FIELDS} == {
        "id": conversation.pk,
        "subject": "Card declined",
        "status": "new",
        "priority": "high",
        "channel": "phone",
        "customer": {"id": customer.pk, "name": "Jo Park"},
        "team": {"id": support.pk, "name": "Support"},
        "assignee": None,
        "tags": ["payments"],
        "created_at": iso(conversation.created_at),
        "updated_at": iso(conversation.updated_at),
        "message_count": 1,
    }
    assert [m["body_text"] for m in body["messages"]] == ["Customer called: card declined twice."]
    assert [e["kind"] for e in body["events"]] == [
        "created",
        "message_received",
        "team_changed",
        "tag_added",
    ]
    assert body["events"][0]["actor"]["id"] == admin_user.pk


def test_create_for_a_known_customer(
    agent: User, client: Client, conversation: Conversation
) -> None:
    ann = conversation.customer
    response = post(
        client,
        "/api/v1/conversations",
        {"customer_id": ann.pk, "body_html": "<p>Follow-up <script>x()</script>call</p>"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer"] == {"id": ann.pk, "name": "Ann Lee"}
    assert body["channel"] == "api"
    assert body["messages"][0]["body_html"] == "<p>Follow-up call</p>"
    assert Customer.objects.count() == 1


def test_reply_answers_with_the_message_and_the_conversation(
    agent: User, client: Client, conversation: Conversation
) -> None:
    mark = last_event_id()
    response = post(client, url(conversation, "reply"), {"body": "On it!"})
    assert response.status_code == 201, response.content
    body = response.json()
    message = Message.objects.get(pk=body["message"]["id"])
    conversation.refresh_from_db()
    assert body["message"] == {
        "id": message.pk,
        "direction": "outbound",
        "visibility": "public",
        "channel": "chat",
        "author": {"kind": "user", "id": agent.pk, "name": "alex"},
        "body_html": "<p>On it!</p>",
        "body_text": "On it!",
        "quoted_text": "",
        "automatic": False,
        "delivery": None,
        "created_at": iso(message.created_at),
    }
    assert set(body["conversation"]) == ROW_FIELDS
    assert body["conversation"]["status"] == "open"
    assert body["conversation"]["assignee"] == {"id": agent.pk, "username": "alex"}
    assert body["conversation"]["message_count"] == 2
    assert events_after(conversation, mark) == [
        ("replied", "", ""),
        ("assigned", "", str(agent.pk)),
        ("status_changed", "new", "open"),
    ]


def test_reply_can_set_a_status(client: Client, conversation: Conversation) -> None:
    mark = last_event_id()
    response = post(
        client, url(conversation, "reply"), {"body": "Can you confirm?", "status": "pending"}
    )
    assert response.status_code == 201
    assert response.json()["conversation"]["status"] == "pending"
    assert ("status_changed", "new", "pending") in events_after(conversation, mark)


def test_a_note_is_internal(client: Client, conversation: Conversation) -> None:
    mark = last_event_id()
    response = post(client, url(conversation, "notes"), {"body_html": "<b>check</b> the logs"})
    assert response.status_code == 201
    body = response.json()
    assert body["message"]["visibility"] == "internal"
    assert body["message"]["body_text"] == "check the logs"
    assert body["conversation"]["status"] == "new"
    assert body["conversation"]["assignee"] is None
    assert events_after(conversation, mark) == [("note_added", "", "")]


def test_assign_sets_clears_and_keeps(
    client: Client, conversation: Conversation, agent: User, support: Team, billing: Team
) -> None:
    mark = last_event_id()
    body = post(client, url(conversation, "assign"), {"assignee_id": agent.pk}).json()
    assert set(body) == ROW_FIELDS
    assert body["assignee"] == {"id": agent.pk, "username": "alex"}
    assert body["team"] == {"id": support.pk, "name": "Support"}  # omitted: kept
    assert events_after(conversation, mark) == [("assigned", "", str(agent.pk))]

    mark = last_event_id()
    body = post(client, url(conversation, "assign"), {"assignee_id": None}).json()
    assert body["assignee"] is None
    assert body["team"] == {"id": support.pk, "name": "Support"}
    assert events_after(conversation, mark) == [("assigned", str(agent.pk), "")]

    # Handing it to a team the agent is not in still answers with the result.
    mark = last_event_id()
    response = post(client, url(conversation, "assign"), {"team_id": billing.pk})
    assert response.status_code == 200
    assert response.json()["team"] == {"id": billing.pk, "name": "Billing"}
    assert events_after(conversation, mark) == [("team_changed", str(support.pk), str(billing.pk))]


def test_assign_clears_the_team_with_null(
    admin_user: User, conversation: Conversation, api_client: Callable[[User], Client]
) -> None:
    mark = last_event_id()
    body = post(api_client(admin_user), url(conversation, "assign"), {"team_id": None}).json()
    assert body["team"] is None
    assert events_after(conversation, mark) == [("team_changed", str(conversation.team_id), "")]


def test_assign_with_nothing_to_change_is_a_422(client: Client, conversation: Conversation) -> None:
    before = snapshot()
    assert_error(post(client, url(conversation, "assign"), {}), 422, "validation_error")
    assert snapshot() == before


def test_status_moves_and_reopens(client: Client, conversation: Conversation) -> None:
    mark = last_event_id()
    body = post(client, url(conversation, "status"), {"status": "solved"}).json()
    assert set(body) == ROW_FIELDS
    assert body["status"] == "solved"
    body = post(client, url(conversation, "status"), {"status": "open"}).json()
    assert body["status"] == "open"
    assert events_after(conversation, mark) == [
        ("status_changed", "new", "solved"),
        ("reopened", "solved", "open"),
        ("status_changed", "solved", "open"),
    ]
    conversation.refresh_from_db()
    assert conversation.solved_at is not None


def test_priority(client: Client, conversation: Conversation) -> None:
    mark = last_event_id()
    body = post(client, url(conversation, "priority"), {"priority": "urgent"}).json()
    assert body["priority"] == "urgent"
    assert events_after(conversation, mark) == [("priority_changed", "normal", "urgent")]


@pytest.mark.parametrize(("method", "path"), [("delete", "tags"), ("post", "tags/remove")])
def test_tags_add_and_remove(
    client: Client, conversation: Conversation, method: str, path: str
) -> None:
    mark = last_event_id()
    response = post(client, url(conversation, "tags"), {"tags": ["Refund", "vip", "vip"]})
    assert response.status_code == 200
    body = response.json()
    assert body["changed"] == ["refund", "vip"]
    assert body["conversation"]["tags"] == ["refund", "vip"]
    again = post(client, url(conversation, "tags"), {"tags": ["vip"]}).json()
    assert again["changed"] == []
    removed = send(client, method, url(conversation, path), {"tags": ["vip", "unknown"]})
    assert removed.status_code == 200, removed.content
    assert removed.json()["changed"] == ["vip"]
    assert removed.json()["conversation"]["tags"] == ["refund"]
    assert events_after(conversation, mark) == [
        ("tag_added", "", "refund"),
        ("tag_added", "", "vip"),
        ("tag_removed", "vip", ""),
    ]


def test_merge_moves_everything_into_the_target(
    client: Client, conversation: Conversation, support: Team
) -> None:
    other = services.conversation_open(
        channel="email",
        customer=conversation.customer,
        subject="Same thing",
        body_text="Again",
        team=support,
    )
    mark = last_event_id()
    response = post(client, url(conversation, "merge"), {"target_id": other.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == ROW_FIELDS
    assert body["id"] == other.pk
    assert body["message_count"] == 2
    conversation.refresh_from_db()
    assert conversation.merged_into_id == other.pk
    assert conversation.status == "closed"
    assert events_after(conversation, mark) == [("merged", "new", str(other.pk))]
    assert events_after(other, mark) == [("merged_in", "", str(conversation.pk))]


def test_a_write_returns_the_latest_updated_at(client: Client, conversation: Conversation) -> None:
    before = conversation.updated_at
    body = post(client, url(conversation, "priority"), {"priority": "low"}).json()
    conversation.refresh_from_db()
    assert conversation.updated_at > before
    assert body["updated_at"] == iso(conversation.updated_at)


def test_create_as_a_supervisor_for_another_team(
    supervisor: User, billing: Team, api_client: Callable[[User], Client]
) -> None:
    customer = factories.CustomerFactory.create()
    response = post(
        api_client(supervisor),
        "/api/v1/conversations",
        {"customer_id": customer.pk, "body": "x", "team_id": billing.pk},
    )
    assert response.status_code == 201
    assert response.json()["team"] == {"id": billing.pk, "name": "Billing"}
