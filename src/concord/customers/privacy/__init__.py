"""Privacy requests for one customer: export everything held about them, or erase it.

Both reach into the apps that store something about a customer
(conversations, surveys, the portal, notifications, webhooks). That breaks the
"each app changes only its own tables" rule on purpose: an erasure must be one
transaction over all of them. The channels' parts (the email log, calls) are
not imported here, since the core must not import the channels: each channel
registers a contributor (``hooks.py``) from its ``AppConfig.ready()``, found in
``channels/*/services/privacy.py``. ``docs/privacy.md`` says what is kept and why.
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
