"""The OpenAPI document describes every operation and the bearer scheme."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

EXPECTED = {
    "/api/v1/calls": {"get", "post"},
    "/api/v1/calls/{call_id}": {"get"},
    "/api/v1/consults": {"get"},
    "/api/v1/consults/{consult_id}": {"get"},
    "/api/v1/consults/{consult_id}/close": {"post"},
    "/api/v1/consults/{consult_id}/replies": {"post"},
    "/api/v1/conversations/{conversation_id}/consults": {"get", "post"},
    "/api/v1/metrics": {"get"},
    "/api/v1/metrics/{name}": {"get"},
    "/api/v1/goals": {"get", "post"},
    "/api/v1/goals/{goal_id}": {"get", "patch"},
    "/api/v1/goals/{goal_id}/archive": {"post"},
    "/api/v1/goals/{goal_id}/restore": {"post"},
    "/api/v1/conversations": {"get", "post"},
    "/api/v1/conversations/{conversation_id}": {"get"},
    "/api/v1/conversations/{conversation_id}/reply": {"post"},
    "/api/v1/conversations/{conversation_id}/notes": {"post"},
    "/api/v1/conversations/{conversation_id}/messages": {"post"},
    "/api/v1/conversations/{conversation_id}/assign": {"post"},
    "/api/v1/conversations/{conversation_id}/status": {"post"},
    "/api/v1/conversations/{conversation_id}/priority": {"post"},
    "/api/v1/conversations/{conversation_id}/tags": {"post", "delete"},
    "/api/v1/conversations/{conversation_id}/tags/remove": {"post"},
    "/api/v1/conversations/{conversation_id}/merge": {"post"},
    "/api/v1/customers": {"get", "post"},
    "/api/v1/customers/{customer_id}": {"get", "patch"},
    "/api/v1/customers/{customer_id}/export": {"get"},
    "/api/v1/customers/{customer_id}/erase": {"post"},
    "/api/v1/customers/{customer_id}/identities": {"post"},
    "/api/v1/customers/{customer_id}/records/{source}/{external_id}": {"put"},
    "/api/v1/organizations": {"get", "post"},
    "/api/v1/organizations/{organization_id}": {"get", "patch"},
    "/api/v1/users": {"get"},
    "/api/v1/users/{user_id}": {"get"},
    "/api/v1/teams": {"get"},
    "/api/v1/teams/{team_id}": {"get"},
    "/api/v1/me": {"get"},
    "/api/v1/routing/me": {"get"},
    "/api/v1/routing/me/availability": {"post"},
    "/api/v1/routing/agents/{user_id}": {"get", "post"},
    "/api/v1/surveys/definitions": {"get", "post"},
    "/api/v1/surveys/responses": {"get", "post"},
    "/api/v1/surveys/invitations": {"post"},
    "/api/v1/surveys/rules": {"get", "post"},
    "/api/v1/surveys/rules/{rule_id}": {"get", "patch", "delete"},
    "/api/v1/surveys/answers": {"post"},
    "/api/v1/problems": {"get", "post"},
    "/api/v1/problems/{problem_id}": {"get", "patch"},
    "/api/v1/problems/{problem_id}/status": {"post"},
    "/api/v1/problems/{problem_id}/links": {"post"},
    "/api/v1/problems/{problem_id}/links/{conversation_id}": {"delete"},
    "/api/v1/problems/{problem_id}/preview": {"post"},
    "/api/v1/problems/{problem_id}/announcements": {"get", "post"},
}

# Answered from a survey link by a customer with no account: the signed token in
# the body is the credential.
PUBLIC = {("post", "/api/v1/surveys/answers")}


@pytest.fixture
def schema(db: None) -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_it_lists_every_path_and_method(schema: dict[str, Any]) -> None:
    found = {path: set(ops) for path, ops in schema["paths"].items()}
    assert found == EXPECTED


def test_every_operation_requires_the_bearer_token(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes == {"BearerToken": {"type": "http", "scheme": "bearer"}}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if (method, path) in PUBLIC:
                assert operation.get("security", []) == [], (method, path)
                continue
            assert operation["security"] == [{"BearerToken": []}], (method, path)


def test_every_operation_documents_the_error_body(schema: dict[str, Any]) -> None:
    error_ref = "#/components/schemas/ErrorOut"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = operation["responses"]
            assert "401" in documented, (method, path)
            content = documented["401"]["content"]["application/json"]["schema"]
            assert content == {"$ref": error_ref}, (method, path)
    assert schema["components"]["schemas"]["ErrorOut"]["properties"]["error"]


def test_operation_ids_are_unique(schema: dict[str, Any]) -> None:
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_enum_inputs_are_described(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    assert components["StatusIn"]["properties"]["status"]["$ref"].endswith("/Status")
    assert "on_hold" in components["Status"]["enum"]
