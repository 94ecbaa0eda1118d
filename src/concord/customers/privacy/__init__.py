"""Privacy requests for one customer: export everything held about them, or erase it.

Both reach into every app that stores something about a customer
(conversations, email, surveys, calls, the portal, notifications, webhooks).
That breaks the "each app changes only its own tables" rule on purpose: an
erasure must be one transaction over all of them, and the list of what is
exported and erased is the thing a reviewer must be able to check in one
place. ``docs/privacy.md`` says what is kept and why.
"""

from concord.customers.privacy.access import customer_get_for_privacy, privacy_allowed
from concord.customers.privacy.erase import ERASED_TEXT, ErasureResult, customer_erase
from concord.customers.privacy.export import customer_export, customer_export_data

__all__ = [
    "ERASED_TEXT",
    "ErasureResult",
    "customer_erase",
    "customer_export",
    "customer_export_data",
    "customer_get_for_privacy",
    "privacy_allowed",
]
