"""Organizations through the API: list and search, detail, create, edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import User
from concord.api.tests.helpers import assert_error, iso, post, send, snapshot
from concord.customers import services
from concord.customers.models import Organization

URL = "/api/v1/organizations"


@pytest.fixture
def client(agent: User, api_client: Callable[[User], Client]) -> Client:
    return api_client(agent)


@pytest.fixture
def acme(db: None) -> Organization:
    return services.organization_create(name="Acme", domains=["acme.example", "acme.test"])


def test_list_and_search(client: Client, acme: Organization) -> None:
    globex = services.organization_create(name="Globex", domains=["globex.example"])
    assert [o["id"] for o in client.get(URL).json()["items"]] == [acme.pk, globex.pk]
    assert [o["id"] for o in client.get(URL, {"q": "glob"}).json()["items"]] == [globex.pk]
    assert [o["id"] for o in client.get(URL, {"q": "ACME.TEST"}).json()["items"]] == [acme.pk]
    assert [o["id"] for o in client.get(URL, {"limit": 1}).json()["items"]] == [acme.pk]


def test_detail_has_exactly_these_fields(client: Client, acme: Organization) -> None:
    assert client.get(f"{URL}/{acme.pk}").json() == {
        "id": acme.pk,
        "name": "Acme",
        "tier": "standard",
        "domains": ["acme.example", "acme.test"],
        "account_owner": None,
        "shares_conversations": False,
        "created_at": iso(acme.created_at),
    }


def test_create(client: Client, supervisor: User) -> None:
    response = post(
        client,
        URL,
        {
            "name": "Initech",
            "domains": ["Initech.example", "@mail.initech.example"],
            "tier": "vip",
            "account_owner_id": supervisor.pk,
            "shares_conversations": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["domains"] == ["initech.example", "mail.initech.example"]
    assert body["account_owner"] == {"id": supervisor.pk, "username": "sam"}
    assert body["shares_conversations"] is True
    assert body["tier"] == "vip"
    assert Organization.objects.get(pk=body["id"]).name == "Initech"


def test_patch_changes_only_what_is_sent(
    client: Client, acme: Organization, supervisor: User
) -> None:
    body = send(
        client,
        "patch",
        f"{URL}/{acme.pk}",
        {"account_owner_id": supervisor.pk, "shares_conversations": True},
    ).json()
    assert body["account_owner"] == {"id": supervisor.pk, "username": "sam"}
    assert body["domains"] == ["acme.example", "acme.test"]
    body = send(
        client, "patch", f"{URL}/{acme.pk}", {"domains": ["acme.io"], "account_owner_id": None}
    ).json()
    assert body["domains"] == ["acme.io"]
    assert body["account_owner"] is None
    assert body["shares_conversations"] is True
    assert body["name"] == "Acme"


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"name": ""}, 422, "name"),
        ({"tier": "gold"}, 422, "tier"),
        ({"domains": ["not a domain"]}, 422, "domains.0"),
        ({"domains": "acme.example"}, 422, "domains"),
        ({"account_owner_id": 999_999}, 404, "account_owner_id"),
        ({"shares_conversations": "maybe"}, 422, "shares_conversations"),
    ],
)
def test_bad_input_writes_nothing(
    client: Client, acme: Organization, payload: dict[str, Any], status: int, field: str
) -> None:
    code = "not_found" if status == 404 else "validation_error"
    before = snapshot()
    assert_error(send(client, "patch", f"{URL}/{acme.pk}", payload), status, code, field)
    assert_error(post(client, URL, {"name": "New", **payload}), status, code, field)
    assert snapshot() == before
    acme.refresh_from_db()
    assert acme.name == "Acme"


def test_a_domain_of_another_organization_is_a_conflict(client: Client, acme: Organization) -> None:
    before = snapshot()
    response = post(client, URL, {"name": "Copycat", "domains": ["acme.example"]})
    assert_error(response, 409, "conflict", "domains")
    assert snapshot() == before


def test_a_customer_account_cannot_be_an_account_owner(client: Client, acme: Organization) -> None:
    from concord.api.tests.helpers import portal_customer

    _, portal = portal_customer("ann")
    response = send(client, "patch", f"{URL}/{acme.pk}", {"account_owner_id": portal.pk})
    assert_error(response, 404, "not_found", "account_owner_id")


def test_unknown_organizations_are_404(client: Client) -> None:
    assert_error(client.get(f"{URL}/999999"), 404, "not_found")
    assert_error(send(client, "patch", f"{URL}/999999", {"name": "x"}), 404, "not_found")


def test_collaborators_are_refused(
    acme: Organization, collaborator: User, api_client: Callable[[User], Client]
) -> None:
    client = api_client(collaborator)
    before = snapshot()
    assert_error(client.get(URL), 403, "forbidden")
    assert_error(client.get(f"{URL}/{acme.pk}"), 403, "forbidden")
    assert_error(post(client, URL, {"name": "x"}), 403, "forbidden")
    assert_error(send(client, "patch", f"{URL}/{acme.pk}", {"name": "x"}), 403, "forbidden")
    assert snapshot() == before


def test_the_list_takes_a_fixed_number_of_queries(
    client: Client, agent: User, django_assert_max_num_queries: Any
) -> None:
    for i in range(105):
        services.organization_create(
            name=f"Org {i:03}", domains=[f"o{i}.example", f"o{i}.test"], account_owner=agent
        )
    for limit in (5, 100):
        with django_assert_max_num_queries(5):
            assert len(client.get(URL, {"limit": limit}).json()["items"]) == limit
