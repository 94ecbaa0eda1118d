"""Services for customers, identities, organizations and external records.

Customers have no event log of their own (``Event`` belongs to
conversations), so these tests assert the rows each service leaves behind,
and that a refused call leaves none.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from concord.accounts.models import Role
from concord.common.errors import Conflict, ValidationFailed
from concord.common.testing import factories
from concord.customers.models import (
    Customer,
    CustomerIdentity,
    LifecycleStage,
    Tier,
)
from concord.customers.services import (
    customer_create,
    customer_identity_add,
    customer_link_user,
    customer_resolve,
    customer_update,
    normalize_identity,
    organization_create,
)

db = pytest.mark.django_db


# --- normalize_identity ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "key"),
    [
        ("email", "Ann@Example.COM", "ann@example.com"),
        ("email", "  ann@example.com \n", "ann@example.com"),
        ("phone", "+1 (555) 123-4567", "+15551234567"),
        ("phone", "+1 555.123.4567", "+15551234567"),
        ("phone", "001 555 123 4567", "+15551234567"),
        ("phone", "+1/555/123/4567", "+15551234567"),
        ("phone", "0171 234 5678", "01712345678"),
        ("chat", "  Visitor-ABC  ", "Visitor-ABC"),
        ("social", "@AnnLee", "@annlee"),
    ],
)
def test_normalize_identity(kind: str, value: str, key: str) -> None:
    assert normalize_identity(kind=kind, value=value) == key


def test_normalize_identity_keeps_chat_ids_case_sensitive() -> None:
    assert normalize_identity(kind="chat", value="abc") != normalize_identity(
        kind="chat", value="ABC"
    )


@pytest.mark.parametrize(
    ("kind", "value", "field"),
    [
        ("email", "", "value"),
        ("email", "   ", "value"),
        ("email", "not-an-email", "value"),
        ("email", "ann@", "value"),
        ("email", "ann@example.com\nBcc: x@y.com", "value"),
        ("phone", "12", "value"),
        ("phone", "555-CALL-NOW", "value"),
        ("phone", "+", "value"),
        ("phone", "1" * 25, "value"),
        ("chat", " ", "value"),
        ("fax", "12345", "kind"),
    ],
)
def test_normalize_identity_refuses_bad_values_naming_the_field(
    kind: str, value: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_identity(kind=kind, value=value)

    assert caught.value.field == field


# --- customer_create / customer_identity_add ------------------------------------


@db
def test_customer_create_with_several_identities() -> None:
    customer = customer_create(
        name="  Ann Lee ",
        identities=[
            ("email", "Ann@Example.com"),
            ("phone", "+1 555 123 4567"),
            ("email", "a@b.io"),
        ],
        tier=Tier.VIP,
        lifecycle_stage=LifecycleStage.LOYALTY,
    )

    customer.refresh_from_db()
    assert customer.name == "Ann Lee"
    assert customer.tier == Tier.VIP
    assert customer.lifecycle_stage == LifecycleStage.LOYALTY
    rows = list(
        customer.identities.order_by("id").values_list("kind", "value", "normalized", "is_primary")
    )
    assert rows == [
        ("email", "Ann@Example.com", "ann@example.com", True),
        ("phone", "+1 555 123 4567", "+15551234567", False),
        ("email", "a@b.io", "a@b.io", False),
    ]


@db
def test_customer_create_joins_the_organization_of_its_email_domain() -> None:
    acme = organization_create(name="Acme", domains=["acme.com"])

    customer = customer_create(identities=[("phone", "+15551234567"), ("email", "Bo@ACME.com")])

    assert customer.organization == acme


@db
def test_customer_create_keeps_an_explicit_organization() -> None:
    organization_create(name="Acme", domains=["acme.com"])
    other = organization_create(name="Other")

    customer = customer_create(identities=[("email", "bo@acme.com")], organization=other)

    assert customer.organization == other


@db
def test_customer_create_without_a_known_domain_has_no_organization() -> None:
    organization_create(name="Acme", domains=["acme.com"])

    assert customer_create(identities=[("email", "bo@sub.acme.com")]).organization is None
    assert customer_create(identities=[("email", "bo@notacme.com")]).organization is None


@db
def test_customer_create_refuses_an_identity_of_another_customer_and_writes_nothing() -> None:
    customer_create(name="First", identities=[("email", "ann@example.com")])

    with pytest.raises(Conflict) as caught:
        customer_create(
            name="Second", identities=[("phone", "+15550001111"), ("email", "ANN@example.com")]
        )

    assert caught.value.field == "value"
    assert list(Customer.objects.values_list("name", flat=True)) == ["First"]
    assert not CustomerIdentity.objects.filter(kind="phone").exists()


@db
def test_customer_create_accepts_the_same_identity_twice_in_one_call() -> None:
    customer = customer_create(
        identities=[("email", "ann@example.com"), ("email", "ANN@example.com")]
    )

    assert list(customer.identities.values_list("normalized", "is_primary")) == [
        ("ann@example.com", True)
    ]


@db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tier": "gold"}, "tier"),
        ({"lifecycle_stage": "dead"}, "lifecycle_stage"),
        ({"identities": [("email", "nope")]}, "value"),
    ],
)
def test_customer_create_refuses_bad_input(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        customer_create(name="X", **kwargs)  # type: ignore[arg-type]

    assert caught.value.field == field
    assert not Customer.objects.exists()


@db
def test_an_identity_belongs_to_one_customer() -> None:
    ann = customer_create(identities=[("email", "ann@example.com")])
    bob = customer_create(identities=[("email", "bob@example.com")])

    with pytest.raises(Conflict) as caught:
        customer_identity_add(customer=bob, kind="email", value=" Ann@Example.com")

    assert caught.value.field == "value"
    assert list(bob.identities.values_list("normalized", flat=True)) == ["bob@example.com"]
    assert CustomerIdentity.objects.get(normalized="ann@example.com").customer == ann


@db
def test_customer_identity_add_of_your_own_identity_is_idempotent() -> None:
    ann = customer_create(identities=[("email", "ann@example.com")])
    first = customer_identity_add(customer=ann, kind="phone", value="+1 555 123 4567")

    again = customer_identity_add(customer=ann, kind="phone", value="+1-555-123-4567")
    same_email = customer_identity_add(customer=ann, kind="email", value="ANN@example.com")

    assert again.pk == first.pk
    assert same_email.normalized == "ann@example.com"
    assert ann.identities.count() == 2


@db
def test_customer_identity_add_makes_the_first_of_a_kind_primary() -> None:
    ann = customer_create(identities=[("email", "ann@example.com")])

    phone = customer_identity_add(customer=ann, kind="phone", value="+15551234567")
    second_email = customer_identity_add(customer=ann, kind="email", value="ann@work.com")

    assert phone.is_primary
    assert not second_email.is_primary


@db
def test_the_same_value_of_different_kinds_can_belong_to_two_customers() -> None:
    ann = customer_create(identities=[("social", "annlee")])
    bob = customer_create(identities=[("chat", "annlee")])

    assert ann.pk != bob.pk


# --- customer_resolve ----------------------------------------------------------


@db
def test_customer_resolve_finds_the_owner_case_insensitively() -> None:
    ann = customer_create(name="Ann", identities=[("email", "ann@example.com")])

    found, created = customer_resolve(kind="email", value="  ANN@Example.com", name="Other")

    assert (found, created) == (ann, False)
    assert found.name == "Ann"
    assert Customer.objects.count() == 1


@db
def test_customer_resolve_finds_a_phone_written_differently() -> None:
    ann = customer_create(identities=[("phone", "+44 20 7946 0958")])

    found, created = customer_resolve(kind="phone", value="0044 (20) 7946-0958")

    assert (found, created) == (ann, False)


@db
def test_customer_resolve_creates_a_new_customer() -> None:
    acme = organization_create(name="Acme", domains=["acme.com"])

    customer, created = customer_resolve(kind="email", value="New@Acme.com", name="Newbie")

    assert created
    assert customer.name == "Newbie"
    assert customer.organization == acme
    assert list(customer.identities.values_list("kind", "normalized", "is_primary")) == [
        ("email", "new@acme.com", True)
    ]
    again, created_again = customer_resolve(kind="email", value="new@acme.com")
    assert (again, created_again) == (customer, False)


@db
def test_customer_resolve_refuses_a_bad_value() -> None:
    with pytest.raises(ValidationFailed):
        customer_resolve(kind="email", value="nope")

    assert not Customer.objects.exists()


# --- customer_update / customer_link_user ---------------------------------------


@db
def test_customer_update_changes_only_what_is_given() -> None:
    acme = organization_create(name="Acme")
    customer = customer_create(name="Ann", tier=Tier.PREMIUM, organization=acme)
    churned = datetime(2025, 3, 1, 12, tzinfo=UTC)

    customer_update(customer=customer, name=" Ann Lee ", churned_at=churned)

    customer.refresh_from_db()
    assert customer.name == "Ann Lee"
    assert customer.churned_at == churned
    assert customer.tier == Tier.PREMIUM
    assert customer.organization == acme


@db
def test_customer_update_sets_and_clears_organization_and_churn() -> None:
    acme = organization_create(name="Acme")
    customer = customer_create(name="Ann")

    customer_update(
        customer=customer,
        organization=acme,
        tier=Tier.VIP,
        lifecycle_stage=LifecycleStage.EXPERIENCE,
        churned_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    customer.refresh_from_db()
    assert (customer.organization, customer.tier, customer.lifecycle_stage) == (
        acme,
        Tier.VIP,
        LifecycleStage.EXPERIENCE,
    )

    customer_update(customer=customer, clear_organization=True, clear_churned=True)
    customer.refresh_from_db()
    assert customer.organization is None
    assert customer.churned_at is None
    assert customer.tier == Tier.VIP


@db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tier": "gold"}, "tier"),
        ({"lifecycle_stage": "dead"}, "lifecycle_stage"),
        ({"churned_at": datetime(2025, 1, 1)}, "churned_at"),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_customer_update_refuses_bad_values(kwargs: dict[str, object], field: str) -> None:
    customer = customer_create(name="Ann")

    with pytest.raises(ValidationFailed) as caught:
        customer_update(customer=customer, name="Changed", **kwargs)  # type: ignore[arg-type]

    assert caught.value.field == field
    customer.refresh_from_db()
    assert customer.name == "Ann"
    assert customer.tier == Tier.STANDARD
    assert customer.churned_at is None


@db
def test_customer_link_user() -> None:
    customer = customer_create(name="Ann")
    login = factories.UserFactory.create(username="ann-portal", role=Role.CUSTOMER)

    customer_link_user(customer=customer, user=login)

    customer.refresh_from_db()
    assert customer.user == login


@db
def test_a_customer_can_be_known_since_an_earlier_time() -> None:
    # Imports and the first message on a channel date the customer, not the import run.
    since = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    created = customer_create(
        name="Old friend", identities=[("email", "old@example.com")], at=since
    )
    resolved, is_new = customer_resolve(kind="phone", value="+1 202 555 0100", at=since)

    assert created.created_at == since
    assert is_new
    assert resolved.created_at == since
    with pytest.raises(ValidationFailed) as refused:
        customer_create(name="Naive", at=datetime(2025, 3, 1))  # noqa: DTZ001
    assert refused.value.field == "at"
