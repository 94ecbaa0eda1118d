"""Real SMTP peers for tests: a sink that records what Concord sends, on a loopback port."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    """A port free right now on 127.0.0.1 (aiosmtpd's Controller cannot take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        if not isinstance(parsed, EmailMessage):  # the modern policy always makes one
            raise TypeError("not an EmailMessage")
        return parsed


@dataclass
class SinkHandler:
    """Records every accepted email; refuses the next ``refuse_next`` with ``refuse_with``."""

    received: list[Received] = field(default_factory=list)
    refuse_next: int = 0
    refuse_with: str = "451 4.3.0 Try again later"
    attempts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.attempts += 1
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return self.refuse_with
            self.received.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=list(envelope.rcpt_tos),
                    raw=bytes(envelope.original_content or b""),
                )
            )
        return "250 2.0.0 OK"


@dataclass
class Sink:
    host: str
    port: int
    handler: SinkHandler


@contextmanager
def smtp_sink() -> Iterator[Sink]:
    handler = SinkHandler()
    port = free_port()
    # aiosmtpd logs every command, and "Connection lost" when it stops with a
    # client still connected, from its own thread after pytest has closed the
    # captured stream ("--- Logging error ---"): only its warnings matter here.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(handler, hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    try:
        yield Sink(host="127.0.0.1", port=port, handler=handler)
    finally:
        controller.stop()
