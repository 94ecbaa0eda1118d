"""The mail worker killed with SIGKILL mid-delivery and mid-processing: every email kept once.

Real processes, a real SQLite file and real SMTP: ``concord mail`` is started
as a child, fed over one SMTP connection, and killed. A sender that saw no
250 re-sends after the restart, as a real MTA does; whatever the worker had
already stored or processed must not come out twice.
"""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from concord.channels.email.tests.conftest import build_email
from concord.common.testing.mail import free_port

N = 150
ADDRESS = "support@acme.test"
# Emails stored by a worker before it is killed, so each kill lands mid-stream.
KILL_AFTER = 40
# Emails a sender re-sends although they were answered 250: a sender that timed
# out, or crashed before recording the answers, does that too.
RESEND_ACCEPTED = 3
WAIT_SECONDS = 120.0


@dataclass
class Site:
    """A Concord installation in a temporary directory, driven by ``python -m concord.cli``."""

    root: Path
    env: dict[str, str]
    smtp_port: int
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def database(self) -> Path:
        return self.root / "data" / "concord.sqlite3"

    def run(self, *args: str) -> None:
        done = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "concord.cli", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (
            f"concord {' '.join(args)} failed ({done.returncode}):\n"
            f"{done.stdout.decode()}\n{done.stderr.decode()}"
        )

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = (self.root / f"worker-{len(self.workers) + 1}.log").open("wb")
        worker = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "concord.cli", "mail", "--smtp-port", str(self.smtp_port)],
            cwd=self.root,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()  # the child has its own copy
        self.workers.append(worker)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert worker.poll() is None, f"the mail worker exited with {worker.returncode}"
            try:
                with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=2) as probe:
                    if probe.recv(64).startswith(b"220"):
                        return worker
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"the mail worker did not listen on port {self.smtp_port} in 60 s")

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name} ---\n{path.read_text(errors='replace')}"
            for path in sorted(self.root.glob("worker-*.log"))
        )


def kill(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)  # its own session: this group is only it
    worker.wait(timeout=10)


@dataclass(frozen=True)
class Counts:
    stored: int
    received: int
    processed: int
    quarantined: int


class Database:
    """Reads the worker's SQLite file directly, as an outside observer."""

    def __init__(self, path: Path) -> None:
        # Autocommit: every query sees what the worker has committed by then.
        self._connection = sqlite3.connect(path, timeout=10, isolation_level=None)

    def close(self) -> None:
        self._connection.close()

    def counts(self) -> Counts:
        by_status = dict(
            self._connection.execute(
                "SELECT status, count(*) FROM email_channel_inboundemail GROUP BY status"
            ).fetchall()
        )
        return Counts(
            stored=sum(by_status.values()),
            received=by_status.get("received", 0),
            processed=by_status.get("processed", 0),
            quarantined=by_status.get("quarantined", 0),
        )

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        return list(self._connection.execute(sql, params).fetchall())

    def being_processed(self) -> list[str]:
        """Emails whose processing has started (attempt counted) and not committed."""
        return [
            str(message_id)
            for (message_id,) in self.rows(
                "SELECT rfc_message_id FROM email_channel_inboundemail "
                "WHERE status = 'received' AND attempts > 0 ORDER BY id"
            )
        ]


@dataclass
class Delivery:
    accepted: list[str] = field(default_factory=list)
    failed: str | None = None  # the Message-ID in flight when the connection broke
    error: str = ""


def deliver(port: int, emails: list[tuple[str, bytes]]) -> Delivery:
    """Send over one SMTP connection until done or the server goes away."""
    delivery = Delivery()
    client = smtplib.SMTP("127.0.0.1", port, timeout=30)
    try:
        for message_id, raw in emails:
            try:
                client.sendmail(f"{message_id.split('@')[0]}@customer.test", [ADDRESS], raw)
            except (smtplib.SMTPException, OSError) as error:
                delivery.failed, delivery.error = message_id, repr(error)
                return delivery
            delivery.accepted.append(message_id)
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    return delivery


def wait_until(
    what: str, check: Callable[[], bool], seconds: float = WAIT_SECONDS, pause: float = 0.005
) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting until {what}")
        time.sleep(pause)


def note(text: str) -> None:
    sys.stderr.write(f"[kill test] {text}\n")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    # Nothing from the developer's or CI's environment: its own SQLite file, no relay.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CONCORD_") and key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        CONCORD_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="concord.config.settings.base",
        CONCORD_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    # `concord manage migrate` does not create the data directory (`concord mail` would).
    (tmp_path / "data").mkdir()
    running = Site(root=tmp_path, env=env, smtp_port=free_port())
    try:
        yield running
    finally:
        for worker in running.workers:
            kill(worker)


