"""The consults API: ask, queue, answer, close; a consulted team cannot work the conversation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.conversations.models import Conversation
from concord.conversations.services import conversation_open
from concord.customers.services import customer_create

pytestmark = pytest.mark.django_db

ApiClient = Callable[[User], Client]


@pytest.fixture
def conversation(support: Team) -> Conversation:
    nora = customer_create(name="Nora Quinn", identities=[("email", "nora@example.com")])
    return conversation_open(
        channel="email", customer=nora, subject="Charged twice", body_text="Hi", team=support
    )


def test_ask_answer_and_close_through_the_api(
    api_client: ApiClient,
    agent: User,
    collaborator: User,
    billing: Team,
    conversation: Conversation,
) -> None:
    owner, billing_member = api_client(agent), api_client(collaborator)
    asked = owner.post(
        f"/api/v1/conversations/{conversation.pk}/consults",
        {"team_id": billing.pk, "question": "Refunded?", "hold": True},
        content_type="application/json",
    )
    assert asked.status_code == 201, asked.content
    consult = asked.json()
    assert (consult["team"], consult["status"]) == ({"id": billing.pk, "name": "Billing"}, "open")
    queue = billing_member.get("/api/v1/consults").json()
    assert [c["id"] for c in queue] == [consult["id"]]
    answer = billing_member.post(
        f"/api/v1/consults/{consult['id']}/replies",
        {"body": "Yes, on the 3rd."},
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert answer.json()["author"]["username"] == "carl"
    # The consulted read the conversation, but cannot reply to the customer.
    assert billing_member.get(f"/api/v1/conversations/{conversation.pk}").status_code == 200
    refused = billing_member.post(
        f"/api/v1/conversations/{conversation.pk}/notes",
        {"body": "Sneaky"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    closed = owner.post(f"/api/v1/consults/{consult['id']}/close")
    assert closed.json()["status"] == "closed"
    listed = owner.get(f"/api/v1/conversations/{conversation.pk}/consults").json()
    assert [r["body"] for r in listed[0]["replies"]] == ["Yes, on the 3rd."]


def test_the_api_refuses_what_is_not_yours_or_not_valid(
    api_client: ApiClient,
    agent: User,
    other_agent: User,
    billing: Team,
    conversation: Conversation,
) -> None:
    owner, outsider = api_client(agent), api_client(other_agent)
    nobody = owner.post(
        f"/api/v1/conversations/{conversation.pk}/consults",
        {"question": "Anyone?"},
        content_type="application/json",
    )
    assert nobody.status_code == 422
    assert "Choose a team or a person" in nobody.json()["error"]["message"]
    missing = owner.post(
        f"/api/v1/conversations/{conversation.pk}/consults",
        {"team_id": 999_999, "question": "Q"},
        content_type="application/json",
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["fields"][0]["field"] == "team_id"
    # Bea (Billing) cannot see Support's conversation, so she cannot ask about it either.
    hidden = outsider.post(
        f"/api/v1/conversations/{conversation.pk}/consults",
        {"team_id": billing.pk, "question": "Q"},
        content_type="application/json",
    )
    assert hidden.status_code == 404
    legal = Team.objects.create(name="Legal", slug="legal")
    made = owner.post(
        f"/api/v1/conversations/{conversation.pk}/consults",
        {"team_id": legal.pk, "question": "Allowed?"},
        content_type="application/json",
    ).json()
    assert outsider.get(f"/api/v1/consults/{made['id']}").status_code == 404
    assert outsider.post(f"/api/v1/consults/{made['id']}/close").status_code == 404


def test_a_customer_never_reads_consults_through_the_api(
    api_client: ApiClient, agent: User, billing: Team, conversation: Conversation
) -> None:
    from concord.portal.services import portal_user_for_customer

    nora = portal_user_for_customer(customer=conversation.customer, email="nora@example.com")
    owner = api_client(agent)
    owner.post(
        f"/api/v1/conversations/{conversation.pk}/consults",
        {"team_id": billing.pk, "question": "Internal question"},
        content_type="application/json",
    )
    seen = api_client(nora).get(f"/api/v1/conversations/{conversation.pk}/consults")
    assert seen.status_code == 200
    assert seen.json() == []
    assert api_client(nora).get("/api/v1/consults").json() == []
