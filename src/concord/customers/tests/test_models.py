from __future__ import annotations

import pytest
from django.db import IntegrityError

from concord.common.testing import factories
from concord.customers.models import Customer, CustomerIdentity, ExternalRecord

pytestmark = pytest.mark.django_db


def test_the_database_keeps_one_owner_per_identity() -> None:
    # The services rely on this constraint to settle races between channels.
    factories.CustomerFactory.create(email="ann@example.com")
    bob = factories.CustomerFactory.create()

    with pytest.raises(IntegrityError):
        CustomerIdentity.objects.create(
            customer=bob, kind="email", value="ANN@example.com", normalized="ann@example.com"
        )


def test_the_database_keeps_one_record_per_source_and_external_id() -> None:
    ann = factories.CustomerFactory.create()
    ExternalRecord.objects.create(customer=ann, source="shop", external_id="1")

    with pytest.raises(IntegrityError):
        ExternalRecord.objects.create(customer=ann, source="shop", external_id="1")


def test_str() -> None:
    assert str(Customer(name="Ann")) == "Ann"
    assert str(Customer(pk=7)) == "Customer 7"
    assert str(CustomerIdentity(kind="email", value="a@b.c")) == "email:a@b.c"
