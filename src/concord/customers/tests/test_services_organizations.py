"""Services for organizations (and their mail domains) and synced external records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from concord.accounts.models import Role, User
from concord.common.errors import Conflict, ValidationFailed
from concord.common.testing import factories
from concord.customers.models import ExternalRecord, Organization, OrganizationDomain, Tier
from concord.customers.services import (
    customer_create,
    external_record_upsert,
    organization_create,
    organization_set_domains,
    organization_update,
)

db = pytest.mark.django_db


# --- organizations ----------------------------------------------------------------


@db
def test_organization_create(supervisor: User) -> None:
    org = organization_create(
        name=" Acme ",
        domains=["ACME.com", "@acme.io", " acme.com ", ""],
        tier=Tier.PREMIUM,
        account_owner=supervisor,
        shares_conversations=True,
    )

    org.refresh_from_db()
    assert org.name == "Acme"
    assert org.tier == Tier.PREMIUM
    assert org.account_owner == supervisor
    assert org.shares_conversations
    assert list(org.domains.values_list("domain", flat=True)) == ["acme.com", "acme.io"]


@db
@pytest.mark.parametrize(
    ("kwargs", "exc", "field"),
    [
        ({"name": "  "}, ValidationFailed, "name"),
        ({"name": "X", "tier": "gold"}, ValidationFailed, "tier"),
        ({"name": "X", "domains": ["not a domain"]}, ValidationFailed, "domains"),
        ({"name": "X", "domains": ["localhost"]}, ValidationFailed, "domains"),
        ({"name": "X", "domains": ["-bad.com"]}, ValidationFailed, "domains"),
        ({"name": "X", "domains": ["ok.com", "taken.com"]}, Conflict, "domains"),
    ],
)
def test_organization_create_refuses_bad_input_and_writes_nothing(
    kwargs: dict[str, object], exc: type[Exception], field: str
) -> None:
    organization_create(name="Taken", domains=["taken.com"])

    with pytest.raises(exc) as caught:
        organization_create(**kwargs)  # type: ignore[arg-type]

    assert getattr(caught.value, "field", None) == field
    assert list(Organization.objects.values_list("name", flat=True)) == ["Taken"]
    assert list(OrganizationDomain.objects.values_list("domain", flat=True)) == ["taken.com"]


@db
def test_organization_set_domains_replaces_the_set() -> None:
    org = organization_create(name="Acme", domains=["acme.com", "acme.io"])
    kept = org.domains.get(domain="acme.com")

    organization_set_domains(organization=org, domains=["Acme.com", "acme.dev"])

    assert list(org.domains.values_list("domain", flat=True)) == ["acme.com", "acme.dev"]
    assert org.domains.get(domain="acme.com").pk == kept.pk

    organization_set_domains(organization=org, domains=[])
    assert not org.domains.exists()


@db
def test_organization_set_domains_refuses_a_domain_of_another_org_and_changes_nothing() -> None:
    acme = organization_create(name="Acme", domains=["acme.com"])
    other = organization_create(name="Other", domains=["other.com"])

    with pytest.raises(Conflict) as caught:
        organization_set_domains(organization=other, domains=["new.com", "ACME.com"])

    assert caught.value.field == "domains"
    assert "acme.com" in caught.value.message
    assert list(other.domains.values_list("domain", flat=True)) == ["other.com"]
    assert list(acme.domains.values_list("domain", flat=True)) == ["acme.com"]


@db
def test_organization_set_domains_refuses_an_invalid_domain_and_changes_nothing() -> None:
    org = organization_create(name="Acme", domains=["acme.com"])

    with pytest.raises(ValidationFailed) as caught:
        organization_set_domains(organization=org, domains=["fine.com", "bad_domain.com"])

    assert caught.value.field == "domains"
    assert list(org.domains.values_list("domain", flat=True)) == ["acme.com"]


@db
def test_organization_update(supervisor: User, admin_user: User) -> None:
    org = organization_create(name="Acme", domains=["acme.com"], account_owner=supervisor)

    organization_update(
        organization=org,
        name="Acme Inc",
        tier=Tier.VIP,
        account_owner=admin_user,
        shares_conversations=True,
        domains=["acme.org"],
    )

    org.refresh_from_db()
    assert (org.name, org.tier, org.account_owner, org.shares_conversations) == (
        "Acme Inc",
        Tier.VIP,
        admin_user,
        True,
    )
    assert list(org.domains.values_list("domain", flat=True)) == ["acme.org"]

    organization_update(organization=org, clear_account_owner=True)
    org.refresh_from_db()
    assert org.account_owner is None
    assert org.name == "Acme Inc"
    assert list(org.domains.values_list("domain", flat=True)) == ["acme.org"]


@db
def test_organization_update_is_all_or_nothing() -> None:
    organization_create(name="Other", domains=["other.com"])
    org = organization_create(name="Acme", domains=["acme.com"])

    with pytest.raises(Conflict):
        organization_update(organization=org, name="Renamed", domains=["other.com"])

    org.refresh_from_db()
    assert org.name == "Acme"
    assert list(org.domains.values_list("domain", flat=True)) == ["acme.com"]


@db
@pytest.mark.parametrize(("kwargs", "field"), [({"name": " "}, "name"), ({"tier": "gold"}, "tier")])
def test_organization_update_refuses_bad_values(kwargs: dict[str, object], field: str) -> None:
    org = organization_create(name="Acme")

    with pytest.raises(ValidationFailed) as caught:
        organization_update(organization=org, **kwargs)  # type: ignore[arg-type]

    assert caught.value.field == field
    org.refresh_from_db()
    assert (org.name, org.tier) == ("Acme", Tier.STANDARD)


# --- external records ---------------------------------------------------------------


@db
def test_external_record_upsert_creates_then_updates_one_row() -> None:
    customer = customer_create(name="Ann")
    when = datetime(2025, 5, 1, 9, 30, tzinfo=UTC)

    record, created = external_record_upsert(
        customer=customer,
        source=" shop ",
        external_id=" 1001 ",
        reference="#1001",
        status="paid",
        amount=Decimal("19.99"),
        currency="eur",
        occurred_at=when,
        data={"items": 2},
    )
    assert created
    record.refresh_from_db()
    assert (record.source, record.external_id, record.kind) == ("shop", "1001", "order")
    assert record.amount == Decimal("19.99")
    assert isinstance(record.amount, Decimal)
    assert record.currency == "EUR"
    assert record.occurred_at == when
    assert record.data == {"items": 2}

    again, created_again = external_record_upsert(
        customer=customer,
        source="shop",
        external_id="1001",
        reference="#1001",
        status="refunded",
        amount=Decimal("0.10"),
        currency="EUR",
        occurred_at=when,
    )
    assert not created_again
    assert again.pk == record.pk
    assert ExternalRecord.objects.count() == 1
    again.refresh_from_db()
    assert again.status == "refunded"
    assert again.amount == Decimal("0.10")
    assert str(again.amount) == "0.10"


@db
def test_external_record_upsert_keys_on_source_and_external_id() -> None:
    customer = customer_create(name="Ann")

    external_record_upsert(customer=customer, source="shop", external_id="1")
    external_record_upsert(customer=customer, source="crm", external_id="1")
    external_record_upsert(customer=customer, source="shop", external_id="2")

    assert ExternalRecord.objects.count() == 3


@db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"source": " "}, "source"),
        ({"external_id": ""}, "external_id"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "€"}, "currency"),
        ({"currency": "12"}, "currency"),
        ({"amount": Decimal("NaN")}, "amount"),
        ({"amount": Decimal("Infinity")}, "amount"),
        ({"amount": Decimal("1e20")}, "amount"),
        ({"amount": Decimal("1e40")}, "amount"),
        ({"amount": Decimal("1000000000000")}, "amount"),
        ({"amount": Decimal("1.005")}, "amount"),
        ({"amount": 19.99}, "amount"),
        ({"occurred_at": datetime(2025, 1, 1)}, "occurred_at"),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_external_record_upsert_refuses_bad_values(kwargs: dict[str, object], field: str) -> None:
    customer = customer_create(name="Ann")
    args: dict[str, object] = {"source": "shop", "external_id": "1", **kwargs}

    with pytest.raises(ValidationFailed) as caught:
        external_record_upsert(customer=customer, **args)  # type: ignore[arg-type]

    assert caught.value.field == field
    assert not ExternalRecord.objects.exists()


@db
@pytest.mark.parametrize(
    ("amount", "stored"),
    [
        (Decimal("999999999999.99"), Decimal("999999999999.99")),
        (Decimal("-5.10"), Decimal("-5.10")),
        (Decimal("7.500"), Decimal("7.50")),
        (12, Decimal("12.00")),
    ],
)
def test_external_record_upsert_accepts_amounts_that_fit(
    amount: Decimal | int, stored: Decimal
) -> None:
    customer = customer_create(name="Ann")

    record, _ = external_record_upsert(
        customer=customer,
        source="shop",
        external_id="1",
        amount=amount,  # type: ignore[arg-type]
    )

    record.refresh_from_db()
    assert record.amount == stored


def test_only_staff_can_own_an_account(collaborator: User) -> None:
    portal_login = factories.UserFactory.create(username="pat", role=Role.CUSTOMER)
    with pytest.raises(ValidationFailed) as refused:
        organization_create(name="Acme", account_owner=portal_login)
    assert refused.value.field == "account_owner_id"
    assert not Organization.objects.exists()

    organization = organization_create(name="Acme", account_owner=collaborator)
    with pytest.raises(ValidationFailed):
        organization_update(organization=organization, account_owner=portal_login)
    organization.refresh_from_db()
    assert organization.account_owner == collaborator
