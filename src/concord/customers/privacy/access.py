"""Who may export or erase a customer's data: active admins, nobody else."""

from __future__ import annotations

from concord.accounts.models import Role, User
from concord.customers.models import Customer


def privacy_allowed(*, user: User) -> bool:
    return user.is_active and user.role == Role.ADMIN


def customer_get_for_privacy(*, user: User, customer_id: int) -> Customer | None:
    """The customer, for an admin; None for anyone else (shown as the same 404)."""
    if not privacy_allowed(user=user):
        return None
    return (
        Customer.objects.select_related("organization", "user")
        .prefetch_related("identities")
        .filter(pk=customer_id)
        .first()
    )
