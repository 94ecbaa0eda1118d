"""Shared pytest fixtures: users of every role, teams, and API clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import Role, Team, User
from concord.accounts.services import api_token_issue
from concord.common.testing import factories
from concord.common.testing.commit import Committing
from concord.common.testing.mail import Sink, smtp_sink


@pytest.fixture
def billing(db: None) -> Team:
    return factories.TeamFactory.create(name="Billing", slug="billing", kind="department")


@pytest.fixture
def support(db: None) -> Team:
    return factories.TeamFactory.create(name="Support", slug="support")


@pytest.fixture
def admin_user(db: None) -> User:
    return factories.UserFactory.create(username="ada", role=Role.ADMIN)


@pytest.fixture
def supervisor(db: None) -> User:
    return factories.UserFactory.create(username="sam", role=Role.SUPERVISOR)


@pytest.fixture
def agent(support: Team) -> User:
    user = factories.UserFactory.create(username="alex", role=Role.AGENT)
    support.members.add(user)
    return user


@pytest.fixture
def other_agent(billing: Team) -> User:
    user = factories.UserFactory.create(username="bea", role=Role.AGENT)
    billing.members.add(user)
    return user


@pytest.fixture
def collaborator(billing: Team) -> User:
    user = factories.UserFactory.create(username="carl", role=Role.COLLABORATOR)
    billing.members.add(user)
    return user


@pytest.fixture
def api_client() -> Callable[[User], Client]:
    """A test client that sends a fresh Bearer token for ``user`` on every request."""

    def make(user: User) -> Client:
        raw = api_token_issue(user=user, name="test").raw
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


@pytest.fixture
def client_as_admin(db: None) -> Client:
    """A browser-less client signed in to the admin site as a superuser."""
    user = factories.UserFactory.create(
        username="root", role=Role.ADMIN, is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def committed(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Committing:
    """Run the block, then its after-commit work (tasks run inline in tests)."""

    def block() -> AbstractContextManager[Any]:
        return django_capture_on_commit_callbacks(execute=True)

    return block


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    """A real SMTP server on loopback that Concord's outbound mail goes to."""
    with smtp_sink() as running:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = running.host
        settings.EMAIL_PORT = running.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield running
