"""GET /customers/{id}/export and POST /customers/{id}/erase: admins only, 404 for anyone else."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import User
from concord.api.tests.helpers import assert_error, post
from concord.conversations.models import Conversation
from concord.customers.models import Customer, CustomerIdentity, PrivacyRequest
from concord.customers.tests.privacy_scene import EMAIL, NAME, build

pytestmark = pytest.mark.django_db
ApiClient = Callable[[User], Client]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


def test_an_admin_downloads_the_zip(agent: User, admin_user: User, api_client: ApiClient) -> None:
    scene = build(agent)
    response = api_client(admin_user).get(f"/api/v1/customers/{scene.ann.pk}/export")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="customer-{scene.ann.pk}-' in response["Content-Disposition"]
    zipped = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    data = json.loads(zipped.read("customer.json"))
    assert data["customer"]["name"] == NAME
    assert sorted(n.rsplit("/", 1)[-1] for n in zipped.namelist()) == [
        "customer.json",
        "label.txt",
        "passport.pdf",
    ]


def test_an_admin_erases(agent: User, admin_user: User, api_client: ApiClient) -> None:
    scene = build(agent)
    response = post(
        api_client(admin_user), f"/api/v1/customers/{scene.ann.pk}/erase", {"confirm": "ERASE"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customer_id"] == scene.ann.pk
    assert body["erased_by"] == {"id": admin_user.pk, "username": "ada"}
    assert (body["conversations"], body["attachments"], body["portal_login_deleted"]) == (
        2,
        2,
        True,
    )
    assert not CustomerIdentity.objects.filter(customer=scene.ann).exists()

    again = post(
        api_client(admin_user), f"/api/v1/customers/{scene.ann.pk}/erase", {"confirm": "ERASE"}
    )
    assert_error(again, 409, "conflict")


@pytest.mark.parametrize("body", [{}, {"confirm": "erase"}, {"confirm": "ERASE", "also": 1}])
def test_erasing_needs_the_word(
    body: dict[str, Any], agent: User, admin_user: User, api_client: ApiClient
) -> None:
    scene = build(agent)
    response = post(api_client(admin_user), f"/api/v1/customers/{scene.ann.pk}/erase", body)
    assert response.status_code in (400, 422), response.content
    assert Customer.objects.get(pk=scene.ann.pk).name == NAME


@pytest.mark.parametrize("role", ["supervisor", "agent"])
def test_anyone_else_gets_404_and_nothing_changes(
    role: str, agent: User, supervisor: User, api_client: ApiClient
) -> None:
    scene = build(agent)
    client = api_client({"supervisor": supervisor, "agent": agent}[role])

    assert_error(client.get(f"/api/v1/customers/{scene.ann.pk}/export"), 404, "not_found")
    erase = post(client, f"/api/v1/customers/{scene.ann.pk}/erase", {"confirm": "ERASE"})
    assert_error(erase, 404, "not_found")

    assert Customer.objects.get(pk=scene.ann.pk).name == NAME
    assert CustomerIdentity.objects.filter(customer=scene.ann, value=EMAIL).exists()
    assert Conversation.objects.get(pk=scene.conversation.pk).subject
    assert not PrivacyRequest.objects.exists()


def test_an_unknown_customer_is_404(admin_user: User, api_client: ApiClient) -> None:
    client = api_client(admin_user)
    assert_error(client.get("/api/v1/customers/999999/export"), 404, "not_found")
    assert_error(
        post(client, "/api/v1/customers/999999/erase", {"confirm": "ERASE"}), 404, "not_found"
    )
