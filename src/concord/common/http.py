"""Outgoing HTTP to addresses admins type in (webhooks, Slack), guarded against SSRF.

A URL an admin enters must not become a way to reach what only the server can
reach: the loopback interface, the private network, the cloud metadata service.
Checking the host name before sending is not enough: DNS can answer with a
public address for the check and a private one for the connection (DNS
rebinding), and a public server can redirect to a private one. So the check
lives where the socket is opened: an httpcore network backend resolves the
name, vets every address it resolves to, and connects to the vetted address
itself. TLS still verifies the certificate for the host name (httpcore passes
the URL's host as SNI), and the Host header is the URL's. Redirects are
followed here, one hop at a time (at most ``MAX_REDIRECTS``), and every hop
goes through the same backend.

An admin can open the guard for named hosts or address ranges (``AllowList``),
for example an on-premises ticketing system on the office network.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from concord.common.errors import ValidationFailed

logger = logging.getLogger("concord.http")

MAX_REDIRECTS = 5
# Enough of an answer to show an admin what went wrong; the rest is not read.
MAX_BODY_BYTES = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # IPv4 addresses translated to IPv6


class UnsafeTarget(ValidationFailed):
    """A URL or address the server must not send to; the message names it and why."""

    code = "unsafe_target"

    def __init__(self, message: str, *, address: str = "", reason: str = "") -> None:
        super().__init__(message, field="url")
        self.address = address
        self.reason = reason


@dataclass(frozen=True)
class AllowList:
    """Hosts and networks an admin lets outgoing requests reach despite the guard.

    A host name is trusted whatever it resolves to; a network admits the
    addresses inside it, whichever name led there.
    """

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> AllowList:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            parsed = parse_allow_entry(entry)
            if isinstance(parsed, str):
                hosts.add(parsed)
            else:
                networks.append(parsed)
        return cls(hosts=frozenset(hosts), networks=tuple(networks))

    def allows_host(self, host: str) -> bool:
        return _normal_host(host) in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def parse_allow_entry(value: str) -> str | IPNetwork:
    """An allow-list entry: an address or CIDR range (a network), else a host name."""
    text = value.strip()
    if not text:
        raise ValueError("An allow-list entry cannot be empty.")
    try:
        return ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        pass
    host = _normal_host(text)
    labels = host.split(".")
    if any(not label or len(label) > 63 for label in labels) or not all(
        label.replace("-", "").replace("_", "").isalnum() for label in labels
    ):
        raise ValueError(f"{value!r} is neither a host name, an IP address nor a CIDR range.")
    return host


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def refusal_reason(address: IPAddress) -> str | None:
    """Why the guard refuses ``address``, or None for an ordinary public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            inner = refusal_reason(embedded)
            return f"IPv6-embedded {inner}" if inner else None
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "shared (carrier-grade NAT)"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not globally routable"
    return None


def check_url(url: str | httpx.URL) -> httpx.URL:
    """The parsed URL if it may be requested at all: http(s), a host, no credentials."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as error:
        raise UnsafeTarget(f"Not a valid URL: {error}", reason="invalid") from None
    if parsed.scheme not in ("http", "https"):
        raise UnsafeTarget(
            f"Only http and https URLs are allowed, not {parsed.scheme or 'none'}.",
            reason="scheme",
        )
    if not parsed.host:
        raise UnsafeTarget("The URL has no host.", reason="no host")
    if parsed.userinfo:
        # They would be sent to every redirect target and end up in logs.
        raise UnsafeTarget("The URL must not contain a user name or password.", reason="userinfo")
    return parsed


def _origin(url: httpx.URL) -> str:
    """scheme://host:port only: paths and queries often carry secrets (Slack URLs do)."""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{url.scheme}://{host}:{url.port or (443 if url.scheme == 'https' else 80)}"


