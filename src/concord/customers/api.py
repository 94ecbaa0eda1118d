"""API for the customer directory: customers, their identities and records, organizations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from concord.accounts.models import User
from concord.accounts.selectors import user_get
from concord.api.auth import current_user
from concord.api.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut
from concord.common.errors import NotAllowed, NotFound
from concord.conversations.selectors import conversation_recent_for_customer
from concord.customers import selectors, services
from concord.customers.models import Customer, CustomerIdentity, ExternalRecord, Organization
from concord.customers.schemas import (
    CustomerCreateIn,
    CustomerDetail,
    CustomerList,
    CustomerPatchIn,
    IdentityIn,
    IdentityOut,
    OrganizationCreateIn,
    OrganizationList,
    OrganizationOut,
    OrganizationPatchIn,
    RecordIn,
    RecordOut,
)

router = Router(tags=["customers"])
_READ = {403: ErrorOut, **READ_ERRORS}


class SearchIn(Schema):
    q: str = Field("", max_length=320, description="An identity (email, phone…) or part of a name")
    limit: int = Field(25, ge=1, le=100)


def _directory(request: HttpRequest) -> User:
    user = current_user(request)
    if not selectors.customer_directory_allowed(user=user):
        raise NotAllowed("The customer directory is for agents, supervisors and admins.")
    return user


def _customer(user: User, customer_id: int) -> Customer:
    customer = selectors.customer_get_for_user(user=user, customer_id=customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} not found.")
    return customer


def _organization(user: User, organization_id: int, field: str | None = None) -> Organization:
    found = selectors.organization_get_for_user(user=user, organization_id=organization_id)
    if found is None:
        raise NotFound(f"Organization {organization_id} not found.", field=field)
    return found


def _owner(actor: User, user_id: int) -> User:
    owner = user_get(actor=actor, user_id=user_id)
    if owner is None:
        raise NotFound(f"User {user_id} not found.", field="account_owner_id")
    return owner


def identity_data(identity: CustomerIdentity) -> dict[str, Any]:
    return {
        "id": identity.pk,
        "kind": identity.kind,
        "value": identity.value,
        "is_primary": identity.is_primary,
        "undeliverable": identity.undeliverable_at is not None,
    }


def _ref(obj: Any, label: str = "name") -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, label: getattr(obj, label)}


def customer_row(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "name": customer.name,
        "tier": customer.tier,
        "lifecycle_stage": customer.lifecycle_stage,
        "organization": _ref(customer.organization),
        "identities": [identity_data(i) for i in customer.identities.all()],
        "churned_at": customer.churned_at,
        "created_at": customer.created_at,
    }


def organization_data(organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.pk,
        "name": organization.name,
        "tier": organization.tier,
        "domains": [d.domain for d in organization.domains.all()],
        "account_owner": _ref(organization.account_owner, "username"),
        "shares_conversations": organization.shares_conversations,
        "created_at": organization.created_at,
    }


def record_data(record: ExternalRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "source": record.source,
        "external_id": record.external_id,
        "kind": record.kind,
        "reference": record.reference,
        "status": record.status,
        "amount": record.amount,
        "currency": record.currency,
        "occurred_at": record.occurred_at,
        "data": record.data,
        "updated_at": record.updated_at,
    }


def _detail(actor: User, customer: Customer) -> dict[str, Any]:
    recent = conversation_recent_for_customer(user=actor, customer=customer)
    org = customer.organization
    return {
        **customer_row(customer),
        "organization": organization_data(org) if org is not None else None,
        "notes": customer.notes,
        "records": [record_data(r) for r in customer.records.all()],
        "recent_conversations": [
            {
                "id": c.pk,
                "subject": c.subject,
                "status": c.status,
                "priority": c.priority,
                "channel": c.channel,
                "team": _ref(c.team),
                "assignee": _ref(c.assignee, "username"),
                "created_at": c.created_at,
                "updated_at": c.updated_at,
            }
            for c in recent
        ],
    }


@router.get("/customers", response={200: CustomerList, **_READ})
def search_customers(request: HttpRequest, params: Query[SearchIn]) -> dict[str, Any]:
    """Customers matching an identity exactly (any channel) or part of a name."""
    actor = _directory(request)
    found = selectors.customer_search(user=actor, query=params.q, limit=params.limit)
    return {"items": [customer_row(c) for c in found]}


@router.get("/customers/{customer_id}", response={200: CustomerDetail, **_READ})
def get_customer(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """The 360° view of one customer."""
    actor = _directory(request)
    return _detail(actor, _customer(actor, customer_id))


@router.post("/customers", response={201: CustomerDetail, **WRITE_ERRORS})
def create_customer(request: HttpRequest, payload: CustomerCreateIn) -> Status[dict[str, Any]]:
    """Create a customer; ``created_at`` (an import's original date) needs the import right."""
    actor = _directory(request)
    if payload.created_at is not None and not selectors.customer_import_allowed(user=actor):
        raise NotAllowed(
            "Only admins and users with the customers.add_customer permission set created_at."
        )
    organization = None
    if payload.organization_id is not None:
        organization = _organization(actor, payload.organization_id, "organization_id")
    customer = services.customer_create(
        name=payload.name,
        identities=[(i.kind, i.value) for i in payload.identities],
        organization=organization,
        tier=payload.tier,
        lifecycle_stage=payload.lifecycle_stage,
        at=payload.created_at,
    )
    return Status(201, _detail(actor, _customer(actor, customer.pk)))


@router.patch("/customers/{customer_id}", response={200: CustomerDetail, **WRITE_ERRORS})
def update_customer(
    request: HttpRequest, customer_id: int, payload: CustomerPatchIn
) -> dict[str, Any]:
    actor = _directory(request)
    customer = _customer(actor, customer_id)
    sent = payload.model_fields_set
    organization = None
    if "organization_id" in sent and payload.organization_id is not None:
        organization = _organization(actor, payload.organization_id, "organization_id")
    services.customer_update(
        customer=customer,
        name=payload.name,
        tier=payload.tier,
        lifecycle_stage=payload.lifecycle_stage,
        organization=organization,
        clear_organization="organization_id" in sent and payload.organization_id is None,
        churned_at=payload.churned_at,
        clear_churned="churned_at" in sent and payload.churned_at is None,
    )
    return _detail(actor, _customer(actor, customer_id))


@router.post(
    "/customers/{customer_id}/identities",
    response={200: IdentityOut, 201: IdentityOut, **WRITE_ERRORS},
)
def add_identity(
    request: HttpRequest, customer_id: int, payload: IdentityIn
) -> Status[dict[str, Any]]:
    """Add a way to reach the customer; 200 if they already had it, 201 if it is new."""
    actor = _directory(request)
    customer = _customer(actor, customer_id)
    had = {i.pk for i in customer.identities.all()}
    identity = services.customer_identity_add(
        customer=customer, kind=payload.kind, value=payload.value
    )
    return Status(200 if identity.pk in had else 201, identity_data(identity))


@router.put(
    "/customers/{customer_id}/records/{source}/{external_id}",
    response={200: RecordOut, 201: RecordOut, **WRITE_ERRORS},
)
def upsert_record(
    request: HttpRequest, customer_id: int, source: str, external_id: str, payload: RecordIn
) -> Status[dict[str, Any]]:
    """Create or update the record (an order, a subscription) with this source and id.

    201 when it is new, 200 when it replaced an existing one. A record that
    belonged to another customer moves to this one.
    """
    actor = _directory(request)
    customer = _customer(actor, customer_id)
    record, created = services.external_record_upsert(
        customer=customer,
        source=source,
        external_id=external_id,
        kind=payload.kind,
        reference=payload.reference,
        status=payload.status,
        amount=payload.amount,
        currency=payload.currency,
        occurred_at=payload.occurred_at,
        data=payload.data,
    )
    return Status(201 if created else 200, record_data(record))


@router.get("/organizations", response={200: OrganizationList, **_READ}, tags=["organizations"])
def list_organizations(request: HttpRequest, params: Query[SearchIn]) -> dict[str, Any]:
    """Organizations by name; ``q`` matches part of a name or a whole mail domain."""
    actor = _directory(request)
    found = selectors.organization_list(user=actor, query=params.q)[: params.limit]
    return {"items": [organization_data(o) for o in found]}


@router.get(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, **_READ},
    tags=["organizations"],
)
def get_organization(request: HttpRequest, organization_id: int) -> dict[str, Any]:
    actor = _directory(request)
    return organization_data(_organization(actor, organization_id))


