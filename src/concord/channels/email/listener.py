"""The built-in SMTP listener (aiosmtpd): accept mail for the mailboxes, store it raw.

It answers 250 only once the raw email is stored, so a sender whose message
we could not keep (database busy, disk full) gets a 451 and tries again
later, as every MTA does. Parsing happens after, in the mail worker.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connections, transaction

from concord.channels.email.models import Mailbox
from concord.channels.email.selectors import (
    mailbox_addresses,
    mailbox_for_recipient,
    mailbox_get,
    mailboxes_by_id,
)
from concord.channels.email.services.inbound import inbound_store

logger = logging.getLogger(__name__)

# How long a change of mailboxes in the admin takes to reach the listener.
_ADDRESS_CACHE_SECONDS = 10.0


class MailboxHandler:
    """aiosmtpd handler: RCPT is checked against the mailboxes, DATA is stored.

    Emails arriving on several connections at once are stored together, in
    one transaction (group commit): each sender still hears 250 only once
    its email is committed, and a busy listener takes the database's write
    lock once per group instead of once per email.
    """

    def __init__(
        self,
        *,
        on_stored: Callable[[int], None] | None = None,
        executor: ThreadPoolExecutor | None = None,
    ) -> None:
        self._addresses: dict[str, int] = {}
        self._mailboxes: dict[int, Mailbox] = {}
        self._loaded_at = -_ADDRESS_CACHE_SECONDS
        self._lock = threading.Lock()
        self._on_stored = on_stored
        # One thread for database work: SQLite has one writer anyway, and two
        # writer threads in one process would wait on each other's locks (its
        # busy handler sleeps milliseconds at a time).
        self._executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-db")
        self._pending: list[_Arrival] = []
        self._flushing = False

    def close(self) -> None:
        """Close the database thread's connection, then the thread (when stopping)."""
        self._executor.submit(connections.close_all).result()
        self._executor.shutdown()

    def _addresses_now(self) -> dict[str, int]:
        with self._lock:
            if time.monotonic() - self._loaded_at > _ADDRESS_CACHE_SECONDS:
                close_old_connections()
                self._addresses = mailbox_addresses()
                self._mailboxes = mailboxes_by_id(mailbox_ids=set(self._addresses.values()))
                self._loaded_at = time.monotonic()
            return self._addresses

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        addresses = self._addresses
        if time.monotonic() - self._loaded_at > _ADDRESS_CACHE_SECONDS:
            # Only a stale list costs a trip to the database thread, where
            # RCPT would wait behind whatever is being stored.
            loop = asyncio.get_running_loop()
            addresses = await loop.run_in_executor(self._executor, self._addresses_now)
        if mailbox_for_recipient(address=address, addresses=addresses) is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        loop = asyncio.get_running_loop()
        arrival = _Arrival(envelope=envelope, raw=envelope.original_content or b"", loop=loop)
        with self._lock:
            self._pending.append(arrival)
            start = not self._flushing
            self._flushing = True
        if start:
            loop.run_in_executor(self._executor, self._flush)
        try:
            inbound_id = await arrival.future
        except Exception:
            logger.exception("Could not store an email from %s", envelope.mail_from)
            return "451 4.3.0 Could not store the message; try again later"
        if self._on_stored is not None:
            self._on_stored(inbound_id)
        return f"250 2.0.0 Stored as {inbound_id}"

    def _flush(self) -> None:
        """Store what has arrived, group by group, until nothing waits (database thread)."""
        while True:
            with self._lock:
                group, self._pending = self._pending, []
                if not group:
                    self._flushing = False
                    return
            outcomes: list[int | BaseException] = []
            try:
                close_old_connections()
                addresses = self._addresses_now()
                with transaction.atomic():
                    for arrival in group:
                        try:
                            outcomes.append(self._store(arrival, addresses))
                        except Exception as error:  # this email only; the others commit
                            outcomes.append(error)
            except Exception as error:  # the commit itself: none of the group is stored
                outcomes = [error] * len(group)
            for arrival, outcome in zip(group, outcomes, strict=True):
                arrival.loop.call_soon_threadsafe(arrival.settle, outcome)

    def _store(self, arrival: _Arrival, addresses: dict[str, int]) -> int:
        envelope = arrival.envelope
        # Mail to several of our mailboxes is kept once, by the first: one
        # request, one conversation.
        mailbox_id = next(
            mid
            for rcpt in envelope.rcpt_tos
            if (mid := mailbox_for_recipient(address=rcpt, addresses=addresses)) is not None
        )
        mailbox = self._mailboxes.get(mailbox_id) or mailbox_get(mailbox_id=mailbox_id)
        stored = inbound_store(
            mailbox=mailbox,
            raw=arrival.raw,
            source="smtp",
            envelope_from=envelope.mail_from or "",
            envelope_to=list(envelope.rcpt_tos),
        )
        return stored.inbound.pk


class _Arrival:
    """One email waiting for the database thread, and the answer its sender waits for."""

    def __init__(self, *, envelope: Envelope, raw: bytes, loop: asyncio.AbstractEventLoop) -> None:
        self.envelope = envelope
        self.raw = raw
        self.loop = loop
        self.future: asyncio.Future[int] = loop.create_future()

    def settle(self, outcome: int | BaseException) -> None:
        if self.future.done():  # the sender went away meanwhile
            return
        if isinstance(outcome, BaseException):
            self.future.set_exception(outcome)
        else:
            self.future.set_result(outcome)


def start_listener(
    *,
    host: str | None = None,
    port: int | None = None,
    on_stored: Callable[[int], None] | None = None,
    executor: ThreadPoolExecutor | None = None,
) -> Controller:
    """Start the listener in its own thread; ``stop_listener`` ends it."""
    handler = MailboxHandler(on_stored=on_stored, executor=executor)
    controller = Controller(
        handler,
        hostname=host if host is not None else settings.CONCORD_SMTP_LISTEN_HOST,
        port=port if port is not None else settings.CONCORD_SMTP_LISTEN_PORT,
        data_size_limit=settings.CONCORD_EMAIL_MAX_MESSAGE_BYTES,
        # The raw bytes as sent; decoding is the parser's job, not the listener's.
        decode_data=False,
        ident="Concord",
    )
    controller.start()
    return controller


def stop_listener(controller: Controller) -> None:
    """Stop accepting mail and release the listener's database connection."""
    controller.stop()
    handler = controller.handler
    if isinstance(handler, MailboxHandler):
        handler.close()
