"""The surveys API: definitions for admins, responses for staff, answers for the portal."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import User
from concord.conversations.models import Conversation
from concord.surveys.models import SurveyDefinition, SurveyResponse
from concord.surveys.services import survey_answer
from concord.surveys.tests.conftest import Solver, make_definition
from concord.surveys.tests.helpers import invite

pytestmark = [pytest.mark.django_db, pytest.mark.urls("concord.surveys.tests.urls")]

ApiClient = Callable[[User], Client]


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def conversation(solve: Solver) -> Conversation:
    return solve(hook=False)


# ---- definitions ----------------------------------------------------------------


def test_an_admin_creates_and_lists_definitions(admin_user: User, api_client: ApiClient) -> None:
    client = api_client(admin_user)
    created = post(
        client,
        "/api/v1/surveys/definitions",
        {
            "name": "Value",
            "kind": "ves",
            "subject": "Two quick questions",
            "question": "I can achieve more with the product.",
            "question_2": "My confidence in purchasing is higher.",
            "language": "de",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["language"], body["scale_low"], body["scale_high"]) == (
        "ves",
        "de",
        1,
        7,
    )
    listed = client.get("/api/v1/surveys/definitions").json()
    assert [d["id"] for d in listed] == [body["id"]]


def test_a_ves_definition_needs_its_second_statement(
    admin_user: User, api_client: ApiClient
) -> None:
    answer = post(
        api_client(admin_user),
        "/api/v1/surveys/definitions",
        {"name": "V", "kind": "ves", "subject": "S", "question": "Q"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "question_2"
    assert not SurveyDefinition.objects.exists()


def test_only_admins_manage_definitions(
    supervisor: User, agent: User, api_client: ApiClient
) -> None:
    for user in (supervisor, agent):
        client = api_client(user)
        assert client.get("/api/v1/surveys/definitions").status_code == 403
        refused = post(
            client,
            "/api/v1/surveys/definitions",
            {"name": "C", "kind": "csat", "subject": "S", "question": "Q"},
        )
        assert refused.status_code == 403
    assert not SurveyDefinition.objects.exists()


# ---- responses ------------------------------------------------------------------


def test_staff_read_responses_with_filters(
    solve: Solver,
    supervisor: User,
    agent: User,
    api_client: ApiClient,
    django_assert_max_num_queries: Any,
) -> None:
    csat, ces = make_definition("csat"), make_definition("ces")
    first = solve(hook=False)
    second = solve(hook=False, email="lee@customer.test", channel="web")
    survey_answer(token=invite(definition=csat, conversation=first)[1], score=5)
    survey_answer(token=invite(definition=ces, conversation=first)[1], score=6)
    survey_answer(token=invite(definition=csat, conversation=second)[1], score=2)
    client = api_client(supervisor)

    def ids(query: str) -> list[tuple[str, int]]:
        rows = client.get(f"/api/v1/surveys/responses{query}").json()
        return sorted((r["kind"], r["score"]) for r in rows)

    with django_assert_max_num_queries(6):
        assert ids("") == [("ces", 6), ("csat", 2), ("csat", 5)]
    assert ids("?kind=csat") == [("csat", 2), ("csat", 5)]
    assert ids(f"?conversation={first.pk}") == [("ces", 6), ("csat", 5)]
    assert ids(f"?customer={second.customer_id}") == [("csat", 2)]
    assert ids("?channel=web") == [("csat", 2)]
    assert ids(f"?agent={agent.pk}") == [("ces", 6), ("csat", 2), ("csat", 5)]
    assert ids(f"?agent={supervisor.pk}") == []
    assert ids("?team=999") == []
    assert client.get("/api/v1/surveys/responses?kind=bogus").status_code == 422


def test_agents_read_only_answers_about_conversations_they_see(
    solve: Solver,
    agent: User,
    other_agent: User,
    collaborator: User,
    billing: Any,
    api_client: ApiClient,
) -> None:
    conversation = solve(hook=False)
    Conversation.objects.filter(pk=conversation.pk).update(team=billing, assignee=None)
    survey_answer(
        token=invite(definition=make_definition("csat"), conversation=conversation)[1], score=4
    )
    assert api_client(other_agent).get("/api/v1/surveys/responses").json()[0]["score"] == 4
    assert api_client(agent).get("/api/v1/surveys/responses").json() == []
    assert api_client(collaborator).get("/api/v1/surveys/responses").status_code == 403


# ---- answers --------------------------------------------------------------------


def test_the_portal_posts_an_answer_without_an_account(conversation: Conversation) -> None:
    _, token = invite(definition=make_definition("nps"), conversation=conversation)
    client = Client(enforce_csrf_checks=True)
    answer = post(
        client, "/api/v1/surveys/answers", {"token": token, "score": 9, "comment": "Fast."}
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["score"], answer.json()["comment"]) == (9, "Fast.")
    again = post(client, "/api/v1/surveys/answers", {"token": token, "score": 10})
    assert again.json()["id"] == answer.json()["id"]
    response = SurveyResponse.objects.get()
    assert (response.score, response.comment) == (10, "Fast.")


SCALES = {
    "csat": (1, 5),
    "nps": (0, 10),
    "ces": (1, 7),
    "stars": (1, 5),
    "ves": (1, 7),
    "gcr": (0, 1),
}


@pytest.mark.parametrize("kind", list(SCALES))
def test_answers_off_the_scale_or_not_integers_are_422_and_store_nothing(
    kind: str, conversation: Conversation, client: Client
) -> None:
    _, token = invite(definition=make_definition(kind), conversation=conversation)
    low, high = SCALES[kind]
    bad_bodies: list[dict[str, Any]] = [
        {"token": token, "score": low - 1},
        {"token": token, "score": high + 1},
        {"token": token, "score": 1.5},
        {"token": token, "score": float(high)},
        {"token": token, "score": str(high)},
        {"token": token, "score": True},
        {"token": token, "score": None},
        {"token": token},
        {"token": token, "score": [high]},
    ]
    for body in bad_bodies:
        answer = post(client, "/api/v1/surveys/answers", body)
        assert answer.status_code == 422, (body, answer.content)
        assert answer.json()["error"]["fields"][0]["field"] == "score", body
    assert not SurveyResponse.objects.exists()
    for score in (low, high):
        assert (
            post(client, "/api/v1/surveys/answers", {"token": token, "score": score}).status_code
            == 200
        )
    assert SurveyResponse.objects.get().score == high


def test_a_second_score_is_for_ves_only_and_on_its_scale(
    conversation: Conversation, client: Client
) -> None:
    _, ves = invite(definition=make_definition("ves"), conversation=conversation)
    _, csat = invite(definition=make_definition("csat"), conversation=conversation)
    for body in (
        {"token": ves, "score": 5, "score_2": 8},
        {"token": ves, "score": 5, "score_2": "3"},
        {"token": csat, "score": 5, "score_2": 3},
    ):
        answer = post(client, "/api/v1/surveys/answers", body)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["fields"][0]["field"] == "score_2"
    assert not SurveyResponse.objects.exists()
    ok = post(client, "/api/v1/surveys/answers", {"token": ves, "score": 5, "score_2": 3})
    assert (ok.json()["score"], ok.json()["score_2"]) == (5, 3)


def test_a_bad_token_is_422_and_stores_nothing(conversation: Conversation, client: Client) -> None:
    _, token = invite(definition=make_definition("csat"), conversation=conversation)
    for bad in ("forged", token[:-2], ""):
        answer = post(client, "/api/v1/surveys/answers", {"token": bad, "score": 5})
        assert answer.status_code == 422
        assert answer.json()["error"]["fields"][0]["field"] in ("token",)
    assert not SurveyResponse.objects.exists()
