"""Sign-in links for the customer portal."""

from __future__ import annotations

from django.db import models

from concord.customers.models import Customer


class MagicLink(models.Model):
    """A one-time sign-in link sent to a customer's email address.

    Only a SHA-256 digest of the link's random nonce is kept, so a copy of the
    database does not let anyone sign in. The digest is set when the email is
    sent (by a background task), which is why it may be empty for a moment.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="magic_links")
    email = models.CharField(max_length=320)  # the address the link went to
    digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="magic_link_recent")]

    def __str__(self) -> str:
        return f"sign-in link for {self.email}"
