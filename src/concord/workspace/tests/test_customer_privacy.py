"""Export and erase from the customer page: admins only, erasing asks for the email or ERASE."""

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
from concord.common.testing.commit import Committing
from concord.customers.models import Customer, CustomerIdentity
from concord.customers.tests.privacy_scene import EMAIL, NAME, build

pytestmark = pytest.mark.django_db
SignIn = Callable[[User], Client]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


def test_an_admin_sees_both_actions(as_user: SignIn, agent: User, admin_user: User) -> None:
    scene = build(agent)
    html = as_user(admin_user).get(f"/app/customers/{scene.ann.pk}/").content.decode()
    assert f'href="/app/customers/{scene.ann.pk}/export/"' in html
    assert f'href="/app/customers/{scene.ann.pk}/erase/"' in html


def test_an_agent_sees_neither(as_user: SignIn, agent: User) -> None:
    scene = build(agent)
    html = as_user(agent).get(f"/app/customers/{scene.ann.pk}/").content.decode()
    assert "/export/" not in html
    assert "/erase/" not in html


def test_the_download_is_the_archive(as_user: SignIn, agent: User, admin_user: User) -> None:
    scene = build(agent)
    response = as_user(admin_user).get(f"/app/customers/{scene.ann.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    zipped = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    data = json.loads(zipped.read("customer.json"))
    assert data["identities"][0]["value"] == EMAIL


@pytest.mark.parametrize("typed", [EMAIL.upper(), "ERASE"])
def test_typing_the_email_or_erase_erases(
    typed: str, as_user: SignIn, agent: User, admin_user: User, committed: Committing
) -> None:
    scene = build(agent)
    client = as_user(admin_user)
    page = client.get(f"/app/customers/{scene.ann.pk}/erase/")
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in page.content.decode()

    with committed():
        response = client.post(f"/app/customers/{scene.ann.pk}/erase/", {"confirm": typed})

    assert response.status_code == 302
    assert response["Location"] == f"/app/customers/{scene.ann.pk}/"
    after = client.get(response["Location"]).content.decode()
    assert f"Erased customer #{scene.ann.pk}" in after
    assert NAME not in after
    assert "/erase/" not in after
    assert not CustomerIdentity.objects.filter(customer=scene.ann).exists()


@pytest.mark.parametrize("typed", ["", "bob@example.org", "erase", "ann"])
def test_anything_else_erases_nothing(
    typed: str, as_user: SignIn, agent: User, admin_user: User
) -> None:
    scene = build(agent)
    response = as_user(admin_user).post(f"/app/customers/{scene.ann.pk}/erase/", {"confirm": typed})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert Customer.objects.get(pk=scene.ann.pk).name == NAME


def test_erasing_needs_the_csrf_token(agent: User, admin_user: User) -> None:
    scene = build(agent)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(f"/app/customers/{scene.ann.pk}/erase/", {"confirm": "ERASE"})
    assert response.status_code == 403
    assert Customer.objects.get(pk=scene.ann.pk).name == NAME


@pytest.mark.parametrize("role", ["supervisor", "agent"])
def test_supervisors_and_agents_get_404(
    role: str, as_user: SignIn, agent: User, supervisor: User
) -> None:
    scene = build(agent)
    client = as_user({"supervisor": supervisor, "agent": agent}[role])
    assert client.get(f"/app/customers/{scene.ann.pk}/export/").status_code == 404
    assert client.get(f"/app/customers/{scene.ann.pk}/erase/").status_code == 404
    erase = client.post(f"/app/customers/{scene.ann.pk}/erase/", {"confirm": "ERASE"})
    assert erase.status_code == 404
    assert Customer.objects.get(pk=scene.ann.pk).name == NAME


def test_an_unknown_customer_is_404(as_user: SignIn, admin_user: User) -> None:
    assert as_user(admin_user).get("/app/customers/999999/export/").status_code == 404


def test_an_erased_conversation_still_opens_and_says_so(
    as_user: SignIn, agent: User, admin_user: User, committed: Committing
) -> None:
    scene = build(agent)
    client = as_user(admin_user)
    with committed():
        client.post(f"/app/customers/{scene.ann.pk}/erase/", {"confirm": "ERASE"})

    page = as_user(agent).get(f"/app/conversations/{scene.conversation.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "ada erased the customer&#x27;s personal data" in html
    assert "Erased at the customer" in html
    for gone in ("passport", "Main Street", EMAIL, NAME):
        assert gone not in html
