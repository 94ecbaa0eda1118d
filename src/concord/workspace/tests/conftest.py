"""Fixtures for the workspace's tests: a support scene built through the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Role, Team, User
from concord.common.testing import factories
from concord.common.testing.browser import browser, browser_page, page_problems  # noqa: F401
from concord.conversations.models import Conversation
from concord.conversations.services import conversation_open
from concord.customers.models import Customer
from concord.customers.services import (
    customer_create,
    external_record_upsert,
    organization_create,
)

Opener = Callable[..., Conversation]


@pytest.fixture(autouse=True)
def _fresh_presence() -> Iterator[None]:
    # Presence lives in the local-memory cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dana(support: Team) -> User:
    """A second Support agent, to hand conversations to."""
    user = factories.UserFactory.create(
        username="dana", first_name="Dana", last_name="Ortiz", role=Role.AGENT
    )
    support.members.add(user)
    return user


@pytest.fixture
def customer(admin_user: User) -> Customer:
    org = organization_create(
        name="Northwind", domains=["northwind.example"], tier="vip", account_owner=admin_user
    )
    person = customer_create(
        name="Nora Quinn",
        identities=[("email", "nora@northwind.example"), ("phone", "+1 555 0100")],
        organization=org,
        tier="premium",
        lifecycle_stage="loyalty",
    )
    external_record_upsert(
        customer=person,
        source="shop",
        external_id="o-1001",
        reference="ORD-1001",
        status="shipped",
        amount=Decimal("129.90"),
        currency="EUR",
        occurred_at=timezone.now() - timedelta(days=3),
    )
    return person


@pytest.fixture
def open_conv(customer: Customer) -> Opener:
    """Open a conversation through the service; keywords go to ``conversation_open``."""

    def make(**kwargs: Any) -> Conversation:
        kwargs.setdefault("channel", "email")
        kwargs.setdefault("subject", "Where is my order?")
        kwargs.setdefault("body_text", "It has not arrived yet.")
        if "identity_value" not in kwargs:
            kwargs.setdefault("customer", customer)
        else:
            kwargs.setdefault("identity_kind", "email")
        return conversation_open(**kwargs)

    return make


@pytest.fixture
def as_user(client: Client) -> Callable[[User], Client]:
    def sign_in(user: User) -> Client:
        client.force_login(user)
        return client

    return sign_in
