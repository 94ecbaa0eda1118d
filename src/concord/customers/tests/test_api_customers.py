"""Customers through the API: search, the 360° view, create, edit, identities."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.api.tests.helpers import assert_error, iso, post, send, snapshot
from concord.common.testing import factories
from concord.conversations import services as conversation_services
from concord.customers import services
from concord.customers.models import Customer, CustomerIdentity

URL = "/api/v1/customers"


@pytest.fixture
def client(agent: User, api_client: Callable[[User], Client]) -> Client:
    return api_client(agent)


@pytest.fixture
def acme(db: None) -> Any:
    return services.organization_create(name="Acme", domains=["acme.example"], tier="premium")


@pytest.fixture
def ann(acme: Any) -> Customer:
    return services.customer_create(
        name="Ann Lee",
        identities=[("email", "Ann@Acme.example"), ("phone", "+49 (170) 123-4567")],
        tier="vip",
    )


def test_search_matches_any_identity_or_part_of_a_name(client: Client, ann: Customer) -> None:
    services.customer_create(name="Bob Stone", identities=[("email", "bob@else.example")])
    for q in ["ann@acme.example", "ANN@ACME.EXAMPLE", "+491701234567", "1234567", "lee"]:
        body = client.get(URL, {"q": q}).json()
        assert [c["id"] for c in body["items"]] == [ann.pk], q
    assert len(client.get(URL).json()["items"]) == 2
    assert client.get(URL, {"q": "nobody"}).json() == {"items": []}


def test_a_search_row_has_exactly_these_fields(client: Client, ann: Customer, acme: Any) -> None:
    email, phone = ann.identities.order_by("kind")
    assert client.get(URL, {"q": "Ann"}).json() == {
        "items": [
            {
                "id": ann.pk,
                "name": "Ann Lee",
                "tier": "vip",
                "lifecycle_stage": "purchase",
                "organization": {"id": acme.pk, "name": "Acme"},
                "identities": [
                    {
                        "id": email.pk,
                        "kind": "email",
                        "value": "Ann@Acme.example",
                        "is_primary": True,
                        "undeliverable": False,
                    },
                    {
                        "id": phone.pk,
                        "kind": "phone",
                        "value": "+49 (170) 123-4567",
                        "is_primary": False,
                        "undeliverable": False,
                    },
                ],
                "churned_at": None,
                "created_at": iso(ann.created_at),
            }
        ]
    }


def test_the_360_view(
    client: Client, ann: Customer, acme: Any, agent: User, support: Team, billing: Team
) -> None:
    services.organization_update(organization=acme, account_owner=agent)
    services.external_record_upsert(
        customer=ann,
        source="shop",
        external_id="A-1",
        reference="#1001",
        status="shipped",
        amount=Decimal("49.90"),
        currency="eur",
        occurred_at=datetime(2025, 3, 1, tzinfo=UTC),
        data={"items": 2},
    )
    seen = conversation_services.conversation_open(
        channel="email", customer=ann, body_text="Where?", subject="Parcel", team=support
    )
    # In a team the agent is not in: the 360° view shows only what the viewer may open.
    conversation_services.conversation_open(
        channel="phone", customer=ann, body_text="Invoice", team=billing
    )
    response = client.get(f"{URL}/{ann.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["organization"] == {
        "id": acme.pk,
        "name": "Acme",
        "tier": "premium",
        "domains": ["acme.example"],
        "account_owner": {"id": agent.pk, "username": "alex"},
        "shares_conversations": False,
        "created_at": iso(acme.created_at),
    }
    assert body["notes"] == ""
    assert [i["kind"] for i in body["identities"]] == ["email", "phone"]
    [record] = body["records"]
    assert {k: record[k] for k in ("source", "external_id", "reference", "amount", "currency")} == {
        "source": "shop",
        "external_id": "A-1",
        "reference": "#1001",
        "amount": "49.90",
        "currency": "EUR",
    }
    assert record["data"] == {"items": 2}
    assert record["occurred_at"] == "2025-03-01T00:00:00Z"
    assert body["recent_conversations"] == [
        {
            "id": seen.pk,
            "subject": "Parcel",
            "status": "new",
            "priority": "normal",
            "channel": "email",
            "team": {"id": support.pk, "name": "Support"},
            "assignee": None,
            "created_at": iso(seen.created_at),
            "updated_at": iso(seen.updated_at),
        }
    ]


def test_create_with_identities_joins_the_organization_by_domain(client: Client, acme: Any) -> None:
    response = post(
        client,
        URL,
        {
            "name": "Cy Young",
            "identities": [{"kind": "email", "value": "cy@acme.example"}],
            "lifecycle_stage": "loyalty",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert customer.organization_id == acme.pk
    assert body["organization"]["name"] == "Acme"
    assert body["lifecycle_stage"] == "loyalty"
    assert body["tier"] == "standard"
    assert [(i["kind"], i["value"], i["is_primary"]) for i in body["identities"]] == [
        ("email", "cy@acme.example", True)
    ]
    assert body["records"] == []
    assert body["recent_conversations"] == []


def test_create_in_a_named_organization(client: Client, acme: Any) -> None:
    body = post(client, URL, {"name": "Dee", "organization_id": acme.pk}).json()
    assert body["organization"]["id"] == acme.pk


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"identities": [{"kind": "email", "value": "ann@acme.example"}]}, 409, "value"),
        ({"identities": [{"kind": "email", "value": "nope"}]}, 422, "identities.0.value"),
        ({"identities": [{"kind": "fax", "value": "1"}]}, 422, "identities.0.kind"),
        ({"identities": "ann@acme.example"}, 422, "identities"),
        ({"tier": "gold"}, 422, "tier"),
        ({"lifecycle_stage": "churned"}, 422, "lifecycle_stage"),
        ({"organization_id": 999_999}, 404, "organization_id"),
        ({"name": ["x"]}, 422, "name"),
    ],
)
def test_bad_creates_write_nothing(
    client: Client, ann: Customer, payload: dict[str, Any], status: int, field: str
) -> None:
    before = snapshot()
    response = post(client, URL, payload)
    code = {404: "not_found", 409: "conflict", 422: "validation_error"}[status]
    assert_error(response, status, code, field)
    assert snapshot() == before


def test_patch_changes_only_what_is_sent(client: Client, ann: Customer, acme: Any) -> None:
    assert ann.organization_id == acme.pk
    response = send(client, "patch", f"{URL}/{ann.pk}", {"lifecycle_stage": "loyalty"})
    assert response.status_code == 200
    ann.refresh_from_db()
    assert (ann.name, ann.tier, ann.lifecycle_stage, ann.organization_id) == (
        "Ann Lee",
        "vip",
        "loyalty",
        acme.pk,
    )
    body = send(
        client,
        "patch",
        f"{URL}/{ann.pk}",
        {
            "name": "Ann Lee-Smith",
            "churned_at": "2025-06-01T12:00:00+02:00",
            "organization_id": None,
        },
    ).json()
    assert body["name"] == "Ann Lee-Smith"
    assert body["organization"] is None
    assert body["churned_at"] == "2025-06-01T10:00:00Z"
    body = send(client, "patch", f"{URL}/{ann.pk}", {"churned_at": None}).json()
    assert body["churned_at"] is None
    ann.refresh_from_db()
    assert ann.churned_at is None
    assert ann.name == "Ann Lee-Smith"


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"tier": "gold"}, 422, "tier"),
        ({"churned_at": "2025-06-01T12:00:00"}, 422, "churned_at"),
        ({"churned_at": "soon"}, 422, "churned_at"),
        ({"organization_id": 999_999}, 404, "organization_id"),
    ],
)
def test_bad_patches_write_nothing(
    client: Client, ann: Customer, payload: dict[str, Any], status: int, field: str
) -> None:
    before = snapshot()
    name = ann.name
    response = send(client, "patch", f"{URL}/{ann.pk}", payload)
    assert_error(response, status, "not_found" if status == 404 else "validation_error", field)
    assert snapshot() == before
    ann.refresh_from_db()
    assert (ann.name, ann.tier, ann.churned_at) == (name, "vip", None)


def test_adding_an_identity(client: Client, ann: Customer) -> None:
    response = post(client, f"{URL}/{ann.pk}/identities", {"kind": "social", "value": "@AnnLee"})
    assert response.status_code == 201
    body = response.json()
    identity = CustomerIdentity.objects.get(pk=body["id"])
    assert identity.normalized == "@annlee"
    assert body == {
        "id": identity.pk,
        "kind": "social",
        "value": "@AnnLee",
        "is_primary": True,
        "undeliverable": False,
    }
    again = post(client, f"{URL}/{ann.pk}/identities", {"kind": "social", "value": "@annlee"})
    assert again.status_code == 200
    assert again.json()["id"] == identity.pk


def test_an_identity_of_someone_else_is_a_conflict(client: Client, ann: Customer) -> None:
    bob = services.customer_create(name="Bob")
    before = snapshot()
    response = post(
        client, f"{URL}/{bob.pk}/identities", {"kind": "email", "value": "ann@acme.example"}
    )
    assert_error(response, 409, "conflict", "value")
    assert snapshot() == before


def test_unknown_customers_are_404(client: Client) -> None:
    before = snapshot()
    assert_error(client.get(f"{URL}/999999"), 404, "not_found")
    assert_error(send(client, "patch", f"{URL}/999999", {"name": "x"}), 404, "not_found")
    assert_error(
        post(client, f"{URL}/999999/identities", {"kind": "chat", "value": "v1"}), 404, "not_found"
    )
    assert snapshot() == before


@pytest.mark.parametrize("role", ["collaborator", "customer"])
def test_the_directory_is_for_agents_supervisors_and_admins(
    ann: Customer, role: str, collaborator: User, api_client: Callable[[User], Client]
) -> None:
    if role == "customer":
        user = factories.UserFactory.create(username="portal", role="customer")
        services.customer_link_user(customer=ann, user=user)
    else:
        user = collaborator
    client = api_client(user)
    before = snapshot()
    assert_error(client.get(URL), 403, "forbidden")
    assert_error(client.get(f"{URL}/{ann.pk}"), 403, "forbidden")
    assert_error(post(client, URL, {"name": "x"}), 403, "forbidden")
    assert_error(send(client, "patch", f"{URL}/{ann.pk}", {"name": "x"}), 403, "forbidden")
    assert_error(
        post(client, f"{URL}/{ann.pk}/identities", {"kind": "chat", "value": "c"}), 403, "forbidden"
    )
    assert snapshot() == before


def test_search_takes_a_fixed_number_of_queries(
    client: Client, acme: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(110):
        services.customer_create(
            name=f"Person {i:03}",
            identities=[("email", f"p{i}@acme.example"), ("phone", f"+4917000{i:04}")],
        )
    for limit in (5, 100):
        with django_assert_max_num_queries(5):
            body = client.get(URL, {"q": "person", "limit": limit}).json()
        assert len(body["items"]) == limit


def test_the_360_view_takes_a_fixed_number_of_queries(
    client: Client, ann: Customer, support: Team, django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        services.external_record_upsert(customer=ann, source="shop", external_id=str(i))
        conversation_services.conversation_open(
            channel="email", customer=ann, body_text="x", team=support
        )
    with django_assert_max_num_queries(8):
        body = client.get(f"{URL}/{ann.pk}").json()
    assert len(body["records"]) == 30
    assert len(body["recent_conversations"]) == 20
