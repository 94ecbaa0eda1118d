"""Benchmark telling every customer of a problem: N customers into a real SMTP server.

    python bench/announce.py [--customers 10000] [--workers 1]

A temporary SQLite installation holds N customers, each with one open email
conversation, all linked to one resolved problem. ``concord worker``
processes (as ``concord serve`` runs one) do the work; an aiosmtpd server in
this process counts what arrives. Timed from the moment the announcement is
started (as the Send button does) until the SMTP server has received N
emails; the time until every customer is marked told is reported too.
Prints a JSON line and writes bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ holds scripts, not a package
from harness import RESULTS, ROOT, free_port, machine

TARGET_PER_SECOND = 200.0


class Counter:
    def __init__(self) -> None:
        self.received = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received += len(envelope.rcpt_tos)
        return "250 2.0.0 OK"


def _setup(customers: int) -> int:
    """Rows written directly in bulk (like bench/generate.py): only the set-up is not timed."""
    from django.utils import timezone

    from concord.accounts.models import Role, Team, User
    from concord.channels.email.services.mailboxes import mailbox_create
    from concord.conversations.models import (
        Channel,
        Conversation,
        Direction,
        Message,
        Status,
        Visibility,
    )
    from concord.customers.models import Customer, CustomerIdentity
    from concord.problems.models import ProblemStatus
    from concord.problems.services import problem_create, problem_link, problem_set_status

    team = Team.objects.create(name="Support", slug="support")
    mailbox_create(name="Acme Support", address="support@acme.test", team=team)
    owner = User.objects.create_user(username="lead", role=Role.SUPERVISOR, first_name="Lee")
    now = timezone.now()
    made = Customer.objects.bulk_create(
        [Customer(name=f"Customer {n}", created_at=now) for n in range(customers)], batch_size=2000
    )
    CustomerIdentity.objects.bulk_create(
        [
            CustomerIdentity(
                customer=c, kind="email", value=f"c{c.pk}@example.com",
                normalized=f"c{c.pk}@example.com", is_primary=True,
            )
            for c in made
        ],
        batch_size=2000,
    )  # fmt: skip
    conversations = Conversation.objects.bulk_create(
        [
            Conversation(
                subject="Payment page error", channel=Channel.EMAIL, status=Status.OPEN,
                customer=c, team=team, message_count=1, created_at=now, updated_at=now,
            )
            for c in made
        ],
        batch_size=2000,
    )  # fmt: skip
    Message.objects.bulk_create(
        [
            Message(
                conversation=c, direction=Direction.INBOUND, channel=Channel.EMAIL,
                visibility=Visibility.PUBLIC, author_customer_id=c.customer_id,
                body_text="The payment page shows an error.", body_html="<p>error</p>",
                created_at=now,
            )
            for c in conversations
        ],
        batch_size=2000,
    )  # fmt: skip
    problem = problem_create(actor=owner, title="Payment page errors", team=team)
    for start in range(0, len(conversations), 1000):
        problem_link(
            problem=problem, actor=owner, conversations=conversations[start : start + 1000]
        )
    problem_set_status(problem=problem, actor=owner, status=ProblemStatus.RESOLVED)
    return problem.pk


def run(customers: int, workers: int) -> dict[str, Any]:
    from aiosmtpd.controller import Controller

    counter = Counter()
    smtp = Controller(counter, hostname="127.0.0.1", port=free_port())
    smtp.start()
    with tempfile.TemporaryDirectory(prefix="concord-bench-announce-") as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")},
            "CONCORD_DATA_DIR": tmp,
            "DJANGO_SETTINGS_MODULE": "concord.config.settings.base",
            "CONCORD_EMAIL_HOST": "127.0.0.1",
            "CONCORD_EMAIL_PORT": str(smtp.port),
            "CONCORD_EMAIL_STARTTLS": "false",
        }
        env.pop("DATABASE_URL", None)
        os.environ.update(env)
        cli = [sys.executable, "-m", "concord.cli"]
        subprocess.run([*cli, "manage", "migrate", "-v0"], env=env, cwd=ROOT, check=True)  # noqa: S603
        import django

        django.setup()
        started = time.perf_counter()
        problem_id = _setup(customers)
        setup_seconds = time.perf_counter() - started

        from concord.accounts.models import User
        from concord.problems.announce import announcement_start
        from concord.problems.models import (
            AnnouncementRecipient,
            Problem,
            RecipientState,
        )

        logs = [(Path(tmp) / f"worker-{n}.log").open("wb") for n in range(workers)]
        children = [
            subprocess.Popen(  # noqa: S603 - our own command
                [*cli, "worker"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
            for log in logs
        ]
        try:
            time.sleep(3)  # the workers' start-up (migrations check, scheduler) is not timed
            problem = Problem.objects.get(pk=problem_id)
            owner = User.objects.get(username="lead")
            begin = time.perf_counter()
            announcement = announcement_start(
                problem=problem, actor=owner, body="Hello {{ customer.name }}, it is fixed."
            )
            told_at = None
            while counter.received < customers:
                if any(child.poll() is not None for child in children):
                    log = (Path(tmp) / "worker-0.log").read_text(errors="replace")
                    raise RuntimeError(f"a worker stopped:\n{log[-3000:]}")
                if time.perf_counter() - begin > 3600:
                    raise RuntimeError(f"too slow: {counter.received}/{customers}")
                if (
                    told_at is None
                    and not AnnouncementRecipient.objects.filter(
                        announcement_id=announcement.pk, state=RecipientState.PENDING
                    ).exists()
                ):
                    told_at = time.perf_counter() - begin
                time.sleep(0.2)
            elapsed = time.perf_counter() - begin
        finally:
            for child in children:
                child.terminate()
                child.wait(timeout=30)
            for log in logs:
                log.close()
            smtp.stop()
        time.sleep(1)
        return {
            "customers": customers,
            "workers": workers,
            "emails_received": counter.received,
            "seconds": round(elapsed, 1),
            "per_second": round(customers / elapsed, 1),
            "all_told_after_seconds": round(told_at, 1) if told_at else None,
            "setup_seconds": round(setup_seconds, 1),
            "target_per_second": TARGET_PER_SECOND,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    result = {"machine": machine(), "load": os.getloadavg(), **run(args.customers, args.workers)}
    print(json.dumps(result))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"{stamp}-announce-{args.customers}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
