"""PUT /customers/{id}/records/{source}/{external_id}: upsert of orders and other records."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import User
from concord.api.tests.helpers import assert_error, snapshot
from concord.customers import services
from concord.customers.models import Customer, ExternalRecord


@pytest.fixture
def client(agent: User, api_client: Callable[[User], Client]) -> Client:
    return api_client(agent)


@pytest.fixture
def ann(db: None) -> Customer:
    return services.customer_create(name="Ann", identities=[("email", "ann@example.net")])


def put(client: Client, url: str, body: Any) -> Any:
    return client.put(url, data=json.dumps(body), content_type="application/json")


def test_it_creates_then_updates(client: Client, ann: Customer) -> None:
    url = f"/api/v1/customers/{ann.pk}/records/shop/ORD-1"
    response = put(
        client,
        url,
        {
            "reference": "#1001",
            "status": "paid",
            "amount": "120.50",
            "currency": "usd",
            "occurred_at": "2025-04-01T09:30:00Z",
            "data": {"lines": [{"sku": "A", "qty": 1}]},
        },
    )
    assert response.status_code == 201, response.content
    record = ExternalRecord.objects.get()
    assert response.json() == {
        "id": record.pk,
        "source": "shop",
        "external_id": "ORD-1",
        "kind": "order",
        "reference": "#1001",
        "status": "paid",
        "amount": "120.50",
        "currency": "USD",
        "occurred_at": "2025-04-01T09:30:00Z",
        "data": {"lines": [{"sku": "A", "qty": 1}]},
        "updated_at": response.json()["updated_at"],
    }
    response = put(client, url, {"reference": "#1001", "status": "refunded", "amount": 120.5})
    assert response.status_code == 200
    assert response.json()["id"] == record.pk
    assert response.json()["status"] == "refunded"
    record.refresh_from_db()
    assert record.status == "refunded"
    assert str(record.amount) == "120.50"
    assert ExternalRecord.objects.count() == 1


def test_a_record_moves_to_the_customer_it_is_put_under(client: Client, ann: Customer) -> None:
    bob = services.customer_create(name="Bob")
    put(client, f"/api/v1/customers/{ann.pk}/records/crm/42", {})
    response = put(client, f"/api/v1/customers/{bob.pk}/records/crm/42", {"kind": "subscription"})
    assert response.status_code == 200
    assert ExternalRecord.objects.get().customer_id == bob.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "lots"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"currency": "euro"}, "currency"),
        ({"currency": "1$"}, "currency"),
        ({"occurred_at": "2025-04-01T09:30:00"}, "occurred_at"),
        ({"data": [1, 2]}, "data"),
    ],
)
def test_bad_records_write_nothing(
    client: Client, ann: Customer, body: dict[str, Any], field: str
) -> None:
    before = snapshot()
    response = put(client, f"/api/v1/customers/{ann.pk}/records/shop/X", body)
    assert_error(response, 422, "validation_error", field)
    assert snapshot() == before


def test_an_unknown_customer_is_404(client: Client) -> None:
    before = snapshot()
    assert_error(put(client, "/api/v1/customers/999999/records/shop/X", {}), 404, "not_found")
    assert snapshot() == before