@router.post(
    "/organizations", response={201: OrganizationOut, **WRITE_ERRORS}, tags=["organizations"]
)
def create_organization(
    request: HttpRequest, payload: OrganizationCreateIn
) -> Status[dict[str, Any]]:
    actor = _directory(request)
    owner = None if payload.account_owner_id is None else _owner(actor, payload.account_owner_id)
    organization = services.organization_create(
        name=payload.name,
        domains=payload.domains,
        tier=payload.tier,
        account_owner=owner,
        shares_conversations=payload.shares_conversations,
    )
    return Status(201, organization_data(_organization(actor, organization.pk)))


@router.patch(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, **WRITE_ERRORS},
    tags=["organizations"],
)
def update_organization(
    request: HttpRequest, organization_id: int, payload: OrganizationPatchIn
) -> dict[str, Any]:
    actor = _directory(request)
    organization = _organization(actor, organization_id)
    sent = payload.model_fields_set
    owner = None
    if "account_owner_id" in sent and payload.account_owner_id is not None:
        owner = _owner(actor, payload.account_owner_id)
    services.organization_update(
        organization=organization,
        name=payload.name,
        tier=payload.tier,
        account_owner=owner,
        clear_account_owner="account_owner_id" in sent and payload.account_owner_id is None,
        shares_conversations=payload.shares_conversations,
        domains=payload.domains,
    )
    return organization_data(_organization(actor, organization_id))
