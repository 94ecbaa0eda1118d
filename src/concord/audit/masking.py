"""How a secret appears in the audit log: that it was set or changed, never any of it."""

from __future__ import annotations

MASK = "********"


def mask_secret(value: str) -> str:
    # auditlog's own mask keeps the second half of the value in clear: half a
    # webhook secret or a Slack URL's token is too much, so nothing is kept.
    # An empty value stays empty, so "a password was set" still shows.
    return MASK if value not in ("", "None") else value