def test_every_email_exists_exactly_once_after_the_worker_is_killed(site: Site) -> None:
    started = time.monotonic()
    run_id = uuid.uuid4().hex[:8]
    emails = [
        (
            f"kill-{number:03d}-{run_id}@customer.test",
            build_email(
                sender=f"Customer {number} <customer{number}@customer.test>",
                subject=f"Order {1000 + number} has not arrived",
                message_id=f"<kill-{number:03d}-{run_id}@customer.test>",
            ).as_bytes(),
        )
        for number in range(N)
    ]
    site.run("manage", "migrate", "--verbosity", "0")
    site.run(
        "manage",
        "shell",
        "-c",
        "from concord.channels.email.services.mailboxes import mailbox_create; "
        f"mailbox_create(name='Acme Support', address='{ADDRESS}')",
    )
    database = Database(site.database)
    try:
        note(f"set-up {time.monotonic() - started:.1f} s")

        # 1. Killed in the middle of processing an email, while mail keeps coming in.
        # The kill can land just after that email committed; then it is tried again.
        sent, threshold = emails, KILL_AFTER
        for _ in range(3):
            first = kill_during(site, database, sent, processing_after(database, threshold))
            interrupted = database.being_processed()
            note(f"1st kill: {first.at_kill}; cut short: {interrupted}; client: {first.error}")
            if interrupted:
                break
            sent, threshold = resend_after(sent, first), first.at_kill.stored + 10
        assert interrupted, "every kill came after the email being processed was committed"

        # 2. Killed while SMTP delivery goes on, right after an email was stored.
        resend = resend_after(sent, first)
        second = kill_during(
            site,
            database,
            resend,
            lambda: database.counts().stored >= first.at_kill.stored + KILL_AFTER,
        )
        note(f"2nd kill: {second.at_kill}; client: {second.error}")

        # 3. A last worker gets the rest and finishes.
        worker = site.start_worker()
        third = deliver(site.smtp_port, resend_after(resend, second))
        assert third.failed is None, f"{third.failed}: {third.error}"
        wait_until(
            "every email is stored and none waits",
            lambda: (c := database.counts()).stored == N and c.received == 0,
        )
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, "the mail worker did not stop cleanly on SIGTERM"

        quarantined = database.rows(
            "SELECT rfc_message_id, reason FROM email_channel_inboundemail "
            "WHERE status = 'quarantined'"
        )
        assert quarantined == []
        assert database.counts() == Counts(stored=N, received=0, processed=N, quarantined=0)
        times_kept = dict(
            database.rows(
                "SELECT external_id, count(*) FROM conversations_message "
                "WHERE external_id LIKE ? GROUP BY external_id",
                f"%-{run_id}@customer.test",
            )
        )
        assert times_kept == {message_id: 1 for message_id, _ in emails}
        assert database.rows("SELECT count(*) FROM conversations_conversation") == [(N,)]
        # The email cut short by the first kill was processed again, and once.
        again = database.rows(
            "SELECT rfc_message_id, attempts FROM email_channel_inboundemail "
            "WHERE rfc_message_id = ?",
            interrupted[0],
        )
        assert again == [(interrupted[0], 2)]
        note(f"total {time.monotonic() - started:.1f} s")
    except BaseException:
        sys.stderr.write(site.logs())
        raise
    finally:
        database.close()


def processing_after(database: Database, stored: int) -> Callable[[], bool]:
    """Once ``stored`` emails are in: true while an email is mid-way through processing."""
    return lambda: database.counts().stored >= stored and bool(database.being_processed())


@dataclass(frozen=True)
class Killed:
    accepted: list[str]
    error: str
    at_kill: Counts


def kill_during(
    site: Site,
    database: Database,
    emails: list[tuple[str, bytes]],
    kill_when: Callable[[], bool],
) -> Killed:
    """Start a worker, send over SMTP, and SIGKILL the worker as soon as ``kill_when``."""
    worker = site.start_worker()
    delivery = Delivery()

    def send() -> None:
        nonlocal delivery
        delivery = deliver(site.smtp_port, emails)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    wait_until("it is time for the kill", lambda: kill_when() or not sender.is_alive(), pause=0.001)
    kill(worker)
    at_kill = database.counts()
    sender.join(timeout=60)
    assert not sender.is_alive(), "the SMTP client hung after the worker was killed"
    assert delivery.failed is not None, (
        f"the client had sent everything before the kill ({at_kill}); {delivery.error}"
    )
    return Killed(accepted=delivery.accepted, error=delivery.error, at_kill=at_kill)


def resend_after(emails: list[tuple[str, bytes]], killed: Killed) -> list[tuple[str, bytes]]:
    """What the sender sends to the restarted worker.

    Everything from the email in flight on (no 250 for it: maybe stored, maybe
    not), and a few it had been answered 250 for.
    """
    done = len(killed.accepted)
    assert [message_id for message_id, _ in emails[:done]] == killed.accepted
    return emails[max(0, done - RESEND_ACCEPTED) :]
