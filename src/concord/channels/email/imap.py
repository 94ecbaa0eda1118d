"""IMAP polling: fetch unseen mail, store it raw, then mark it seen.

The order is what makes a crash harmless: an email is marked \\Seen only
after it is stored, and storing is idempotent (per mailbox, by Message-ID or
content hash). A poller killed between the two fetches it again next time,
finds it stored, and only then marks it seen.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

import httpcore

from concord.channels.email.models import ImapSecurity, Mailbox
from concord.channels.email.services.inbound import inbound_store
from concord.channels.email.services.mailboxes import mailbox_record_poll
from concord.common.http import UnsafeTarget, vet_host
from concord.webhooks.selectors import allow_list

logger = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 30
# Fetched per poll and mailbox; the rest waits for the next poll.
_BATCH = 200


@dataclass(frozen=True)
class PollResult:
    fetched: int
    stored: int  # new emails (the others were stored before)
    stored_ids: tuple[int, ...]


class ImapFailed(Exception):
    pass


def _guarded_socket(host: str, port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to ``host`` after the outbound guard vetted every address it has.

    An admin could otherwise point a mailbox at 127.0.0.1 or the cloud metadata
    address and use the poller to probe the internal network; private
    addresses are reached only when they are on the outbound allow-list.
    """
    try:
        addresses = vet_host(host=host, port=port, allow=allow_list())
    except httpcore.ConnectError as error:  # the name does not resolve
        raise OSError(str(error)) from None
    last_error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((str(address), port), timeout=timeout)
        except OSError as error:
            last_error = error
    raise last_error or OSError(f"No address to connect to for {host}.")


class _GuardedIMAP4(imaplib.IMAP4):
    def _create_socket(self, timeout: float | None) -> socket.socket:
        return _guarded_socket(self.host, self.port, timeout)


class _GuardedIMAP4SSL(imaplib.IMAP4_SSL):
    def _create_socket(self, timeout: float | None) -> socket.socket:
        # The certificate is still checked against the host name, not the address.
        raw = _guarded_socket(self.host, self.port, timeout)
        context: ssl.SSLContext = self.ssl_context
        return context.wrap_socket(raw, server_hostname=self.host)


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.imap_security == ImapSecurity.SSL:
        return _GuardedIMAP4SSL(
            mailbox.imap_host,
            mailbox.imap_port,
            ssl_context=ssl.create_default_context(),
            timeout=_TIMEOUT_SECONDS,
        )
    connection = _GuardedIMAP4(mailbox.imap_host, mailbox.imap_port, timeout=_TIMEOUT_SECONDS)
    if mailbox.imap_security == ImapSecurity.STARTTLS:
        try:
            connection.starttls(ssl_context=ssl.create_default_context())
        except BaseException:
            connection.shutdown()  # no TLS, no login: close the plain socket at once
            raise
    return connection


def _check(response: tuple[str, Sequence[object]], what: str) -> Sequence[object]:
    status, data = response
    if status != "OK":
        raise ImapFailed(f"{what} failed: {status} {data!r}"[:500])
    return data


def imap_poll(*, mailbox: Mailbox) -> PollResult:
    """Fetch the mailbox's unseen emails into Concord; the error is recorded for the admin."""
    try:
        result = _poll(mailbox)
    except UnicodeError as error:
        # imaplib sends commands as ASCII, and its message would quote a
        # character of the password: say which settings can cause it instead.
        message = (
            "The IMAP username, password or folder has characters other than ASCII, "
            "which cannot be sent in an IMAP command."
        )
        logger.warning("IMAP poll of %s failed: %s", mailbox.address, message)
        mailbox_record_poll(mailbox=mailbox, error=message)
        raise ImapFailed(message) from error
    except (OSError, imaplib.IMAP4.error, ImapFailed, UnsafeTarget) as error:
        # The password never reaches the log: only the server's answer does.
        message = f"{type(error).__name__}: {error}"
        logger.warning("IMAP poll of %s failed: %s", mailbox.address, message)
        mailbox_record_poll(mailbox=mailbox, error=message)
        raise ImapFailed(message) from error
    mailbox_record_poll(mailbox=mailbox)
    return result


def _poll(mailbox: Mailbox) -> PollResult:
    connection = _connect(mailbox)
    try:
        _check(connection.login(mailbox.imap_username, mailbox.imap_password), "LOGIN")
        _check(connection.select(_quote(mailbox.imap_folder)), f"SELECT {mailbox.imap_folder}")
        found = _check(connection.uid("SEARCH", "UNSEEN"), "SEARCH")
        uids = found[0].decode().split() if found and isinstance(found[0], bytes) else []
        stored_ids: list[int] = []
        for uid in uids[:_BATCH]:
            data = _check(connection.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
            raw = next(
                (part[1] for part in data if isinstance(part, tuple) and len(part) > 1), None
            )
            if not isinstance(raw, bytes):
                continue  # deleted by someone else between SEARCH and FETCH
            stored = inbound_store(mailbox=mailbox, raw=raw, source="imap")
            if stored.created:
                stored_ids.append(stored.inbound.pk)
            _check(connection.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "STORE")
        return PollResult(
            fetched=min(len(uids), _BATCH), stored=len(stored_ids), stored_ids=tuple(stored_ids)
        )
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            connection.logout()


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
