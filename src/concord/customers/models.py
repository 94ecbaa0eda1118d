"""Customers, their identities on every channel, organizations and synced records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Tier(models.TextChoices):
    STANDARD = "standard", "Standard"
    PREMIUM = "premium", "Premium"
    VIP = "vip", "VIP"


class LifecycleStage(models.TextChoices):
    AWARENESS = "awareness", "Awareness"
    CONSIDERATION = "consideration", "Consideration"
    PURCHASE = "purchase", "Purchase"
    EXPERIENCE = "experience", "Experience"
    LOYALTY = "loyalty", "Loyalty"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.STANDARD)
    account_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_organizations",
    )
    # When true, every member of the organization sees its members' conversations.
    shares_conversations = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationDomain(models.Model):
    """A mail domain; a new customer writing from it joins the organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)  # stored lower-case

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class Customer(models.Model):
    name = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.STANDARD)
    lifecycle_stage = models.CharField(
        max_length=16, choices=LifecycleStage.choices, default=LifecycleStage.PURCHASE
    )
    churned_at = models.DateTimeField(null=True, blank=True)
    # The portal login, created when the customer first signs in.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    notes = models.TextField(blank=True)
    # When the customer first became known; churn rate counts customers by it, so
    # imports and demo data may set it in the past (services take ``at``).
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the customer's personal data was erased (see customers.privacy);
    # the row stays so that metrics keep counting their conversations.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Set when the customer asked not to be told of fixes and product news
    # (problem and feature-request announcements); replies to their own
    # requests still reach them.
    updates_opt_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        if self.erased_at is not None:
            return f"Erased customer #{self.pk}"
        return self.name or f"Customer {self.pk}"


class IdentityKind(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat visitor id"
    SOCIAL = "social", "Social handle"


class CustomerIdentity(models.Model):
    """One way to reach a customer. A (kind, normalized value) belongs to one customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=8, choices=IdentityKind.choices)
    value = models.CharField(max_length=320)  # as the customer wrote it
    normalized = models.CharField(max_length=320)  # lookup key, see services.normalize_identity
    is_primary = models.BooleanField(default=False)
    # Set by the email channel when a permanent bounce says the address is dead.
    undeliverable_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "normalized"], name="identity_unique_value"),
        ]
        verbose_name_plural = "customer identities"

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class ExternalRecord(models.Model):
    """A fact synced from a CRM or shop (an order, a subscription), shown in the 360° view."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="records")
    source = models.CharField(max_length=50)  # e.g. "shop", "crm"
    external_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, default="order")
    reference = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=50, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="record_unique_external"
            ),
        ]
        indexes = [models.Index(fields=["customer", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class PrivacyRequestKind(models.TextChoices):
    EXPORT = "export", "Data export"
    ERASURE = "erasure", "Erasure"


class PrivacyRequest(models.Model):
    """A privacy request carried out for one customer: who did it, when, and what it covered.

    Written in the same transaction as an erasure. ``actor_name`` keeps who it
    was if their account is deleted later; ``summary`` holds counts only, never
    the personal data itself.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="privacy_requests"
    )
    kind = models.CharField(max_length=8, choices=PrivacyRequestKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    at = models.DateTimeField()
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of customer {self.customer_id} by {self.actor_name}"
