"""Email ingestion benchmark: parse-only throughput, and end to end through the SMTP listener.

    .venv/bin/python bench/mail.py                      # 10,000 typical + 300 with 1 MB
    .venv/bin/python bench/mail.py --messages 2000 --large 100

End to end: a fresh SQLite data directory, `concord mail` (listener + worker)
as a child process, and 8 SMTP client threads (--clients) sending as fast as the listener
accepts. The clock runs from the first send until the last email is processed
(a conversation or a threaded message exists). The worker's resident memory is
sampled throughout, to show whether it stays flat. Writes
bench/results/<time>-email.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import smtplib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import RESULTS, ROOT, free_port, machine, proc_memory

_WORDS = [
    "order",
    "parcel",
    "invoice",
    "refund",
    "account",
    "password",
    "delivery",
    "address",
    "broken",
    "screen",
    "charger",
    "subscription",
    "cancel",
    "upgrade",
    "payment",
    "card",
    "declined",
    "tracking",
    "number",
    "warehouse",
    "support",
    "please",
    "thanks",
    "hello",
    "urgent",
    "today",
    "tomorrow",
    "again",
    "still",
    "waiting",
    "week",
    "customer",
    "service",
]


def typical_email(rng: random.Random, number: int, *, reply_to: str | None) -> EmailMessage:
    """About 5 KB: a plain and an HTML part, a quoted history when it is a reply."""
    sender = f"customer{rng.randrange(3000)}@example.net"
    body = " ".join(rng.choice(_WORDS) for _ in range(180))
    quoted = "\n".join("> " + " ".join(rng.choice(_WORDS) for _ in range(12)) for _ in range(25))
    email = EmailMessage()
    email["From"] = f"Customer {number} <{sender}>"
    email["To"] = "support@bench.test"
    email["Subject"] = f"Question {number}: " + " ".join(rng.choice(_WORDS) for _ in range(5))
    email["Message-ID"] = f"<bench-{number}-{rng.randrange(10**9)}@example.net>"
    email["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    if reply_to:
        email["In-Reply-To"] = reply_to
        email["References"] = reply_to
    text = f"{body}\n\nOn Mon, 23 Nov 2026 Support <support@bench.test> wrote:\n{quoted}\n"
    email.set_content(text)
    email.add_alternative(
        f"<html><body><p>{body}</p><blockquote>{quoted}</blockquote></body></html>", subtype="html"
    )
    return email


def large_email(rng: random.Random, number: int) -> EmailMessage:
    email = typical_email(rng, number, reply_to=None)
    email.add_attachment(
        rng.randbytes(1024 * 1024), maintype="application", subtype="pdf", filename="scan.pdf"
    )
    return email


def parse_only(raws: list[bytes], label: str) -> dict[str, Any]:
    """Parse and trim each email in this process: the timed pass, then one under tracemalloc."""
    from concord.channels.email.parsing import parse_email
    from concord.channels.email.trimmer import trim_reply

    def run() -> None:
        for raw in raws:
            parsed = parse_email(
                raw=raw, max_message_bytes=50 * 1024 * 1024, max_attachment_bytes=20 * 1024 * 1024
            )
            trim_reply(text=parsed.text)

    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    # tracemalloc slows Python down several times, so it gets a pass of its own.
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "kind": label,
        "messages": len(raws),
        "mean_kb": round(statistics.mean(len(r) for r in raws) / 1024, 1),
        "per_second": round(len(raws) / elapsed, 1),
        "ms_each": round(elapsed / len(raws) * 1000, 3),
        "peak_python_alloc_mb": round(peak / 1024 / 1024, 1),
    }


def _prepare(data: Path, database_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "CONCORD_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "concord.config.settings.base",
        # Acknowledgements are queued and recorded as usual, but not sent anywhere.
        "CONCORD_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CONCORD_EMAIL_ACK_LIMIT_PER_HOUR": "3",
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    cli = [sys.executable, "-m", "concord.cli"]
    subprocess.run([*cli, "manage", "migrate", "-v0"], env=env, cwd=ROOT, check=True)  # noqa: S603
    create = (
        "from concord.channels.email.services.mailboxes import mailbox_create;"
        "mailbox_create(name='Bench', address='support@bench.test')"
    )
    subprocess.run([*cli, "manage", "shell", "-c", create], env=env, cwd=ROOT, check=True)  # noqa: S603
    return env


_COUNT = "select status, count(*) from email_channel_inboundemail group by status"


def _done(db: Path, database_url: str | None) -> tuple[int, int]:
    if database_url:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as connection:
            rows = dict(connection.execute(_COUNT).fetchall())  # type: ignore[arg-type]
    else:
        with sqlite3.connect(db, timeout=30) as connection:
            rows = dict(connection.execute(_COUNT).fetchall())
    return rows.get("processed", 0) + rows.get("quarantined", 0), rows.get("quarantined", 0)


def end_to_end(
    raws: list[bytes], label: str, *, clients: int, database_url: str | None = None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="concord-bench-email-") as tmp:
        data = Path(tmp)
        env = _prepare(data, database_url)
        port = free_port()
        log = (data / "mail.log").open("wb")
        worker = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "concord.cli", "mail", "--smtp-port", str(port)],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_port(port, worker)
            memory: list[tuple[int, float]] = []
            chunks = [raws[i::clients] for i in range(clients)]
            errors: list[str] = []

            def send(chunk: list[bytes]) -> None:
                try:
                    with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
                        for raw in chunk:
                            client.sendmail("bench@example.net", ["support@bench.test"], raw)
                except Exception as error:  # reported below, never hidden
                    errors.append(repr(error))

            threads = [threading.Thread(target=send, args=(chunk,)) for chunk in chunks]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            db = data / "concord.sqlite3"
            done = quarantined = 0
            while done < len(raws):
                time.sleep(0.5)
                done, quarantined = _done(db, database_url)
                memory.append((done, proc_memory(worker.pid)["VmRSS"] / 1024))
                if errors:
                    raise RuntimeError(f"SMTP errors: {errors[:3]}")
                if worker.poll() is not None or time.perf_counter() - start > 1800:
                    raise RuntimeError(f"worker stopped or too slow: {done}/{len(raws)}")
            elapsed = time.perf_counter() - start
            for thread in threads:
                thread.join()
            if errors:
                raise RuntimeError(f"SMTP errors: {errors[:3]}")
            peak = proc_memory(worker.pid)["VmHWM"] / 1024
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()
        problems = [
            line
            for line in (data / "mail.log").read_text(errors="replace").splitlines()
            if "ERROR" in line or "WARNING" in line or "Traceback" in line
        ]
        quarter = [mb for n, mb in memory if n >= len(raws) // 4]
        return {
            "kind": label,
            "messages": len(raws),
            "clients": clients,
            "per_second": round(len(raws) / elapsed, 1),
            "seconds": round(elapsed, 1),
            "quarantined": quarantined,
            "worker_peak_rss_mb": round(peak, 1),
            "worker_rss_mb_at_25pct": round(quarter[0], 1) if quarter else None,
            "worker_rss_mb_at_end": round(memory[-1][1], 1) if memory else None,
            "log_problems": len(problems),
            "log_problem_sample": problems[:5],
            "rss_samples": [(n, round(mb, 1)) for n, mb in memory[:: max(1, len(memory) // 20)]],
        }


def _wait_port(port: int, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError("the mail worker exited at start")
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the SMTP listener did not answer within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=300, help="messages with a 1 MB attachment")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--clients",
        type=int,
        default=8,
        help="parallel SMTP connections (Postfix opens up to 20 per destination)",
    )
    parser.add_argument(
        "--database-url",
        action="append",
        default=[],
        help="an empty database to use instead of SQLite (twice: one per end-to-end line)",
    )
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.config.settings.base")
    import django

    django.setup()
    rng = random.Random(options.seed)
    typical: list[bytes] = []
    previous: list[str] = []
    for number in range(options.messages):
        # A third answer an earlier email, so threading look-ups are part of the work.
        reply_to = rng.choice(previous) if previous and rng.random() < 0.33 else None
        email = typical_email(rng, number, reply_to=reply_to)
        previous.append(str(email["Message-ID"]))
        typical.append(email.as_bytes(policy=SMTP))  # CRLF line ends, as MTAs send
    large = [large_email(rng, 10**6 + n).as_bytes(policy=SMTP) for n in range(options.large)]

    results: dict[str, Any] = {
        "machine": machine(),
        "load_before": os.getloadavg(),
        "database": "postgresql" if options.database_url else "sqlite",
    }
    results["parse_only"] = [
        parse_only(typical, "typical ~5 KB"),
        parse_only(large, "1 MB attachment"),
    ]
    for line in results["parse_only"]:
        print(
            f"parse only   {line['kind']:<16} {line['per_second']:>8} msg/s  "
            f"{line['ms_each']} ms each  peak alloc {line['peak_python_alloc_mb']} MB"
        )
    results["end_to_end"] = []
    urls = options.database_url or [None, None]
    if len(urls) != 2:
        parser.error("--database-url: give two empty databases, one per end-to-end line")
    lines = ((typical, "typical ~5 KB"), (large, "1 MB attachment"))
    for (raws, label), url in zip(lines, urls, strict=True):
        line = end_to_end(raws, label, clients=options.clients, database_url=url)
        results["end_to_end"].append(line)
        print(
            f"end to end   {label:<16} {line['per_second']:>8} msg/s  "
            f"{line['messages']} in {line['seconds']} s  worker RSS "
            f"{line['worker_rss_mb_at_25pct']} MB at 25% → {line['worker_rss_mb_at_end']} MB "
            f"at end, peak {line['worker_peak_rss_mb']} MB; "
            f"log problems {line['log_problems']} {line['log_problem_sample'][:2]}"
        )
    results["load_after"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-email.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
