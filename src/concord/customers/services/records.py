"""Writes for customers, identities, organizations and external records."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from concord.accounts.models import User
from concord.common.errors import Conflict, ValidationFailed
from concord.customers.models import (
    Customer,
    CustomerIdentity,
    ExternalRecord,
    IdentityKind,
    LifecycleStage,
    Organization,
    OrganizationDomain,
    Tier,
)

_PHONE_JUNK = re.compile(r"[\s().\-/]")
_PHONE = re.compile(r"^\+?[0-9]{4,20}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_identity(*, kind: str, value: str) -> str:
    """The lookup key for an identity; raises ValidationFailed naming the problem.

    Emails compare case-insensitively (the local part too: nobody expects
    Ann@x and ann@x to be two customers). Phones keep only digits and a leading
    plus. Chat ids are opaque; social handles are case-insensitive.
    """
    value = value.strip()
    if not value:
        raise ValidationFailed("An identity value is required.", field="value")
    if kind == IdentityKind.EMAIL:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationFailed(f"{value!r} is not an email address.", field="value") from None
        return value.lower()
    if kind == IdentityKind.PHONE:
        digits = _PHONE_JUNK.sub("", value)
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if not _PHONE.match(digits):
            raise ValidationFailed(f"{value!r} is not a phone number.", field="value")
        return digits
    if kind == IdentityKind.CHAT:
        return value[:320]
    if kind == IdentityKind.SOCIAL:
        return value.lower()[:320]
    raise ValidationFailed(f"Unknown identity kind {kind!r}.", field="kind")


def _check_aware(value: datetime | None, field: str) -> None:
    if value is not None and timezone.is_naive(value):
        raise ValidationFailed("Times must carry a time zone.", field=field)


def _check_amount(amount: Decimal | None) -> None:
    # The column holds 14 digits, 2 after the point; anything else would be
    # rounded or rejected by the database instead of by us.
    if amount is None:
        return
    if not isinstance(amount, Decimal | int) or isinstance(amount, bool):
        raise ValidationFailed("An amount must be a decimal number.", field="amount")
    amount = Decimal(amount)
    if not amount.is_finite():
        raise ValidationFailed(f"{amount} is not an amount.", field="amount")
    # Size first: quantizing a huge value would itself raise.
    if abs(amount) >= Decimal(10) ** 12:
        raise ValidationFailed(f"{amount} is too large an amount.", field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(f"{amount} has more than two decimal places.", field="amount")


def _domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def _check_choice(value: str, choices: list[str], field: str) -> None:
    if value not in choices:
        raise ValidationFailed(f"{value!r} is not one of {', '.join(choices)}.", field=field)


def customer_create(
    *,
    name: str = "",
    identities: list[tuple[str, str]] | None = None,
    organization: Organization | None = None,
    tier: str = Tier.STANDARD,
    lifecycle_stage: str = LifecycleStage.PURCHASE,
    at: datetime | None = None,
) -> Customer:
    _check_choice(tier, Tier.values, "tier")
    _check_aware(at, "at")
    if at is not None and at > timezone.now():
        raise ValidationFailed("created_at cannot be in the future.", field="created_at")
    _check_choice(lifecycle_stage, LifecycleStage.values, "lifecycle_stage")
    pairs: list[tuple[str, str, str]] = []
    for kind, value in identities or []:
        norm = normalize_identity(kind=kind, value=value)
        # The same identity twice in one call is one identity, not a conflict with itself.
        if all((kind, norm) != (k, n) for k, _, n in pairs):
            pairs.append((kind, value, norm))
    with transaction.atomic():
        if organization is None:
            organization = _organization_for_emails(
                [norm for kind, _, norm in pairs if kind == IdentityKind.EMAIL]
            )
        customer = Customer.objects.create(
            name=name.strip()[:200],
            organization=organization,
            tier=tier,
            lifecycle_stage=lifecycle_stage,
            created_at=at or timezone.now(),
        )
        for index, (kind, value, norm) in enumerate(pairs):
            _identity_insert(
                customer=customer, kind=kind, value=value, normalized=norm, primary=index == 0
            )
    return customer


def _organization_for_emails(emails: list[str]) -> Organization | None:
    for email in emails:
        found = (
            OrganizationDomain.objects.select_related("organization")
            .filter(domain=_domain_of(email))
            .first()
        )
        if found is not None:
            return found.organization
    return None


def _identity_insert(
    *, customer: Customer, kind: str, value: str, normalized: str, primary: bool
) -> CustomerIdentity:
    try:
        # A savepoint so a duplicate leaves the caller's transaction usable.
        with transaction.atomic():
            return CustomerIdentity.objects.create(
                customer=customer,
                kind=kind,
                value=value.strip()[:320],
                normalized=normalized,
                is_primary=primary,
            )
    except IntegrityError:
        raise Conflict(
            f"The {kind} identity {value!r} already belongs to another customer.", field="value"
        ) from None


def customer_identity_add(*, customer: Customer, kind: str, value: str) -> CustomerIdentity:
    normalized = normalize_identity(kind=kind, value=value)
    with transaction.atomic():
        existing = CustomerIdentity.objects.filter(kind=kind, normalized=normalized).first()
        if existing is not None:
            if existing.customer_id == customer.pk:
                return existing
            raise Conflict(
                f"The {kind} identity {value!r} already belongs to another customer.", field="value"
            )
        primary = not customer.identities.filter(kind=kind).exists()
        return _identity_insert(
            customer=customer, kind=kind, value=value, normalized=normalized, primary=primary
        )


def customer_resolve(
    *, kind: str, value: str, name: str = "", at: datetime | None = None
) -> tuple[Customer, bool]:
    """The customer who owns this identity, creating one if nobody does.

    Returns (customer, created). Two channels racing to create the same new
    customer are settled by the unique constraint: the loser re-reads.

    ``name`` (an email's display name, a caller's name) names a new customer,
    and an existing one whose name is still the placeholder: a customer
    without a name shows as "Customer 529" until a name is seen. A name the
    customer or an agent gave is never replaced.
    """
    normalized = normalize_identity(kind=kind, value=value)
    found = (
        CustomerIdentity.objects.select_related("customer")
        .filter(kind=kind, normalized=normalized)
        .first()
    )
    if found is not None:
        return _named_if_placeholder(found.customer, name), False
    try:
        with transaction.atomic():
            return customer_create(name=name, identities=[(kind, value)], at=at), True
    except Conflict:
        again = CustomerIdentity.objects.select_related("customer").get(
            kind=kind, normalized=normalized
        )
        return _named_if_placeholder(again.customer, name), False


def _named_if_placeholder(customer: Customer, name: str) -> Customer:
    """Give a nameless customer (shown as "Customer 529") the name a channel saw.

    One conditional UPDATE, so a name an agent sets at the same moment wins;
    an erased customer stays nameless.
    """
    name = name.strip()[:200]
    if not name or customer.name or customer.erased_at is not None:
        return customer
    named = Customer.objects.filter(pk=customer.pk, name="", erased_at__isnull=True).update(
        name=name, updated_at=timezone.now()
    )
    if named:
        customer.name = name
    return customer


def customer_update(
    *,
    customer: Customer,
    name: str | None = None,
    tier: str | None = None,
    lifecycle_stage: str | None = None,
    organization: Organization | None = None,
    clear_organization: bool = False,
    churned_at: datetime | None = None,
    clear_churned: bool = False,
) -> Customer:
    _check_aware(churned_at, "churned_at")
    fields: list[str] = []
    if name is not None:
        customer.name = name.strip()[:200]
        fields.append("name")
    if tier is not None:
        _check_choice(tier, Tier.values, "tier")
        customer.tier = tier
        fields.append("tier")
    if lifecycle_stage is not None:
        _check_choice(lifecycle_stage, LifecycleStage.values, "lifecycle_stage")
        customer.lifecycle_stage = lifecycle_stage
        fields.append("lifecycle_stage")
    if organization is not None or clear_organization:
        customer.organization = None if clear_organization else organization
        fields.append("organization")
    if churned_at is not None or clear_churned:
        customer.churned_at = None if clear_churned else churned_at
        fields.append("churned_at")
    if fields:
        with transaction.atomic():
            customer.save(update_fields=[*fields, "updated_at"])
    return customer


def customer_set_updates(
    *, customer: Customer, receive: bool, at: datetime | None = None
) -> Customer:
    """Whether the customer is told of fixes and product news (announcements)."""
    wanted = None if receive else (customer.updates_opt_out_at or at or timezone.now())
    if wanted != customer.updates_opt_out_at:
        with transaction.atomic():
            customer.updates_opt_out_at = wanted
            customer.save(update_fields=["updates_opt_out_at", "updated_at"])
    return customer


def customer_link_user(*, customer: Customer, user: User) -> None:
    with transaction.atomic():
        customer.user = user
        customer.save(update_fields=["user", "updated_at"])


def _check_account_owner(owner: User | None) -> None:
    # The account owner answers for the organization inside the company: staff only.
    if owner is not None and not owner.is_staff_member:
        raise ValidationFailed(
            f"{owner.username} is not a staff member and cannot own an account.",
            field="account_owner_id",
        )


def organization_create(
    *,
    name: str,
    domains: list[str] | None = None,
    tier: str = Tier.STANDARD,
    account_owner: User | None = None,
    shares_conversations: bool = False,
) -> Organization:
    name = name.strip()
    if not name:
        raise ValidationFailed("An organization name is required.", field="name")
    _check_choice(tier, Tier.values, "tier")
    _check_account_owner(account_owner)
    with transaction.atomic():
        organization = Organization.objects.create(
            name=name[:200],
            tier=tier,
            account_owner=account_owner,
            shares_conversations=shares_conversations,
        )
        organization_set_domains(organization=organization, domains=domains or [])
    return organization


def organization_set_domains(*, organization: Organization, domains: list[str]) -> None:
    cleaned = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    for domain in cleaned:
        if not _DOMAIN.match(domain):
            raise ValidationFailed(f"{domain!r} is not a domain name.", field="domains")
    with transaction.atomic():
        taken = (
            OrganizationDomain.objects.filter(domain__in=cleaned)
            .exclude(organization=organization)
            .values_list("domain", flat=True)
            .first()
        )
        if taken:
            raise Conflict(
                f"The domain {taken!r} belongs to another organization.", field="domains"
            )
        organization.domains.exclude(domain__in=cleaned).delete()
        have = set(organization.domains.values_list("domain", flat=True))
        OrganizationDomain.objects.bulk_create(
            [
                OrganizationDomain(organization=organization, domain=d)
                for d in cleaned
                if d not in have
            ]
        )


def organization_update(
    *,
    organization: Organization,
    name: str | None = None,
    tier: str | None = None,
    account_owner: User | None = None,
    clear_account_owner: bool = False,
    shares_conversations: bool | None = None,
    domains: list[str] | None = None,
) -> Organization:
    fields: list[str] = []
    if name is not None:
        if not name.strip():
            raise ValidationFailed("An organization name is required.", field="name")
        organization.name = name.strip()[:200]
        fields.append("name")
    if tier is not None:
        _check_choice(tier, Tier.values, "tier")
        organization.tier = tier
        fields.append("tier")
    if account_owner is not None or clear_account_owner:
        _check_account_owner(account_owner)
        organization.account_owner = None if clear_account_owner else account_owner
        fields.append("account_owner")
    if shares_conversations is not None:
        organization.shares_conversations = shares_conversations
        fields.append("shares_conversations")
    with transaction.atomic():
        if fields:
            organization.save(update_fields=[*fields, "updated_at"])
        if domains is not None:
            organization_set_domains(organization=organization, domains=domains)
    return organization


_RECORD_FIELDS = ("kind", "reference", "status", "amount", "currency", "occurred_at", "data")


def external_record_upsert(
    *,
    customer: Customer,
    source: str,
    external_id: str,
    kind: str = "order",
    reference: str = "",
    status: str = "",
    amount: Decimal | None = None,
    currency: str = "",
    occurred_at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> tuple[ExternalRecord, bool]:
    """Insert or update the record with this (source, external_id). Returns (record, created)."""
    source, external_id = source.strip(), external_id.strip()
    if not source:
        raise ValidationFailed("A source is required.", field="source")
    if not external_id:
        raise ValidationFailed("An external id is required.", field="external_id")
    if currency and not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise ValidationFailed(
            f"{currency!r} is not a three-letter currency code.", field="currency"
        )
    _check_amount(amount)
    _check_aware(occurred_at, "occurred_at")
    values: dict[str, Any] = {
        "customer": customer,
        "kind": kind.strip()[:32] or "order",
        "reference": reference[:200],
        "status": status[:50],
        "amount": amount,
        "currency": currency.upper(),
        "occurred_at": occurred_at,
        "data": data or {},
    }
    with transaction.atomic():
        record = (
            ExternalRecord.objects.select_for_update()
            .filter(source=source, external_id=external_id)
            .first()
        )
        if record is None:
            try:
                with transaction.atomic():
                    return (
                        ExternalRecord.objects.create(
                            source=source, external_id=external_id, **values
                        ),
                        True,
                    )
            except IntegrityError:
                record = ExternalRecord.objects.select_for_update().get(
                    source=source, external_id=external_id
                )
        for key, value in values.items():
            setattr(record, key, value)
        record.save(update_fields=[*_RECORD_FIELDS, "customer", "updated_at"])
    return record, False


def customer_identity_mark_undeliverable(
    *, kind: str, value: str, at: datetime | None = None
) -> CustomerIdentity | None:
    """Record that mail (or texts) to this identity fail permanently.

    Returns the identity, or None when no customer has it. The first failure's
    time is kept: later bounces to a dead address add nothing.
    """
    _check_aware(at, "at")
    normalized = normalize_identity(kind=kind, value=value)
    with transaction.atomic():
        identity = (
            CustomerIdentity.objects.select_for_update()
            .filter(kind=kind, normalized=normalized)
            .first()
        )
        if identity is not None and identity.undeliverable_at is None:
            identity.undeliverable_at = at or timezone.now()
            identity.save(update_fields=["undeliverable_at"])
        return identity
