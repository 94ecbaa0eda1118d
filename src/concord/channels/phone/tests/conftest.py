"""Fixtures for the phone channel: the telephony integration's user."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from concord.accounts.models import Role, User
from concord.common.testing import factories


@pytest.fixture
def integration(db: None) -> User:
    """A dedicated user for the telephony system: no conversations, one permission."""
    user = factories.UserFactory.create(username="telephony", role=Role.COLLABORATOR)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="phone", codename="record_calls")
    )
    return user
