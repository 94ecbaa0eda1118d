"""A problem with 25 customers resolved in real Chromium; the worker is killed halfway.

Real processes, a real SQLite file, real SMTP: ``concord serve`` (web only)
and ``concord worker`` run as children of this test; Chromium drives the
supervisor's journey; an SMTP server in this process receives the emails.
The SMTP server holds the 13th email before it is accepted, the worker is
killed with SIGKILL right then and started again: every customer still gets
exactly one email, the one held too.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from playwright.sync_api import Browser, expect

from concord.common.testing.browser import PageProblems, new_context, screenshot
from concord.common.testing.mail import free_port

EMAIL_CUSTOMERS = 15
PORTAL_CUSTOMERS = 10
TOTAL = EMAIL_CUSTOMERS + PORTAL_CUSTOMERS
HOLD_AT = 13  # the email the SMTP server holds while the worker is killed
WAIT_SECONDS = 180.0
PASSWORD = "pw-for-the-browser-test"

SETUP = f"""
from concord.accounts.models import Role, Team, User
from concord.channels.email.services.mailboxes import mailbox_create
from concord.conversations.services import conversation_open
from concord.customers.services import customer_create
from concord.problems.services import problem_create

support = Team.objects.create(name="Support", slug="support")
mailbox_create(name="Acme Support", address="support@acme.test", team=support)
owner = User.objects.create_user(username="sam", password="{PASSWORD}", role=Role.SUPERVISOR,
                                 first_name="Sam", last_name="Lead")
conversations = []
for number in range({TOTAL}):
    web = number >= {EMAIL_CUSTOMERS}
    customer = customer_create(
        name=f"Customer {{number:02d}}",
        identities=[("email", f"customer{{number:02d}}@example.com")],
    )
    conversations.append(conversation_open(
        channel="web" if web else "email",
        customer=customer,
        subject=f"Payment page error #{{number}}",
        body_text="The payment page shows an error.",
        team=support,
    ))
problem_create(actor=owner, title="Payment page errors", team=support,
               public_note="Card payments failed for a few hours.", conversations=conversations)
"""


@dataclass
class HoldingSink:
    """Records accepted emails; holds one recipient command until released."""

    hold_at: int
    received: list[str] = field(default_factory=list)  # recipients, one per accepted email
    rcpt_seen: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        with self.lock:
            self.rcpt_seen += 1
            hold = self.rcpt_seen == self.hold_at
        if hold:
            self.holding.set()
            # Before DATA: this email is not accepted while it waits.
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 120)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.received.extend(envelope.rcpt_tos)
        return "250 2.0.0 OK"


@dataclass
class Site:
    root: Path
    env: dict[str, str]
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def run(self, *args: str) -> None:
        done = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "concord.cli", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"{args}:\n{done.stdout.decode()}\n{done.stderr.decode()}"

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.root / f"{name}-{len(self.children)}.log").open("wb")
        child = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "concord.cli", *args],
            cwd=self.root,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.children.append(child)
        return child

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name} ---\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.root.glob("*.log"))
        )


def kill(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=10)


def wait_until(what: str, check: Callable[[], bool], seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting until {what}")
        time.sleep(0.02)


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/app/login/", timeout=5):  # noqa: S310 - loopback
            return True
    except OSError:
        return False


@pytest.fixture
def sink() -> Iterator[HoldingSink]:
    handler = HoldingSink(hold_at=HOLD_AT)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        handler.release.set()
        controller.stop()


@pytest.fixture
def site(tmp_path: Path, sink: HoldingSink) -> Iterator[Site]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CONCORD_") and key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        CONCORD_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="concord.config.settings.base",
        CONCORD_EMAIL_HOST="127.0.0.1",
        CONCORD_EMAIL_PORT=str(sink.port),  # type: ignore[attr-defined]
        CONCORD_EMAIL_STARTTLS="false",
        CONCORD_EMAIL_TIMEOUT="150",
        # A task left running by the killed worker is queued again after this.
        CONCORD_TASK_LEASE_SECONDS="5",
        CONCORD_ANNOUNCE_LEASE_SECONDS="3",
        CONCORD_ANNOUNCE_RESUME_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    (tmp_path / "data").mkdir()
    running = Site(root=tmp_path, env=env)
    try:
        yield running
    finally:
        for child in running.children:
            kill(child)


def test_25_customers_told_once_though_the_worker_is_killed_halfway(
    browser: Browser, page_problems: PageProblems, site: Site, sink: HoldingSink
) -> None:
    site.run("manage", "migrate", "--verbosity", "0")
    site.run("manage", "shell", "-c", SETUP)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    site.env["CONCORD_BASE_URL"] = url
    site.start("web", "serve", "--port", str(port), "--no-worker", "--no-mail")
    wait_until("the web server answers", lambda: _serving(url), seconds=120)
    worker = site.start("worker", "worker")

    context = new_context(browser, url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", page_problems.on_console)
    page.on("pageerror", page_problems.on_page_error)
    try:
        page.goto("/app/login/")
        page.get_by_label("Username").fill("sam")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Problems").click()
        page.get_by_role("link", name="Payment page errors").click()
        expect(page.locator("#linked .count")).to_have_text(str(TOTAL))
        page.get_by_role("button", name="Resolved").click()
        expect(page.locator(".problem-meta .status")).to_have_text("Resolved")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator(".announce-preview")).to_contain_text(f"{TOTAL} customers will be told")
        expect(page.locator(".announce-preview blockquote")).to_contain_text("Hello Customer")
        screenshot(page, "problem-announce-preview")
        page.get_by_role("button", name=f"Send to {TOTAL} customers").click()
        expect(page.locator("#announce-progress")).to_contain_text("customers handled")

        # The SMTP server holds the 13th email before accepting it: kill the worker now.
        assert sink.holding.wait(WAIT_SECONDS), site.logs()
        kill(worker)
        held = len(sink.received)
        sink.release.set()
        assert held == HOLD_AT - 1, f"{held} emails accepted before the kill"
        site.start("worker", "worker")

        wait_until(f"{TOTAL} emails arrived", lambda: len(sink.received) >= TOTAL)
        database = sqlite3.connect(site.root / "data" / "concord.sqlite3", isolation_level=None)
        unsent = "SELECT count(*) FROM email_channel_outboundemail WHERE status != 'sent'"
        wait_until("no email is left to send", lambda: database.execute(unsent).fetchone()[0] == 0)
        expect(page.locator("#announce-progress")).to_contain_text(f"{TOTAL} told")
        screenshot(page, "problem-announce-sent")
    finally:
        context.close()
    assert len(sink.received) == TOTAL, site.logs()
    assert sorted(sink.received) == [f"customer{n:02d}@example.com" for n in range(TOTAL)]
    solved = database.execute(
        "SELECT count(*) FROM conversations_conversation WHERE status = 'solved'"
    ).fetchone()[0]
    assert solved == TOTAL
    if page_problems.items:
        pytest.fail("\n".join(page_problems.items))
