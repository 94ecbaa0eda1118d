"""Resolving many identities to customers at once, for a batch of inbound messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from concord.customers.models import Customer, CustomerIdentity, IdentityKind, OrganizationDomain
from concord.customers.services.records import (
    _domain_of,
    _named_if_placeholder,
    customer_resolve,
    normalize_identity,
)


def customers_resolve_many(
    *, kind: str, people: Sequence[tuple[str, str]], at: datetime | None = None
) -> list[Customer]:
    """``customer_resolve`` for each (value, name), aligned with ``people``; one customer each.

    Existing identities are read in one query; the new customers, their
    identities and their organizations (by email domain) take a few
    statements for all. The same identity twice is one customer, named by
    the first name seen. Bad values raise ``ValidationFailed`` naming the
    value before anything is written. Another writer creating one of these
    customers at the same moment is settled like ``customer_resolve`` does:
    the batch falls back to it, one identity at a time.
    """
    normalized = [normalize_identity(kind=kind, value=value) for value, _ in people]
    names: dict[str, str] = {}
    for norm, (_, name) in zip(normalized, people, strict=True):
        if name.strip() and not names.get(norm):
            names[norm] = name
    found = {
        identity.normalized: identity.customer
        for identity in CustomerIdentity.objects.select_related("customer").filter(
            kind=kind, normalized__in=set(normalized)
        )
    }
    for norm, customer in found.items():
        _named_if_placeholder(customer, names.get(norm, ""))
    missing = list(dict.fromkeys(n for n in normalized if n not in found))
    if missing:
        values = dict(zip(normalized, (value for value, _ in people), strict=True))
        try:
            with transaction.atomic():
                found.update(_create(kind=kind, values=values, missing=missing, names=names, at=at))
        except Exception:
            # Most likely a race on a new identity (its unique constraint): the
            # one-at-a-time path re-reads what the other writer made.
            for norm in missing:
                found[norm] = customer_resolve(
                    kind=kind, value=values[norm], name=names.get(norm, ""), at=at
                )[0]
    return [found[norm] for norm in normalized]


def _create(
    *,
    kind: str,
    values: dict[str, str],
    missing: list[str],
    names: dict[str, str],
    at: datetime | None,
) -> dict[str, Customer]:
    domains = {_domain_of(norm) for norm in missing} if kind == IdentityKind.EMAIL else set()
    organizations = dict(
        OrganizationDomain.objects.filter(domain__in=domains).values_list(
            "domain", "organization_id"
        )
    )
    moment = at or timezone.now()
    customers = Customer.objects.bulk_create(
        [
            Customer(
                name=names.get(norm, "").strip()[:200],
                organization_id=organizations.get(_domain_of(norm)) if domains else None,
                created_at=moment,
            )
            for norm in missing
        ]
    )
    CustomerIdentity.objects.bulk_create(
        [
            CustomerIdentity(
                customer=customer,
                kind=kind,
                value=values[norm].strip()[:320],
                normalized=norm,
                is_primary=True,
            )
            for norm, customer in zip(missing, customers, strict=True)
        ]
    )
    return dict(zip(missing, customers, strict=True))
