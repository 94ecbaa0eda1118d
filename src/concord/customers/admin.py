from __future__ import annotations

from django.contrib import admin

from concord.customers.models import (
    Customer,
    CustomerIdentity,
    ExternalRecord,
    Organization,
    OrganizationDomain,
    PrivacyRequest,
)


class IdentityInline(admin.TabularInline[CustomerIdentity, Customer]):
    model = CustomerIdentity
    extra = 0
    fields = ("kind", "value", "normalized", "is_primary", "undeliverable_at")
    # Identities are added through services, which normalise and check ownership.
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    list_display = ("__str__", "organization", "tier", "lifecycle_stage", "churned_at")
    list_filter = ("tier", "lifecycle_stage")
    search_fields = ("name", "identities__normalized")
    raw_id_fields = ("organization", "user")
    inlines = [IdentityInline]
    readonly_fields = ("created_at", "updated_at", "erased_at")


class DomainInline(admin.TabularInline[OrganizationDomain, Organization]):
    model = OrganizationDomain
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ("name", "tier", "account_owner", "shares_conversations")
    list_filter = ("tier", "shares_conversations")
    search_fields = ("name", "domains__domain")
    inlines = [DomainInline]


@admin.register(ExternalRecord)
class ExternalRecordAdmin(admin.ModelAdmin[ExternalRecord]):
    list_display = ("source", "external_id", "kind", "customer", "status", "amount", "occurred_at")
    list_filter = ("source", "kind")
    search_fields = ("external_id", "reference")
    raw_id_fields = ("customer",)


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin[PrivacyRequest]):
    """Who exported or erased whose data, and when: written by customers.privacy only."""

    list_display = ("at", "kind", "customer", "actor_name")
    list_filter = ("kind",)
    readonly_fields = ("customer", "kind", "actor", "actor_name", "at", "summary")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
