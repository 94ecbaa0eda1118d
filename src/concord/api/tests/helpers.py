"""Helpers for API tests: portal customers, error assertions, and change snapshots."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.test import Client

from concord.accounts.models import Role, User
from concord.common.testing import factories
from concord.conversations.models import Conversation, Event, Message
from concord.customers.models import Customer, CustomerIdentity, ExternalRecord, Organization

if TYPE_CHECKING:  # the stubs name the test client's response type; Django does not
    from django.test.client import _MonkeyPatchedWSGIResponse as Response


def portal_customer(
    username: str, organization: Organization | None = None, name: str = ""
) -> tuple[Customer, User]:
    """A customer with a portal login (role customer) linked to their record."""
    user = factories.UserFactory.create(username=username, role=Role.CUSTOMER)
    customer = factories.CustomerFactory.create(
        name=name or username.title(), organization=organization, user=user
    )
    return customer, user


def post(client: Client, url: str, body: Any) -> Response:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def send(client: Client, method: str, url: str, body: Any = None) -> Response:
    if body is None:
        return getattr(client, method)(url)  # type: ignore[no-any-return]
    return getattr(client, method)(  # type: ignore[no-any-return]
        url, data=json.dumps(body), content_type="application/json"
    )


def assert_error(
    response: Response, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    """The response is the API's error body with this status and code (and field)."""
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    if field is not None:
        assert field in [f["field"] for f in error["fields"]], error
    return error


def not_found_body(conversation_id: int, field: str | None = None) -> dict[str, Any]:
    """What the API answers for a conversation that does not exist at all."""
    message = f"Conversation {conversation_id} not found."
    fields = [{"field": field, "message": message}] if field else []
    return {"error": {"code": "not_found", "message": message, "fields": fields}}


def snapshot() -> dict[str, Any]:
    """Everything a write could change, to assert that a refused request changed nothing."""
    conversations = {
        c.pk: (
            c.status,
            c.priority,
            c.assignee_id,
            c.team_id,
            c.merged_into_id,
            c.message_count,
            c.updated_at,
            c.tag_count,
        )
        for c in Conversation.objects.annotate(tag_count=Count("tags"))
    }
    return {
        "conversations": conversations,
        "messages": Message.objects.count(),
        "events": Event.objects.count(),
        "customers": Customer.objects.count(),
        "identities": CustomerIdentity.objects.count(),
        "organizations": Organization.objects.count(),
        "records": ExternalRecord.objects.count(),
        "conversation_count": Conversation.objects.count(),
    }


def iso(value: datetime) -> str:
    """A time as the API writes it (ISO 8601, milliseconds, Z for UTC)."""
    return str(DjangoJSONEncoder().default(value))
