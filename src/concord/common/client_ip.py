"""The client's address, trusting X-Forwarded-For only as far as the configured proxies.

A raw ``X-Forwarded-For`` is whatever the client wrote, so a login throttle
keyed on it could be dodged by sending a new value with every guess. The header
is read only when the direct peer is one of ``CONCORD_TRUSTED_PROXIES``; then it
is walked from the right (the entry the nearest proxy appended) past further
trusted proxies, and the first address that is not one is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[_Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in configured)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    candidate = value.strip()
    # "[2001:db8::1]:443" and "203.0.113.7:51000" as some proxies write them.
    if candidate.startswith("[") and "]" in candidate:
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:
        candidate = candidate.split(":", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address a request came from, as far as trusted proxies vouch for it."""
    trusted = _networks(tuple(getattr(settings, "CONCORD_TRUSTED_PROXIES", ())))
    peer = _parse(str(request.META.get("REMOTE_ADDR", "")))
    if peer is None:
        return None

    def is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in trusted)

    if not is_trusted(peer):
        return str(peer)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    hops = [_parse(part) for part in forwarded.split(",") if part.strip()]
    for hop in reversed(hops):
        if hop is None:
            # A malformed entry: nothing to its left can be vouched for.
            break
        if not is_trusted(hop):
            return str(hop)
    return str(peer)
