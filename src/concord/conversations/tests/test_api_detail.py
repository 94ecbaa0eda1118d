"""GET /api/v1/conversations/{id}: messages for everyone who may see it, events for staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.api.tests.helpers import iso, portal_customer
from concord.conversations import services
from concord.conversations.models import Conversation


@pytest.fixture
def conversation(support: Team, agent: User) -> Conversation:
    ann, _ = portal_customer("ann", name="Ann Lee")
    conversation = services.conversation_open(
        channel="email",
        customer=ann,
        subject="Where is my parcel?",
        body_text="It has been a week.",
        team=support,
        tags=["delivery"],
    )
    services.conversation_note(conversation=conversation, actor=agent, body_text="Ask logistics")
    services.conversation_reply(conversation=conversation, actor=agent, body_text="Looking now")
    return Conversation.objects.get(pk=conversation.pk)


def test_staff_see_every_message_and_the_event_log(
    conversation: Conversation, agent: User, support: Team, api_client: Callable[[User], Client]
) -> None:
    response = api_client(agent).get(f"/api/v1/conversations/{conversation.pk}")
    assert response.status_code == 200
    body = response.json()
    messages = list(conversation.messages.order_by("created_at", "id"))
    inbound, note, reply = messages
    ann = conversation.customer
    assert body == {
        "id": conversation.pk,
        "subject": "Where is my parcel?",
        "status": "open",
        "priority": "normal",
        "channel": "email",
        "customer": {"id": ann.pk, "name": "Ann Lee"},
        "team": {"id": support.pk, "name": "Support"},
        "assignee": {"id": agent.pk, "username": "alex"},
        "tags": ["delivery"],
        "created_at": iso(conversation.created_at),
        "updated_at": iso(conversation.updated_at),
        "message_count": 3,
        "category": "",
        "merged_into_id": None,
        "follow_up_of_id": None,
        "solved_at": None,
        "closed_at": None,
        "messages": [
            {
                "id": inbound.pk,
                "direction": "inbound",
                "visibility": "public",
                "channel": "email",
                "author": {"kind": "customer", "id": ann.pk, "name": "Ann Lee"},
                "body_html": "<p>It has been a week.</p>",
                "body_text": "It has been a week.",
                "quoted_text": "",
                "automatic": False,
                "delivery": None,
                "created_at": iso(inbound.created_at),
            },
            {
                "id": note.pk,
                "direction": "outbound",
                "visibility": "internal",
                "channel": "email",
                "author": {"kind": "user", "id": agent.pk, "name": "alex"},
                "body_html": "<p>Ask logistics</p>",
                "body_text": "Ask logistics",
                "quoted_text": "",
                "automatic": False,
                "delivery": None,
                "created_at": iso(note.created_at),
            },
            {
                "id": reply.pk,
                "direction": "outbound",
                "visibility": "public",
                "channel": "email",
                "author": {"kind": "user", "id": agent.pk, "name": "alex"},
                "body_html": "<p>Looking now</p>",
                "body_text": "Looking now",
                "quoted_text": "",
                "automatic": False,
                "delivery": None,
                "created_at": iso(reply.created_at),
            },
        ],
        "events": body["events"],
    }
    assert [e["kind"] for e in body["events"]] == [
        "created",
        "message_received",
        "team_changed",
        "tag_added",
        "note_added",
        "replied",
        "assigned",
        "status_changed",
    ]
    status_event = body["events"][-1]
    assert status_event["actor"] == {"kind": "user", "id": agent.pk, "name": "alex"}
    assert (status_event["old_value"], status_event["new_value"]) == ("new", "open")
    assert body["events"][5]["message_id"] == reply.pk
    assert set(status_event) == {
        "id",
        "kind",
        "actor",
        "old_value",
        "new_value",
        "message_id",
        "merged_from_id",
        "created_at",
    }


def test_the_customer_sees_public_messages_only_and_no_events(
    conversation: Conversation, api_client: Callable[[User], Client]
) -> None:
    ann_user = User.objects.get(username="ann")
    body = api_client(ann_user).get(f"/api/v1/conversations/{conversation.pk}").json()
    assert [m["body_text"] for m in body["messages"]] == ["It has been a week.", "Looking now"]
    assert body["events"] is None
    assert body["tags"] == []


def test_the_detail_takes_a_fixed_number_of_queries(
    conversation: Conversation,
    agent: User,
    api_client: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    client = api_client(agent)
    for i in range(20):
        services.conversation_note(conversation=conversation, actor=agent, body_text=f"n{i}")
    with django_assert_max_num_queries(7):
        assert client.get(f"/api/v1/conversations/{conversation.pk}").status_code == 200