class _Deadline:
    """One time limit for the whole exchange, redirects included.

    httpx's timeouts apply per network operation, so a server trickling a byte
    every few seconds could otherwise hold a worker for ever.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def limit(self, timeout: float | None, error: type[Exception]) -> float:
        remaining = self.ends - time.monotonic()
        if remaining <= 0:
            raise error(f"No answer within {self.seconds:g} s.")
        return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.limit(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.limit(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        limit = self._deadline.limit(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, limit), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


@dataclass
class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves, vets every address, then connects to a vetted address only."""

    allow: AllowList
    deadline: _Deadline
    inner: httpcore.NetworkBackend = field(default_factory=httpcore.SyncBackend)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        limit = self.deadline.limit(timeout, httpcore.ConnectTimeout)
        addresses = vet_host(host=host, port=port, allow=self.allow)
        last_error: Exception | None = None
        for address in addresses:
            try:
                stream = self.inner.connect_tcp(
                    str(address), port, limit, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
                continue
            return _DeadlineStream(stream, self.deadline)
        raise last_error or httpcore.ConnectError(f"No address to connect to for {host}.")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise UnsafeTarget("Unix sockets are not an outgoing target.", reason="unix socket")


def vet_host(*, host: str, port: int, allow: AllowList) -> list[IPAddress]:
    """Every address ``host`` resolves to, or ``UnsafeTarget`` if any of them is refused.

    One bad address refuses the host: connecting to "the others" would leave
    the choice of target to whoever controls its DNS.
    """
    name = _normal_host(host)
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise httpcore.ConnectError(f"Cannot resolve {name}: {error}") from None
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if allow.allows_host(name):
        return addresses
    for address in addresses:
        reason = refusal_reason(address)
        if reason is not None and not allow.allows_address(address):
            shown = name if name == str(address) else f"{name} ({address})"
            raise UnsafeTarget(
                f"Refused to connect to {shown}: {reason} address. "
                "An admin can allow it in the webhook allow-list.",
                address=str(address),
                reason=reason,
            )
    return addresses


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, *, allow: AllowList, deadline: _Deadline) -> None:
        # No proxies from the environment: the guard would vet the proxy, not the target.
        super().__init__(trust_env=False)
        # httpx has no public way to pass httpcore a network backend; its pool is
        # rebuilt with ours (same TLS context; httpx is pinned below 1.0).
        ssl_context = self._pool._ssl_context
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=1,
            network_backend=_GuardedBackend(allow=allow, deadline=deadline),
        )


@dataclass(frozen=True)
class SafeResponse:
    status_code: int
    body: bytes  # at most MAX_BODY_BYTES
    url: str  # the last hop's URL
    redirects: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


def safe_post(
    *, url: str, body: bytes, headers: dict[str, str], timeout: float, allow: AllowList
) -> SafeResponse:
    """POST ``body`` to ``url`` through the guard, following up to 5 redirects.

    ``timeout`` bounds the whole exchange. Raises ``UnsafeTarget`` when any hop
    is refused (nothing is sent to it), and httpx's ``TimeoutException`` or
    ``TransportError`` when the network fails. After too many redirects the
    last 3xx answer is returned.
    """
    target = check_url(url)
    deadline = _Deadline(timeout)
    transport = _GuardedTransport(allow=allow, deadline=deadline)
    with httpx.Client(
        transport=transport, timeout=timeout, follow_redirects=False, trust_env=False
    ) as client:
        request = client.build_request("POST", target, content=body, headers=headers)
        redirects = 0
        while True:
            try:
                check_url(request.url)
                response = client.send(request, stream=True)
            except httpx.UnsupportedProtocol as error:
                # A redirect to ftp: or the like; httpx refuses it before connecting.
                raise UnsafeTarget(str(error), reason="scheme") from None
            except UnsafeTarget as refusal:
                logger.warning(
                    "Refused an outgoing request to %s: %s", _origin(request.url), refusal.message
                )
                raise
            try:
                if response.next_request is not None and redirects < MAX_REDIRECTS:
                    request = response.next_request
                    redirects += 1
                    continue
                return SafeResponse(
                    status_code=response.status_code,
                    body=_read_some(response),
                    url=str(request.url),
                    redirects=redirects,
                )
            finally:
                response.close()


def _read_some(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY_BYTES:
            break
    return b"".join(chunks)[:MAX_BODY_BYTES]
