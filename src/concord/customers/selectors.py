"""Reads for customers and organizations, with the access rule for each."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from decimal import Decimal

from django.db.models import F, Prefetch, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from concord.accounts.models import Role, User
from concord.customers.models import (
    Customer,
    CustomerIdentity,
    ExternalRecord,
    IdentityKind,
    Organization,
)

# Staff who work customers' requests see the customer directory; collaborators
# (other departments) only the customers whose conversations were consulted to
# them, through a provider an app above the core registers (collaboration).
_DIRECTORY_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT})
CustomerVisibility = Callable[[User], Q]
_collaborator_visibility: list[CustomerVisibility] = []


def customer_register_visibility(provider: CustomerVisibility) -> None:
    if provider not in _collaborator_visibility:
        _collaborator_visibility.append(provider)


def customer_visible_to(*, user: User) -> QuerySet[Customer]:
    """The one place that says which customers a user may see."""
    if not user.is_active:
        return Customer.objects.none()
    if user.role in _DIRECTORY_ROLES:
        return Customer.objects.all()
    if user.role == Role.CUSTOMER:
        return Customer.objects.filter(user=user)
    if user.role == Role.COLLABORATOR and _collaborator_visibility:
        seen = Q()
        for provider in _collaborator_visibility:
            seen |= provider(user)
        return Customer.objects.filter(seen)
    return Customer.objects.none()


def customer_get_for_user(*, user: User, customer_id: int) -> Customer | None:
    return (
        customer_visible_to(user=user)
        .select_related("organization", "organization__account_owner")
        .prefetch_related(
            "identities",
            "organization__domains",
            Prefetch("records", queryset=_recent_records(limit=50)),
        )
        .filter(pk=customer_id)
        .first()
    )


def _recent_records(*, limit: int) -> QuerySet[ExternalRecord]:
    # Each customer's latest ``limit`` records. Django refuses a sliced prefetch
    # unless it goes to a ``to_attr``; ranking keeps ``customer.records.all()``.
    newest_first = [F("occurred_at").desc(), F("id").desc()]
    return (
        ExternalRecord.objects.annotate(
            rank=Window(RowNumber(), partition_by=F("customer_id"), order_by=newest_first)
        )
        .filter(rank__lte=limit)
        .order_by(*newest_first)
    )


def customer_search(*, user: User, query: str = "", limit: int = 25) -> list[Customer]:
    """Customers matching any identity (exact, case-insensitive) or part of a name."""
    base = customer_visible_to(user=user)
    query = query.strip()
    if query:
        lowered = query.lower()
        digits = "".join(ch for ch in query if ch.isdigit() or ch == "+")
        identity_match = Q(normalized=lowered) | Q(normalized=query)
        if len(digits) >= 4:
            identity_match |= Q(kind="phone", normalized__endswith=digits.lstrip("+"))
        matched = CustomerIdentity.objects.filter(identity_match).values("customer_id")
        base = base.filter(
            Q(pk__in=matched)
            | Q(name__icontains=query)
            | Q(identities__normalized__startswith=lowered)
        ).distinct()
    return list(
        base.select_related("organization")
        .prefetch_related("identities")
        .order_by("name", "id")[: max(1, min(limit, 100))]
    )


def customer_by_identity(*, kind: str, normalized: str) -> Customer | None:
    found = (
        CustomerIdentity.objects.select_related("customer")
        .filter(kind=kind, normalized=normalized)
        .first()
    )
    return found.customer if found else None


def organization_visible_to(*, user: User) -> QuerySet[Organization]:
    if not user.is_active:
        return Organization.objects.none()
    if user.role in _DIRECTORY_ROLES:
        return Organization.objects.all()
    if user.role == Role.CUSTOMER:
        return Organization.objects.filter(customers__user=user)
    return Organization.objects.none()


def organization_list(*, user: User, query: str = "") -> QuerySet[Organization]:
    qs = (
        organization_visible_to(user=user)
        .select_related("account_owner")
        .prefetch_related("domains")
    )
    if query.strip():
        q = query.strip().lower()
        qs = qs.filter(Q(name__icontains=q) | Q(domains__domain=q)).distinct()
    return qs.order_by("name", "id")


def organization_get_for_user(*, user: User, organization_id: int) -> Organization | None:
    return organization_list(user=user).filter(pk=organization_id).first()


def customer_directory_allowed(*, user: User) -> bool:
    """Whether ``user`` works with the customer directory (search, create, edit)."""
    return user.is_active and user.role in _DIRECTORY_ROLES


# Django's own permission, granted in the admin to an integration user that imports
# customers with their history.
IMPORT_PERMISSION = "customers.add_customer"


def customer_import_allowed(*, user: User) -> bool:
    """Whether ``user`` may give a new customer its original ``created_at`` (an import)."""
    return customer_directory_allowed(user=user) and (
        user.role == Role.ADMIN or user.has_perm(IMPORT_PERMISSION)
    )


def customer_for_user(*, user: User) -> Customer | None:
    """The customer record behind a portal login, if there is one."""
    if user.role != Role.CUSTOMER:
        return None
    return Customer.objects.filter(user=user).first()


def customer_email_with_latest_request() -> str | None:
    """The email of the customer who wrote most recently by email: a good demo portal login."""
    from concord.conversations.models import Conversation

    latest = (
        Conversation.objects.filter(channel="email", merged_into__isnull=True)
        .order_by("-updated_at", "-id")
        .values_list("customer_id", flat=True)
        .first()
    )
    if latest is None:
        return None
    return (
        CustomerIdentity.objects.filter(customer_id=latest, kind="email")
        .order_by("-is_primary", "id")
        .values_list("value", flat=True)
        .first()
    )


def customer_email_identity(*, customer_id: int) -> CustomerIdentity | None:
    """The address to write to: the customer's primary email identity, else the oldest."""
    return (
        CustomerIdentity.objects.filter(customer_id=customer_id, kind=IdentityKind.EMAIL)
        .order_by("-is_primary", "id")
        .first()
    )


def identity_undeliverable_since(*, kind: str, normalized: str) -> datetime | None:
    """When mail (or texts) to this identity started failing for good, or None."""
    return (
        CustomerIdentity.objects.filter(kind=kind, normalized=normalized)
        .values_list("undeliverable_at", flat=True)
        .first()
    )


def revenue_of(*, customer_ids: Collection[int], since: datetime) -> Decimal:
    """What these customers' organizations (each once), and those in none, spent since ``since``.

    Summed over external records with an amount (orders, invoices), whatever
    the currency: a ranking signal for product demand, not accounting.
    """
    ids = list(customer_ids)
    orgs = Customer.objects.filter(pk__in=ids, organization__isnull=False).values("organization_id")
    alone = Customer.objects.filter(pk__in=ids, organization__isnull=True).values("pk")
    total = ExternalRecord.objects.filter(
        Q(customer__organization_id__in=orgs) | Q(customer_id__in=alone),
        amount__isnull=False,
        created_at__gte=since,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)
