"""The OpenAPI document publishes each schema under its own name, with the server's rules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import BaseModel

from concord.api.main import api


@pytest.fixture
def schema(db: None) -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


# ---- one name, one schema ------------------------------------------------------


def _operation_models() -> Iterator[tuple[str, str, type[BaseModel]]]:
    """Every (label, mode, model) the operations validate input with or answer with."""
    for router in api._get_bound_routers():
        for path, view in router.path_operations.items():
            for operation in view.operations:
                label = f"{','.join(operation.methods)} {path}"
                for model in operation.models:
                    yield label, "validation", model
                for model in operation.response_models.values():
                    if isinstance(model, type) and issubclass(model, BaseModel):
                        yield label, "serialization", model


def _definitions(model: type[BaseModel], mode: str) -> dict[str, Any]:
    """The component schemas the model's own document needs, as ninja would publish them."""
    schema = model.model_json_schema(
        ref_template=REF_TEMPLATE,
        schema_generator=NinjaGenerateJsonSchema,
        mode=mode,  # type: ignore[arg-type]
    )
    return dict(schema.get("$defs", {}))


def test_no_two_schemas_publish_the_same_component_name(schema: dict[str, Any]) -> None:
    """Two models (or one model read two ways) under one name: one would hide the other."""
    seen: dict[str, tuple[str, Any]] = {}
    clashes = []
    models = list(_operation_models())
    assert len(models) > len(schema["paths"])
    for label, mode, model in models:
        for name, definition in _definitions(model, mode).items():
            if name in seen and seen[name][1] != definition:
                clashes.append(f"{name}: {seen[name][0]} and {label}")
            seen.setdefault(name, (label, definition))
    assert clashes == []


def test_every_ref_is_the_component_its_operation_uses(schema: dict[str, Any]) -> None:
    """Each component in the document is the very schema the endpoints validate or answer with."""
    components = schema["components"]["schemas"]
    wrong = []
    for label, mode, model in _operation_models():
        for name, definition in _definitions(model, mode).items():
            if components.get(name) != definition:
                wrong.append(f"{label}: {name}")
    assert wrong == []
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', str(schema).replace("'", '"')))
    assert refs <= set(components), refs - set(components)


def test_metric_figures_publish_their_own_scope(schema: dict[str, Any]) -> None:
    """/metrics/{name} answers MetricScopeOut (with time_zone), goals GoalScopeOut (with text)."""
    components = schema["components"]["schemas"]
    assert "ScopeOut" not in components
    assert components["MetricOut"]["properties"]["scope"] == {
        "$ref": "#/components/schemas/MetricScopeOut"
    }
    assert "time_zone" in components["MetricScopeOut"]["properties"]
    assert "text" in components["GoalScopeOut"]["properties"]


def test_validation_rules_are_in_the_document(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    tags = components["TagsIn"]["properties"]["tags"]["items"]
    assert tags["pattern"].startswith("^")
    message = components["MessageIn"]
    assert {"required": ["body"], "properties": {"body": {"type": "string"}}} in message["anyOf"]
    identity = components["IdentityIn"]
    assert {branch["properties"]["kind"].get("const") for branch in identity["anyOf"]} >= {
        "email",
        "phone",
    }
    domains = components["OrganizationCreateIn"]["properties"]["domains"]["items"]
    assert "pattern" in domains
    metric = components["GoalIn"]["properties"]["metric"]
    assert "csat" in metric["enum"]
    name = next(
        p
        for p in schema["paths"]["/api/v1/metrics/{name}"]["get"]["parameters"]
        if p["name"] == "name"
    )
    assert "frt" in name["schema"]["enum"]
    capacity = components["AgentStatusIn"]["properties"]["capacity"]
    assert {"type": "integer"} in [{"type": b.get("type")} for b in capacity["anyOf"]]


def test_bounds_are_json_schema_keywords(schema: dict[str, Any]) -> None:
    """A bound written so pydantic cannot translate it ("ge") is one no client sees."""
    text = str(schema)
    for keyword in ("'ge':", "'le':", "'gt':", "'lt':"):
        assert keyword not in text
