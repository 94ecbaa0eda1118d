"""The mail worker: the SMTP listener, inbound processing, IMAP polling and send retries.

``concord mail`` (started by ``concord serve``) processes, polls and sends,
and runs the SMTP listener as a child process of its own (``concord mail
--listen-only``), so taking mail in and recording it use two cores instead
of sharing one interpreter lock. The child says "stored" on its standard
output, which wakes the worker, and stops when its standard input closes,
so a worker killed outright never leaves a listener behind. Inbound
processing reads its queue from the database (rows still RECEIVED), not
from memory, so a worker killed at any point picks up exactly where it
stopped: whatever committed is done, whatever did not is done again.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import IO

from django.conf import settings
from django.db import close_old_connections, connections

from concord.channels.email.imap import ImapFailed, imap_poll
from concord.channels.email.listener import start_listener, stop_listener
from concord.channels.email.selectors import inbound_waiting_ids, mailboxes_to_poll
from concord.channels.email.services.inbound import inbound_process_batch
from concord.channels.email.services.outbound import (
    outbound_dead_claimants,
    outbound_due_ids,
    outbound_send_many,
)

logger = logging.getLogger(__name__)

_IDLE_SECONDS = 1.0
# Emails per processing transaction. The batch path costs a few statements
# per batch plus a little per email, so bigger is faster, up to the point
# where one transaction holds SQLite's write lock long enough to make the
# listener's stores wait (about 0.3 s at 50 emails here).
BATCH = 50
# And at most this much raw email per batch, which is parsed into memory at once.
BATCH_BYTES = 8 * 1024 * 1024
_RETRY_SWEEP_SECONDS = 15.0


def process_waiting(*, limit: int = 100, max_bytes: int = BATCH_BYTES) -> int:
    """Process stored emails in arrival order; returns how many were handled."""
    return inbound_process_batch(inbound_ids=inbound_waiting_ids(limit=limit, max_bytes=max_bytes))


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
    due = outbound_due_ids()
    if due:
        outbound_send_many(outbound_ids=due, retake=outbound_dead_claimants())
    return len(due)


class MailWorker:
    def __init__(self, *, listen_port: int | None = None, poll_seconds: int | None = None) -> None:
        self.listen_port = settings.CONCORD_SMTP_LISTEN_PORT if listen_port is None else listen_port
        self.poll_seconds = poll_seconds or settings.CONCORD_IMAP_POLL_SECONDS
        self.stop = threading.Event()
        self._wake = threading.Event()
        self._listener: subprocess.Popen[bytes] | None = None

    def _start_listener(self) -> None:
        command = [sys.executable, "-m", "concord.cli", "mail", "--listen-only"]
        command += ["--smtp-port", str(self.listen_port)]
        # Same process group: whoever kills the worker's group kills the listener too.
        listener = subprocess.Popen(  # noqa: S603 - our own command
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert listener.stdout is not None  # noqa: S101 - asked for above
        threading.Thread(target=self._wake_on_stored, args=(listener.stdout,), daemon=True).start()
        self._listener = listener
        logger.info(
            "SMTP listener on %s:%s (process %s)",
            settings.CONCORD_SMTP_LISTEN_HOST,
            self.listen_port,
            listener.pid,
        )

    def _wake_on_stored(self, stream: IO[bytes]) -> None:
        for _line in stream:
            self._wake.set()
        self._wake.set()  # the listener ended: let the loop see it

    def _stop_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        if listener.stdin is not None:
            listener.stdin.close()  # the listener's signal to finish and exit
        try:
            listener.wait(timeout=15)
        except subprocess.TimeoutExpired:
            listener.kill()
            listener.wait()

    def run(self) -> None:
        if self.listen_port:
            self._start_listener()
        next_poll = 0.0
        next_sweep = 0.0
        try:
            while not self.stop.is_set():
                self._wake.clear()
                if self._listener is not None and self._listener.poll() is not None:
                    logger.error(
                        "The SMTP listener exited (%s); starting it again",
                        self._listener.returncode,
                    )
                    self._start_listener()
                close_old_connections()
                now = time.monotonic()
                try:
                    if now >= next_poll:
                        next_poll = now + self.poll_seconds
                        poll_mailboxes()
                    if now >= next_sweep:
                        next_sweep = now + _RETRY_SWEEP_SECONDS
                        send_due()
                    if process_waiting(limit=BATCH) == 0:
                        self._wake.wait(_IDLE_SECONDS)
                except Exception:
                    # A database hiccup (SQLite busy past its timeout, a dropped
                    # PostgreSQL connection) must not stop the worker: the queue
                    # is in the database, so the next round resumes it.
                    logger.exception("Mail worker round failed; retrying")
                    self._wake.wait(_IDLE_SECONDS)
        finally:
            self._stop_listener()
            connections.close_all()


def run_listener_process(*, port: int | None) -> int:
    """``concord mail --listen-only``: the SMTP listener until standard input closes.

    Each stored email is announced as one line on standard output (the
    worker's wake-up call). SIGTERM or SIGINT stop it too.
    """
    stop = threading.Event()
    announce = threading.Lock()

    def stored(inbound_id: int) -> None:
        with announce:
            try:
                sys.stdout.write(f"{inbound_id}\n")
                sys.stdout.flush()
            except OSError:
                stop.set()  # nobody reads any more: the worker is gone

    def watch_parent() -> None:
        # Unbuffered reads until end of input (the worker closed it or died); a
        # buffered reader would still hold its lock when the interpreter exits.
        while os.read(0, 4096):
            pass
        stop.set()

    controller = start_listener(port=port, on_stored=stored)
    threading.Thread(target=watch_parent, daemon=True).start()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        stop_listener(controller)
    return 0
