"""Fixtures for the portal's tests: customers with portal logins, files, mail."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from concord.accounts.models import User
from concord.common.testing.browser import browser, browser_page, page_problems  # noqa: F401
from concord.customers.models import Customer, Organization
from concord.customers.services import customer_create, organization_create
from concord.portal.services import portal_user_for_customer

LINK = re.compile(r"https?://[^\s]+/help/sign-in/l/[^\s]+/")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _portal_settings(settings: Any, tmp_path: Path) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "files"
    mail.outbox = []


@pytest.fixture
def acme(db: None) -> Organization:
    return organization_create(name="Acme", domains=["acme.test"], shares_conversations=True)


@pytest.fixture
def ann(db: None) -> Customer:
    return customer_create(name="Ann Example", identities=[("email", "Ann@Example.net")])


@pytest.fixture
def ben(db: None) -> Customer:
    return customer_create(name="Ben Other", identities=[("email", "ben@other.test")])


@pytest.fixture
def ann_user(ann: Customer) -> User:
    return portal_user_for_customer(customer=ann, email="ann@example.net")


@pytest.fixture
def ben_user(ben: Customer) -> User:
    return portal_user_for_customer(customer=ben, email="ben@other.test")


@pytest.fixture
def signed_in() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


RequestLink = Callable[[Client, str], str]


@pytest.fixture
def request_link(django_capture_on_commit_callbacks: Any) -> RequestLink:
    """Ask for a sign-in link through the form; returns the page shown.

    The email goes out from a task enqueued on commit, and a test's transaction
    never commits, so each request runs its commit callbacks itself.
    """

    def ask(client: Client, email: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/help/sign-in/link/", {"email": email})
        assert response.status_code == 200
        return response.content.decode()

    return ask


def sign_in_link(outbox: list[Any] | None = None) -> str:
    """The sign-in URL from the last email sent."""
    messages = outbox if outbox is not None else mail.outbox
    assert messages, "no email was sent"
    found = LINK.search(str(messages[-1].body))
    assert found, messages[-1].body
    return found.group(0)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)
