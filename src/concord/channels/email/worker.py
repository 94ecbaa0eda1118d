"""The mail worker: the SMTP listener, inbound processing, IMAP polling and send retries.

One process (``concord mail``, started by ``concord serve``). Inbound
processing reads its queue from the database (rows still RECEIVED), not
from memory, so a worker killed at any point picks up exactly where it
stopped: whatever committed is done, whatever did not is done again.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections

from concord.channels.email.imap import ImapFailed, imap_poll
from concord.channels.email.listener import start_listener
from concord.channels.email.selectors import inbound_waiting_ids, mailboxes_to_poll
from concord.channels.email.services.inbound import inbound_process_batch
from concord.channels.email.services.outbound import outbound_due_ids, outbound_send

logger = logging.getLogger(__name__)

_IDLE_SECONDS = 1.0
# Emails per processing transaction. Bigger batches commit less often; smaller
# ones let the listener's stores (queued on the same thread) in sooner.
BATCH = 10
_RETRY_SWEEP_SECONDS = 15.0


def process_waiting(*, limit: int = 100) -> int:
    """Process stored emails in arrival order; returns how many were handled."""
    return inbound_process_batch(inbound_ids=inbound_waiting_ids(limit=limit))


def _process_batch() -> int:
    close_old_connections()  # in the database thread, whose connection this is
    return process_waiting(limit=BATCH)


def poll_mailboxes() -> int:
    stored = 0
    for mailbox in mailboxes_to_poll():
        try:
            stored += imap_poll(mailbox=mailbox).stored
        except ImapFailed:
            continue  # recorded on the mailbox; the others are still polled
        except Exception:
            # Whatever else goes wrong with one mailbox must not stop the others,
            # nor the worker, whose SMTP listener runs in the same process.
            logger.exception("IMAP poll of mailbox %s failed", mailbox.pk)
    return stored


def send_due() -> int:
    sent = 0
    for outbound_id in outbound_due_ids():
        outbound_send(outbound_id=outbound_id)
        sent += 1
    return sent


class MailWorker:
    def __init__(self, *, listen_port: int | None = None, poll_seconds: int | None = None) -> None:
        self.listen_port = settings.CONCORD_SMTP_LISTEN_PORT if listen_port is None else listen_port
        self.poll_seconds = poll_seconds or settings.CONCORD_IMAP_POLL_SECONDS
        self.stop = threading.Event()
        self._wake = threading.Event()
        # Storing (for the listener) and processing share one database thread;
        # see MailboxHandler for why.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-db")

    def run(self) -> None:
        controller = None
        if self.listen_port:
            controller = start_listener(
                port=self.listen_port,
                on_stored=lambda _inbound_id: self._wake.set(),
                executor=self._db,
            )
            logger.info(
                "SMTP listener on %s:%s", settings.CONCORD_SMTP_LISTEN_HOST, self.listen_port
            )
        next_poll = 0.0
        next_sweep = 0.0
        try:
            while not self.stop.is_set():
                self._wake.clear()
                close_old_connections()
                now = time.monotonic()
                try:
                    if now >= next_poll:
                        next_poll = now + self.poll_seconds
                        poll_mailboxes()
                    if now >= next_sweep:
                        next_sweep = now + _RETRY_SWEEP_SECONDS
                        send_due()
                    # Small batches, so stores queued behind one wait briefly.
                    if self._db.submit(_process_batch).result() == 0:
                        self._wake.wait(_IDLE_SECONDS)
                except Exception:
                    # A database hiccup (SQLite busy past its timeout, a dropped
                    # PostgreSQL connection) must not take the SMTP listener down:
                    # the queue is in the database, so the next round resumes it.
                    logger.exception("Mail worker round failed; retrying")
                    self._wake.wait(_IDLE_SECONDS)
        finally:
            if controller is not None:
                controller.stop()
            self._db.submit(connections.close_all).result()
            self._db.shutdown()
