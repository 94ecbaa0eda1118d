"""Writes for customers, identities, organizations and external records."""

from concord.customers.services.bulk import customers_resolve_many
from concord.customers.services.records import (
    customer_create,
    customer_identity_add,
    customer_identity_mark_undeliverable,
    customer_link_user,
    customer_resolve,
    customer_set_updates,
    customer_update,
    external_record_upsert,
    normalize_identity,
    organization_create,
    organization_set_domains,
    organization_update,
)

__all__ = [
    "customer_create",
    "customer_identity_add",
    "customer_identity_mark_undeliverable",
    "customer_link_user",
    "customer_resolve",
    "customer_set_updates",
    "customer_update",
    "customers_resolve_many",
    "external_record_upsert",
    "normalize_identity",
    "organization_create",
    "organization_set_domains",
    "organization_update",
]
