"""POST /api/v1/calls from the telephony system; GET for staff, with the conversations' rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.channels.phone.models import CallRecord
from concord.channels.phone.tests.helpers import PHONE, T0, record, record_missed
from concord.common.testing import factories
from concord.conversations.models import Conversation
from concord.customers.services import customer_link_user

pytestmark = pytest.mark.django_db

ApiClient = Callable[[User], Client]


def post(client: Client, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/calls", json.dumps(body), content_type="application/json")


def body(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "external_id": "pbx-1001",
        "direction": "inbound",
        "customer_phone": PHONE,
        "queued_at": T0.isoformat(),
        "answered_at": (T0 + timedelta(seconds=30)).isoformat(),
        "ended_at": (T0 + timedelta(minutes=10)).isoformat(),
        "talk_seconds": 480,
        "hold_seconds": 60,
        "wrap_up_seconds": 120,
    }
    values.update(overrides)
    return values


def fields_of(answer: Any) -> list[str]:
    return [f["field"] for f in answer.json()["error"]["fields"]]


# ---- posting -----------------------------------------------------------------------


def test_the_integration_posts_a_call_and_it_opens_a_conversation(
    integration: User, agent: User, support: Team, api_client: ApiClient
) -> None:
    answer = post(
        api_client(integration),
        body(agent_id=agent.pk, team_id=support.pk, summary="Asked about the invoice."),
    )
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert (data["external_id"], data["direction"], data["abandoned"]) == (
        "pbx-1001",
        "inbound",
        False,
    )
    assert (data["wait_seconds"], data["handle_seconds"]) == (30.0, 660)
    assert data["agent"] == {"id": agent.pk, "username": "alex"}
    assert data["team"] == {"id": support.pk, "name": "Support"}
    assert data["customer_phone_normalized"] == "+49301234567"
    conversation = Conversation.objects.get(pk=data["conversation_id"])
    assert (conversation.channel, conversation.customer_id) == ("phone", data["customer"]["id"])
    # Dealt with on the phone: solved by the agent when the call ended.
    assert (conversation.status, conversation.solved_at) == ("solved", T0 + timedelta(minutes=10))


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"follow_up": True}, "new"),
        ({"follow_up": False}, "solved"),
        ({"agent_id": None}, "new"),  # answered, but by nobody Concord knows: the team sees it
        (
            {"answered_at": None, "abandoned": True, "talk_seconds": 0, "hold_seconds": 0},
            "new",
        ),
    ],
)
def test_only_a_call_needing_more_stays_open(
    integration: User,
    agent: User,
    api_client: ApiClient,
    overrides: dict[str, Any],
    status: str,
) -> None:
    answer = post(api_client(integration), body(**{"agent_id": agent.pk, **overrides}))
    assert answer.status_code == 201, answer.content
    conversation = Conversation.objects.get(pk=answer.json()["conversation_id"])
    assert conversation.status == status


def test_follow_up_must_be_a_boolean(integration: User, api_client: ApiClient) -> None:
    answer = post(api_client(integration), body(follow_up="yes"))
    assert (answer.status_code, fields_of(answer)) == (422, ["follow_up"])


def test_posting_the_same_record_again_answers_200_with_the_same_call(
    integration: User, api_client: ApiClient
) -> None:
    client = api_client(integration)
    first = post(client, body())
    again = post(client, body())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert CallRecord.objects.count() == 1
    assert Conversation.objects.count() == 1


def test_posting_changed_facts_updates_the_call_and_logs_the_change(
    integration: User, admin_user: User, api_client: ApiClient
) -> None:
    client = api_client(integration)
    first = post(client, body()).json()
    changed = post(client, body(hold_seconds=90))
    assert changed.status_code == 200
    assert changed.json()["hold_seconds"] == 90
    assert changed.json()["id"] == first["id"]
    detail = api_client(admin_user).get(f"/api/v1/calls/{first['id']}").json()
    assert [c["fields"] for c in detail["changes"]] == [{"hold_seconds": {"old": 60, "new": 90}}]
    assert detail["changes"][0]["actor"] == {"id": integration.pk, "username": "telephony"}


def test_an_admin_may_post_calls(admin_user: User, api_client: ApiClient) -> None:
    assert post(api_client(admin_user), body()).status_code == 201


def test_staff_without_the_permission_may_not_post(
    agent: User, supervisor: User, api_client: ApiClient
) -> None:
    for user in (agent, supervisor):
        answer = post(api_client(user), body())
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "forbidden"
    assert not CallRecord.objects.exists()
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"talk_seconds": -1}, "talk_seconds"),
        ({"direction": "sideways"}, "direction"),
        ({"queued_at": "2025-03-03T09:00:00"}, "queued_at"),  # no time zone
        ({"abandoned": "yes"}, "abandoned"),
        ({"ended_at": T0.isoformat()}, "ended_at"),  # before it was answered
        ({"answered_at": None}, "answered_at"),  # not answered, not abandoned
        ({"customer_phone": "not a number"}, "customer_phone"),
        ({"agent_id": 999_999}, "agent_id"),
        ({"team_id": 999_999}, "team_id"),
        ({"conversation_id": 999_999}, "conversation_id"),
        ({"recording_url": "ftp://pbx.example/rec/1.wav"}, "recording_url"),
    ],
)
def test_invalid_records_answer_422_naming_the_field(
    integration: User, api_client: ApiClient, overrides: dict[str, Any], field: str
) -> None:
    answer = post(api_client(integration), body(**overrides))
    assert answer.status_code == 422, answer.content
    assert answer.json()["error"]["code"] == "validation_error"
    assert fields_of(answer) == [field]
    assert not CallRecord.objects.exists()


def test_a_missing_field_is_named(integration: User, api_client: ApiClient) -> None:
    values = body()
    del values["ended_at"]
    answer = post(api_client(integration), values)
    assert (answer.status_code, fields_of(answer)) == (422, ["ended_at"])


# ---- reading -----------------------------------------------------------------------


def test_an_agent_sees_calls_of_conversations_they_can_see(
    agent: User, other_agent: User, support: Team, billing: Team, api_client: ApiClient
) -> None:
    ours = record(team=support, agent=agent).call
    theirs = record(team=billing, customer_phone="+1 202 555 0111").call
    client = api_client(agent)
    assert client.get(f"/api/v1/calls/{ours.pk}").status_code == 200
    hidden = client.get(f"/api/v1/calls/{theirs.pk}")
    missing = client.get("/api/v1/calls/999999")
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json() == {
        "error": {"code": "not_found", "message": f"Call {theirs.pk} not found.", "fields": []}
    }
    assert [c["id"] for c in client.get("/api/v1/calls").json()] == [ours.pk]
    assert api_client(other_agent).get(f"/api/v1/calls/{ours.pk}").status_code == 404


def test_customers_and_collaborators_read_no_calls(
    collaborator: User, integration: User, api_client: ApiClient
) -> None:
    call = record().call
    customer_user = factories.UserFactory.create(username="dana", role="customer")
    customer_link_user(customer=call.customer, user=customer_user)
    for user in (customer_user, collaborator, integration):
        client = api_client(user)
        assert client.get("/api/v1/calls").status_code == 403
        assert client.get(f"/api/v1/calls/{call.pk}").status_code == 404


def test_the_list_filters_by_customer_agent_and_time(
    supervisor: User, agent: User, api_client: ApiClient
) -> None:
    early = record(agent=agent).call
    late = record(queued_at=T0 + timedelta(days=2)).call
    other = record_missed(customer_phone="+1 202 555 0123", queued_at=T0 + timedelta(days=1)).call
    client = api_client(supervisor)

    def ids(query: str) -> list[int]:
        answer = client.get(f"/api/v1/calls{query}")
        assert answer.status_code == 200, answer.content
        return [c["id"] for c in answer.json()]

    assert ids("") == [late.pk, other.pk, early.pk]
    assert ids(f"?customer={early.customer_id}") == [late.pk, early.pk]
    assert ids(f"?agent={agent.pk}") == [early.pk]
    since = (T0 + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"?since={since}") == [late.pk, other.pk]
    assert ids("?limit=1&offset=1") == [other.pk]
    answer = client.get("/api/v1/calls?since=yesterday")
    assert (answer.status_code, fields_of(answer)) == (422, ["since"])


def test_the_list_costs_the_same_few_queries_for_many_calls(
    supervisor: User,
    agent: User,
    support: Team,
    api_client: ApiClient,
    django_assert_max_num_queries: Any,
) -> None:
    for minute in range(30):
        record(agent=agent, team=support, queued_at=T0 + timedelta(minutes=minute))
    client = api_client(supervisor)
    with django_assert_max_num_queries(6):
        answer = client.get("/api/v1/calls?limit=100")
    assert len(answer.json()) == 30


def test_the_calls_endpoints_are_documented() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert {"/api/v1/calls", "/api/v1/calls/{call_id}"} <= set(schema["paths"])
    post_body = schema["components"]["schemas"]["CallIn"]
    assert {"external_id", "direction", "customer_phone", "queued_at", "ended_at"} <= set(
        post_body["required"]
    )
