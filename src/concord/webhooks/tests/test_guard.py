"""The SSRF guard: private targets are refused before a byte is sent, on every hop."""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from concord.common.http import (
    AllowList,
    UnsafeTarget,
    check_url,
    parse_allow_entry,
    refusal_reason,
    safe_post,
)
from concord.webhooks.models import AllowedTarget, DeliveryStatus, WebhookDelivery
from concord.webhooks.services import webhook_create, webhook_queue, webhook_retry
from concord.webhooks.tests.server import Recorder, recording_server

OnCommit = Callable[..., AbstractContextManager[Any]]


def post(url: str, allow: AllowList | None = None) -> int:
    return safe_post(
        url=url, body=b"{}", headers={}, timeout=3, allow=allow or AllowList()
    ).status_code


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("fd00:ec2::254", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("::", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("240.0.0.1", "private"),
        ("::ffff:127.0.0.1", "IPv6-embedded loopback"),
        ("::ffff:169.254.169.254", "IPv6-embedded link-local"),
        ("64:ff9b::a00:1", "IPv6-embedded private"),
        ("2002:c0a8:101::1", "IPv6-embedded private"),
        ("192.0.2.10", "private"),  # documentation range: never a real target
    ],
)
def test_it_names_why_an_address_is_refused(address: str, reason: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://user:pw@example.com/",
        "https://token@example.com/",
        "http:///path-only",
    ],
)
def test_it_refuses_urls_that_are_not_plain_http(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        check_url(url)


def test_allow_list_entries_are_hosts_addresses_or_ranges() -> None:
    assert parse_allow_entry(" Tickets.Corp.Example. ") == "tickets.corp.example"
    assert parse_allow_entry("10.0.0.0/24") == ipaddress.ip_network("10.0.0.0/24")
    assert parse_allow_entry("[fd00::1]") == ipaddress.ip_network("fd00::1/128")
    for bad in ["", "not a host", "a..b", "http://x/"]:
        with pytest.raises(ValueError, match=r"."):
            parse_allow_entry(bad)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_loopback_targets_are_refused_and_see_no_request(
    host: str, caplog: pytest.LogCaptureFixture
) -> None:
    with recording_server("::1" if host == "::1" else "127.0.0.1") as server:
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{server.port}/secret-path?token=s3cr3t"
        with (
            caplog.at_level(logging.WARNING, logger="concord.http"),
            pytest.raises(UnsafeTarget, match="loopback") as refused,
        ):
            post(url)
        assert server.requests == []
    assert refused.value.address in ("127.0.0.1", "::1")
    # The refusal is logged by origin only: paths and queries can carry secrets.
    assert "Refused an outgoing request" in caplog.text
    assert "s3cr3t" not in caplog.text
    assert "secret-path" not in caplog.text


def test_the_metadata_service_is_refused() -> None:
    with pytest.raises(UnsafeTarget, match=r"169\.254\.169\.254: link-local"):
        post("http://169.254.169.254/latest/meta-data")


def test_the_address_connected_to_is_the_one_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name whose DNS answers with a private address (DNS rebinding) is refused at connect."""
    real = socket.getaddrinfo

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == "rebind.example.com" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with recording_server() as server:
        with pytest.raises(UnsafeTarget, match=r"rebind\.example\.com \(127\.0\.0\.1\)"):
            post(f"http://rebind.example.com:{server.port}/")
        assert server.requests == []


def test_an_allow_listed_address_or_range_is_reached(receiver: Recorder) -> None:
    assert post(receiver.url, AllowList.from_entries(["127.0.0.1"])) == 200
    assert post(receiver.url, AllowList.from_entries(["127.0.0.0/8"])) == 200
    assert len(receiver.requests) == 2
    with pytest.raises(UnsafeTarget):
        post(receiver.url, AllowList.from_entries(["10.0.0.0/8", "example.com"]))


def test_an_allow_listed_name_is_reached_whatever_it_resolves_to(receiver: Recorder) -> None:
    url = f"http://localhost:{receiver.port}/"
    assert post(url, AllowList.from_entries(["LOCALHOST"])) == 200
    assert receiver.requests[0].headers["host"] == f"localhost:{receiver.port}"


def test_a_redirect_to_a_private_address_is_refused(receiver: Recorder) -> None:
    """The first hop is allowed (127.0.0.1/32); its redirect to 127.0.0.2 is not."""
    with recording_server("127.0.0.2") as inner:
        receiver.redirect_to = f"http://127.0.0.2:{inner.port}/internal"
        with pytest.raises(UnsafeTarget, match=r"127\.0\.0\.2: loopback"):
            post(receiver.url, AllowList.from_entries(["127.0.0.1/32"]))
        assert len(receiver.requests) == 1
        assert inner.requests == []
        # Allowing the inner target too lets the redirect through (307 keeps the POST).
        assert post(receiver.url, AllowList.from_entries(["127.0.0.1", "127.0.0.2"])) == 200
        assert [r.path for r in inner.requests] == ["/internal"]
        assert inner.requests[0].body == b"{}"


def test_a_redirect_from_an_allowed_name_to_its_address_is_refused(receiver: Recorder) -> None:
    with recording_server() as inner:
        receiver.redirect_to = f"http://127.0.0.1:{inner.port}/"
        with pytest.raises(UnsafeTarget, match="loopback"):
            post(f"http://localhost:{receiver.port}/", AllowList.from_entries(["localhost"]))
        assert inner.requests == []


def test_redirects_stop_after_five(receiver: Recorder) -> None:
    receiver.redirect_to = receiver.url
    response = safe_post(
        url=receiver.url,
        body=b"",
        headers={},
        timeout=3,
        allow=AllowList.from_entries(["127.0.0.1"]),
    )
    assert (response.status_code, response.redirects) == (307, 5)
    assert len(receiver.requests) == 6


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/",
        "http://[::1]:{port}/",
        "http://localhost:{port}/",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_a_webhook_to_a_private_target_is_refused_without_retries(
    url: str, django_capture_on_commit_callbacks: OnCommit
) -> None:
    with recording_server("::1" if "[::1]" in url else "127.0.0.1") as server:
        hook = webhook_create(name="Internal", url=url.format(port=server.port))
        with django_capture_on_commit_callbacks(execute=True):
            row = webhook_queue(webhook=hook, event="e", payload={"a": 1}, dedupe_key="k")
        row.refresh_from_db()
        assert server.requests == []
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.REFUSED, 1, None)
    assert "Refused to connect" in row.last_error


@pytest.mark.django_db
def test_retry_now_after_allowing_the_target_delivers(
    receiver: Recorder, django_capture_on_commit_callbacks: OnCommit
) -> None:
    hook = webhook_create(name="Intranet", url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        row = webhook_queue(webhook=hook, event="e", payload={}, dedupe_key="k")
    assert WebhookDelivery.objects.get(pk=row.pk).status == DeliveryStatus.REFUSED
    AllowedTarget.objects.create(entry="127.0.0.0/8", note="intranet")
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_retry(delivery=row)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert len(receiver.requests) == 1
