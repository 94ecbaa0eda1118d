"""Reads for customers and organizations, above all who may see which."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pytest_django import DjangoAssertNumQueries

from concord.accounts.models import Role, User
from concord.common.testing import factories
from concord.customers.models import Customer, Organization
from concord.customers.selectors import (
    customer_by_identity,
    customer_get_for_user,
    customer_search,
    customer_visible_to,
    organization_get_for_user,
    organization_list,
    organization_visible_to,
)
from concord.customers.services import (
    customer_create,
    customer_link_user,
    external_record_upsert,
    organization_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann() -> Customer:
    return customer_create(
        name="Ann Lee", identities=[("email", "ann@acme.com"), ("phone", "+44 20 7946 0958")]
    )


@pytest.fixture
def bob() -> Customer:
    return customer_create(name="Bob Stone", identities=[("email", "bob@example.net")])


@pytest.fixture
def ann_login(ann: Customer) -> User:
    login = factories.UserFactory.create(username="ann-portal", role=Role.CUSTOMER)
    customer_link_user(customer=ann, user=login)
    return login


@pytest.mark.parametrize("who", ["admin_user", "supervisor", "agent"])
def test_staff_who_work_requests_see_every_customer(
    who: str, request: pytest.FixtureRequest, ann: Customer, bob: Customer
) -> None:
    user: User = request.getfixturevalue(who)

    assert set(customer_visible_to(user=user)) == {ann, bob}
    assert customer_get_for_user(user=user, customer_id=bob.pk) == bob


def test_a_collaborator_sees_no_customer(collaborator: User, ann: Customer) -> None:
    assert not customer_visible_to(user=collaborator).exists()
    assert customer_get_for_user(user=collaborator, customer_id=ann.pk) is None


def test_a_customer_sees_only_themselves(ann_login: User, ann: Customer, bob: Customer) -> None:
    assert list(customer_visible_to(user=ann_login)) == [ann]
    assert customer_get_for_user(user=ann_login, customer_id=ann.pk) == ann
    assert customer_get_for_user(user=ann_login, customer_id=bob.pk) is None


def test_a_customer_login_without_a_customer_sees_nothing(ann: Customer) -> None:
    stray = factories.UserFactory.create(username="stray", role=Role.CUSTOMER)

    assert not customer_visible_to(user=stray).exists()


@pytest.mark.parametrize("who", ["admin_user", "agent"])
def test_an_inactive_user_sees_no_customer(
    who: str, request: pytest.FixtureRequest, ann: Customer
) -> None:
    user: User = request.getfixturevalue(who)
    user.is_active = False

    assert not customer_visible_to(user=user).exists()
    assert customer_get_for_user(user=user, customer_id=ann.pk) is None
    assert not organization_visible_to(user=user).exists()


def test_customer_get_for_user_loads_the_360_view_in_few_queries(
    agent: User, ann: Customer, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(60):
        external_record_upsert(
            customer=ann,
            source="shop",
            external_id=str(n),
            amount=Decimal("9.99"),
            occurred_at=datetime(2025, 1, 1, 0, n, tzinfo=UTC),
        )

    with django_assert_max_num_queries(5):
        found = customer_get_for_user(user=agent, customer_id=ann.pk)
        assert found is not None
        assert len(found.identities.all()) == 2
        records = list(found.records.all())
    # The 360° view shows the latest 50, newest first.
    assert [r.external_id for r in records] == [str(n) for n in range(59, 9, -1)]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("ANN@acme.com", ["Ann Lee"]),
        ("stone", ["Bob Stone"]),
        ("7946 0958", ["Ann Lee"]),
        ("+442079460958", ["Ann Lee"]),
        ("bob@", ["Bob Stone"]),
        ("", ["Ann Lee", "Bob Stone"]),
        ("nobody", []),
    ],
)
def test_customer_search(
    agent: User, ann: Customer, bob: Customer, query: str, names: list[str]
) -> None:
    assert [c.name for c in customer_search(user=agent, query=query)] == names


def test_customer_search_respects_visibility(ann_login: User, ann: Customer, bob: Customer) -> None:
    assert customer_search(user=ann_login, query="bob@example.net") == []
    assert customer_search(user=ann_login, query="") == [ann]


def test_customer_by_identity(ann: Customer) -> None:
    assert customer_by_identity(kind="email", normalized="ann@acme.com") == ann
    assert customer_by_identity(kind="phone", normalized="ann@acme.com") is None


def test_organization_visibility(
    agent: User, collaborator: User, ann_login: User, ann: Customer
) -> None:
    acme = organization_create(name="Acme", domains=["acme.com"])
    other = organization_create(name="Other")
    ann.organization = acme  # scene-setting: ann predates the domain
    ann.save(update_fields=["organization"])

    assert set(organization_visible_to(user=agent)) == {acme, other}
    assert not organization_visible_to(user=collaborator).exists()
    assert list(organization_visible_to(user=ann_login)) == [acme]
    assert organization_get_for_user(user=ann_login, organization_id=other.pk) is None
    assert organization_get_for_user(user=agent, organization_id=other.pk) == other


def test_organization_list_searches_name_and_exact_domain(agent: User) -> None:
    acme = organization_create(name="Acme", domains=["acme.com", "acme.io"])
    organization_create(name="Globex", domains=["globex.com"])

    assert list(organization_list(user=agent, query="acm")) == [acme]
    assert list(organization_list(user=agent, query="ACME.IO")) == [acme]
    assert [o.name for o in organization_list(user=agent)] == ["Acme", "Globex"]
    assert Organization.objects.count() == 2
