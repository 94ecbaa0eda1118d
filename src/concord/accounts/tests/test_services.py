"""Services for users, teams and API tokens.

Accounts have no event log of their own (``Event`` belongs to conversations),
so these tests assert the rows each service leaves behind, and that a refused
call leaves none.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from concord.accounts.models import ApiToken, Role, Team, TeamKind, User
from concord.accounts.services import (
    TOKEN_PREFIX,
    api_token_issue,
    api_token_mark_used,
    api_token_revoke,
    api_token_rotate,
    team_add_member,
    team_create,
    team_remove_member,
    token_digest,
    user_create,
)
from concord.common.errors import Conflict, ValidationFailed
from concord.common.testing import factories
from concord.conversations.models import Event

pytestmark = pytest.mark.django_db


# --- users -----------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_user_create_sets_role_and_django_flags(role: Role) -> None:
    user = user_create(username=f"u-{role}", email="U@Example.COM", password="s3cret!", role=role)

    user.refresh_from_db()
    assert user.role == role
    assert user.email == "u@example.com"
    # Admin-site access follows the admin role and nothing else.
    assert user.is_staff is (role == Role.ADMIN)
    assert user.is_superuser is (role == Role.ADMIN)
    assert user.check_password("s3cret!")


def test_user_create_defaults_to_agent_with_unusable_password() -> None:
    user = user_create(username="  nopass  ", email="", password=None, first_name="No")

    user.refresh_from_db()
    assert user.username == "nopass"
    assert user.role == Role.AGENT
    assert user.first_name == "No"
    assert not user.has_usable_password()


def test_user_create_refuses_a_taken_username_case_insensitively() -> None:
    user_create(username="ann", email="ann@x.com", password=None)

    with pytest.raises(Conflict) as caught:
        user_create(username="ANN", email="other@x.com", password=None)

    assert caught.value.field == "username"
    assert User.objects.filter(username__iexact="ann").count() == 1


def test_user_create_refuses_a_blank_username() -> None:
    with pytest.raises(ValidationFailed) as caught:
        user_create(username="   ", email="a@x.com", password=None)

    assert caught.value.field == "username"
    assert not User.objects.exists()


def test_user_create_refuses_an_unknown_role() -> None:
    with pytest.raises(ValidationFailed) as caught:
        user_create(username="zed", email="z@x.com", password=None, role="overlord")  # type: ignore[arg-type]

    assert caught.value.field == "role"
    assert not User.objects.filter(username="zed").exists()


# --- teams -----------------------------------------------------------------


def test_team_create_makes_a_slug_and_keeps_the_kind() -> None:
    team = team_create(name="  Field Engineering ", kind=TeamKind.DEPARTMENT, description="On site")

    team.refresh_from_db()
    assert team.name == "Field Engineering"
    assert team.slug == "field-engineering"
    assert team.kind == TeamKind.DEPARTMENT
    assert team.description == "On site"


def test_team_create_refuses_a_taken_name_case_insensitively() -> None:
    team_create(name="Billing")

    with pytest.raises(Conflict) as caught:
        team_create(name="billing")

    assert caught.value.field == "name"
    assert Team.objects.count() == 1


def test_team_create_refuses_a_blank_name() -> None:
    with pytest.raises(ValidationFailed) as caught:
        team_create(name=" ")

    assert caught.value.field == "name"
    assert not Team.objects.exists()


def test_team_create_gives_distinct_names_with_the_same_slug_distinct_slugs() -> None:
    first = team_create(name="Billing!")
    second = team_create(name="Billing?")
    third = team_create(name="Billing.")

    assert first.slug == "billing"
    assert len({first.slug, second.slug, third.slug}) == 3
    assert all(t.slug.startswith("billing") for t in (second, third))


def test_team_create_handles_names_without_slug_characters() -> None:
    first = team_create(name="!!!")
    second = team_create(name="???")

    assert first.slug == "team"
    assert second.slug != first.slug


def test_team_add_and_remove_member(support: Team) -> None:
    user = factories.UserFactory.create(username="newbie")

    team_add_member(team=support, user=user)
    team_add_member(team=support, user=user)  # adding twice changes nothing
    assert list(support.members.values_list("username", flat=True)) == ["newbie"]

    team_remove_member(team=support, user=user)
    team_remove_member(team=support, user=user)  # removing a non-member is harmless
    assert not support.members.exists()
    assert not Event.objects.exists()


def test_team_add_member_refuses_a_customer_login(support: Team) -> None:
    portal_user = factories.UserFactory.create(username="cust", role=Role.CUSTOMER)

    with pytest.raises(ValidationFailed) as caught:
        team_add_member(team=support, user=portal_user)

    assert caught.value.field == "user"
    assert not support.members.exists()


# --- API tokens ------------------------------------------------------------


def test_api_token_issue_shows_the_raw_token_once_and_stores_only_its_digest(
    agent: User,
) -> None:
    issued = api_token_issue(user=agent, name="  laptop  ")

    assert issued.raw.startswith(TOKEN_PREFIX)
    assert len(issued.raw) > 40
    stored = ApiToken.objects.get()
    assert stored.user == agent
    assert stored.name == "laptop"
    assert stored.digest == hashlib.sha256(issued.raw.encode()).hexdigest()
    assert stored.digest == token_digest(issued.raw)
    assert stored.prefix == issued.raw[:12]
    assert stored.prefix.startswith(TOKEN_PREFIX)
    # Nothing on the row holds the secret part of the token.
    for field in ApiToken._meta.concrete_fields:
        value = str(getattr(stored, field.attname))
        assert issued.raw not in value
        assert issued.raw[12:] not in value
    assert stored.last_used_at is None
    assert stored.revoked_at is None


def test_api_token_issue_gives_a_different_token_every_time(agent: User) -> None:
    raws = {api_token_issue(user=agent, name="t").raw for _ in range(5)}

    assert len(raws) == 5
    assert ApiToken.objects.filter(user=agent).count() == 5


def test_api_token_issue_requires_a_name(agent: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        api_token_issue(user=agent, name="  ")

    assert caught.value.field == "name"
    assert not ApiToken.objects.exists()


def test_api_token_revoke_is_idempotent(agent: User) -> None:
    token = api_token_issue(user=agent, name="t").token

    api_token_revoke(token=token)
    token.refresh_from_db()
    first = token.revoked_at
    assert first is not None

    api_token_revoke(token=token)
    token.refresh_from_db()
    assert token.revoked_at == first


def _age_last_use(token: ApiToken, minutes: int) -> None:
    # Scene-setting: pretend the token was last used a while ago.
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - timedelta(minutes=minutes)
    )
    token.refresh_from_db()


def test_api_token_mark_used_records_the_first_use(agent: User) -> None:
    token = api_token_issue(user=agent, name="t").token
    before = timezone.now()

    api_token_mark_used(token=token)

    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.last_used_at is not None
    assert stored.last_used_at >= before
    assert token.last_used_at == stored.last_used_at


def test_api_token_mark_used_skips_the_write_within_five_minutes(agent: User) -> None:
    token = api_token_issue(user=agent, name="t").token
    _age_last_use(token, minutes=4)
    recorded = token.last_used_at

    api_token_mark_used(token=token)

    assert ApiToken.objects.get(pk=token.pk).last_used_at == recorded


def test_api_token_mark_used_refreshes_an_older_use(agent: User) -> None:
    token = api_token_issue(user=agent, name="t").token
    _age_last_use(token, minutes=6)
    recorded = token.last_used_at
    assert recorded is not None

    api_token_mark_used(token=token)

    refreshed = ApiToken.objects.get(pk=token.pk).last_used_at
    assert refreshed is not None
    assert refreshed - recorded >= timedelta(minutes=6)


def test_api_token_mark_used_makes_no_query_when_throttled(
    agent: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    token = api_token_issue(user=agent, name="t").token
    api_token_mark_used(token=token)

    with django_assert_num_queries(0):
        api_token_mark_used(token=token)


def test_api_token_rotate_keeps_one_live_token_per_name(agent: User) -> None:
    from concord.accounts.selectors import api_token_authenticate

    other = api_token_issue(user=agent, name="laptop")
    first = api_token_rotate(user=agent, name="concord serve")
    second = api_token_rotate(user=agent, name="concord serve")

    assert api_token_authenticate(raw=first.raw) is None
    assert api_token_authenticate(raw=second.raw) is not None
    assert api_token_authenticate(raw=other.raw) is not None
