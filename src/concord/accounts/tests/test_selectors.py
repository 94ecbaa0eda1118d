"""Reads for users, teams and API tokens, above all token authentication."""

from __future__ import annotations

import pytest

from concord.accounts.models import Role, Team, User
from concord.accounts.selectors import (
    api_token_authenticate,
    team_get,
    team_list,
    user_get,
    user_list,
    user_team_ids,
)
from concord.accounts.services import TOKEN_PREFIX, api_token_issue, api_token_revoke
from concord.common.testing import factories

pytestmark = pytest.mark.django_db


def test_api_token_authenticate_finds_a_live_token_with_its_user(agent: User) -> None:
    issued = api_token_issue(user=agent, name="t")

    found = api_token_authenticate(raw=issued.raw)

    assert found is not None
    assert found.pk == issued.token.pk
    assert found.user == agent


def test_api_token_authenticate_refuses_a_revoked_token(agent: User) -> None:
    issued = api_token_issue(user=agent, name="t")
    api_token_revoke(token=issued.token)

    assert api_token_authenticate(raw=issued.raw) is None


def test_api_token_authenticate_refuses_the_token_of_an_inactive_user(agent: User) -> None:
    issued = api_token_issue(user=agent, name="t")
    User.objects.filter(pk=agent.pk).update(is_active=False)

    assert api_token_authenticate(raw=issued.raw) is None


def test_api_token_authenticate_leaves_other_tokens_of_the_user_alive(agent: User) -> None:
    kept = api_token_issue(user=agent, name="kept")
    api_token_revoke(token=api_token_issue(user=agent, name="gone").token)

    found = api_token_authenticate(raw=kept.raw)
    assert found is not None
    assert found.name == "kept"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "garbage",
        TOKEN_PREFIX,
        TOKEN_PREFIX + "not-a-real-token",
        "Bearer " + TOKEN_PREFIX + "x",
        TOKEN_PREFIX + "x" * 500,
        "\x00" + TOKEN_PREFIX,
    ],
)
def test_api_token_authenticate_refuses_garbage(agent: User, raw: str) -> None:
    api_token_issue(user=agent, name="t")

    assert api_token_authenticate(raw=raw) is None


def test_api_token_authenticate_refuses_a_token_by_its_prefix_or_digest(agent: User) -> None:
    issued = api_token_issue(user=agent, name="t")

    assert api_token_authenticate(raw=issued.token.prefix) is None
    assert api_token_authenticate(raw=issued.token.digest) is None
    assert api_token_authenticate(raw=issued.raw[:-1]) is None


def test_user_list_shows_active_staff_only(
    admin_user: User, supervisor: User, agent: User, collaborator: User
) -> None:
    factories.UserFactory.create(username="portal", role=Role.CUSTOMER)
    factories.UserFactory.create(username="gone", role=Role.AGENT, is_active=False)

    names = list(user_list(actor=agent).values_list("username", flat=True))

    assert names == sorted(["ada", "sam", "alex", "carl"])
    assert user_get(actor=agent, user_id=collaborator.pk) == collaborator
    portal = User.objects.get(username="portal")
    assert user_get(actor=agent, user_id=portal.pk) is None


def test_user_team_ids(agent: User, support: Team, billing: Team) -> None:
    assert user_team_ids(user=agent) == [support.pk]
    billing.members.add(agent)
    assert sorted(user_team_ids(user=agent)) == sorted([support.pk, billing.pk])


def test_team_list_and_get(agent: User, support: Team, billing: Team) -> None:
    assert [t.name for t in team_list(actor=agent)] == ["Billing", "Support"]
    assert team_get(actor=agent, team_id=support.pk) == support
    assert team_get(actor=agent, team_id=support.pk + billing.pk + 100) is None
