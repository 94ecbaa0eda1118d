"""One error format for every failure: bad JSON, bad fields, too big, unknown paths."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from concord.accounts.models import Team, User
from concord.api.tests.helpers import assert_error, post, send, snapshot
from concord.common.testing import factories
from concord.conversations.models import Conversation


@pytest.fixture
def conversation(support: Team) -> Conversation:
    return factories.ConversationFactory.create(team=support)


@pytest.fixture
def client(admin_user: User, api_client: Callable[[User], Client]) -> Client:
    return api_client(admin_user)


def test_malformed_json_is_a_400_that_says_why(client: Client, conversation: Conversation) -> None:
    before = snapshot()
    response = client.post(
        f"/api/v1/conversations/{conversation.pk}/notes",
        data='{"body": "unterminated',
        content_type="application/json",
    )
    error = assert_error(response, 400, "malformed_json")
    assert "not valid JSON" in error["message"]
    assert snapshot() == before


@pytest.mark.parametrize("raw", ["[1, 2]", '"a string"', "42", "null"])
def test_a_body_that_is_not_an_object_is_refused(
    client: Client, conversation: Conversation, raw: str
) -> None:
    before = snapshot()
    response = client.post(
        f"/api/v1/conversations/{conversation.pk}/notes", data=raw, content_type="application/json"
    )
    error = assert_error(response, 400, "malformed_json")
    assert error["message"] == "The request body must be a JSON object."
    assert snapshot() == before


def test_an_empty_body_is_a_422_naming_the_request_body(
    client: Client, conversation: Conversation
) -> None:
    before = snapshot()
    response = client.post(
        f"/api/v1/conversations/{conversation.pk}/status", data="", content_type="application/json"
    )
    error = assert_error(response, 422, "validation_error", "request_body")
    assert error["fields"] == [
        {"field": "request_body", "message": "The request body is empty: send a JSON object."}
    ]
    assert snapshot() == before


def test_an_oversized_body_is_a_413(
    client: Client, conversation: Conversation, settings: Settings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = snapshot()
    response = post(
        client, f"/api/v1/conversations/{conversation.pk}/notes", {"body": "x" * 20_000}
    )
    error = assert_error(response, 413, "payload_too_large")
    assert "larger" in error["message"]
    assert snapshot() == before


def test_a_message_over_the_message_limit_is_a_422_on_body(
    client: Client, conversation: Conversation, settings: Settings
) -> None:
    settings.CONCORD_MAX_MESSAGE_BYTES = 2_000
    before = snapshot()
    response = post(client, f"/api/v1/conversations/{conversation.pk}/notes", {"body": "x" * 3_000})
    assert_error(response, 422, "validation_error", "body")
    assert snapshot() == before


def test_field_errors_name_the_field_as_the_client_wrote_it(
    client: Client, conversation: Conversation
) -> None:
    response = post(
        client,
        "/api/v1/conversations",
        {"identity": {"kind": "fax", "value": "1"}, "body": 5, "tags": ["ok", 7]},
    )
    error = assert_error(response, 422, "validation_error")
    assert sorted(f["field"] for f in error["fields"]) == ["body", "identity.kind", "tags.1"]
    assert error["message"] == "3 fields are not valid."


def test_one_field_error_is_named_in_the_message(
    client: Client, conversation: Conversation
) -> None:
    response = post(client, f"/api/v1/conversations/{conversation.pk}/status", {"status": "done"})
    error = assert_error(response, 422, "validation_error", "status")
    assert error["message"].startswith("status: ")
    assert len(error["fields"]) == 1


def test_a_path_id_that_is_not_a_number_is_a_422_naming_it(client: Client) -> None:
    assert_error(
        client.get("/api/v1/conversations/abc"), 422, "validation_error", "conversation_id"
    )
    assert_error(client.get("/api/v1/customers/abc"), 422, "validation_error", "customer_id")


def test_an_empty_object_names_each_missing_field(
    client: Client, conversation: Conversation
) -> None:
    response = post(client, f"/api/v1/conversations/{conversation.pk}/status", {})
    error = assert_error(response, 422, "validation_error")
    assert error["fields"] == [{"field": "status", "message": "Field required"}]


def test_an_unknown_path_answers_in_the_api_format(client: Client) -> None:
    error = assert_error(client.get("/api/v1/tickets"), 404, "not_found")
    assert "/api/v1/tickets" in error["message"]
    assert_error(send(Client(), "post", "/api/v1/nothing/here", {}), 404, "not_found")


def test_service_errors_keep_their_status(client: Client, conversation: Conversation) -> None:
    # Conflict: new → closed is not a transition.
    error = assert_error(
        post(client, f"/api/v1/conversations/{conversation.pk}/status", {"status": "closed"}),
        409,
        "conflict",
        "status",
    )
    assert "cannot go from new to closed" in error["message"]
