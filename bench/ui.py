"""Benchmark the agent workspace's pages over a generated history, through the real HTTP server.

    python bench/ui.py --conversations 100000 [--requests 200] [--data-dir DIR]

Fills a database with bench/generate.py (or reuses ``--data-dir`` if it holds
one already), adds one conversation of 30 messages through the services, signs
the admin and a Support agent in (a real session, as the sign-in form makes it)
and times sequential keep-alive requests for the inbox (50 rows) and the
conversation page against uvicorn run as ``concord serve`` runs it. Queries per
page and the same pages in-process (no HTTP server) are measured too, to tell
the server's share from Django's. Prints a table and writes bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ holds scripts, not a package
from harness import RESULTS, ROOT, Timing, getter, machine, measure, measured_server

if TYPE_CHECKING:
    from concord.accounts.models import User

# The targets (issue 3): server time at 100k conversations on SQLite.
TARGET_P50_MS = 30.0
THREAD_MESSAGES = 30
INBOX_ROWS = 50
TEAM = "Support"


@dataclass
class Result:
    conversations: int
    requests: int
    settings: str
    machine: dict[str, Any]
    data_dir: str
    generate_seconds: float | None
    conversation_id: int = 0
    timings: list[Timing] = field(default_factory=list)
    in_process_ms: dict[str, float] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    server_memory_kb: dict[str, int] = field(default_factory=dict)
    load_average: dict[str, list[float]] = field(default_factory=dict)
    started_at: str = ""
    seconds: float = 0.0


def _people() -> tuple[User, User, User]:
    """The generated admin, the first agent of Support and a colleague of theirs."""
    from concord.accounts.selectors import team_list, user_get_by_username

    admin = user_get_by_username(username="bench-admin")
    if admin is None:
        raise RuntimeError("No bench-admin: the database was not made by bench/generate.py.")
    support = next(t for t in team_list(actor=admin) if t.name == TEAM)
    agent, colleague = sorted(support.members.all(), key=lambda u: u.username)[:2]
    return admin, agent, colleague


def _thread(agent: User, colleague: User) -> int:
    """A conversation of THREAD_MESSAGES messages (replies, notes, two files), via the services."""
    from django.core.files.base import ContentFile

    from concord.accounts.selectors import team_list
    from concord.conversations import services
    from concord.conversations.services.attachments import attachment_store

    support = next(t for t in team_list(actor=agent) if t.name == TEAM)
    conversation = services.conversation_open(
        channel="email",
        identity_kind="email",
        identity_value="ui-bench@customer.example",
        customer_name="Ulla Bench",
        subject="My order arrived incomplete",
        body_text="Hello, the parcel for order 4711 was missing two items. Can you help?",
        team=support,
    )
    services.conversation_assign(
        conversation=conversation, actor=agent, team=support, assignee=agent
    )
    for n in range(1, THREAD_MESSAGES):
        if n % 5 == 0:
            message = services.conversation_note(
                conversation=conversation, actor=colleague, body_text=f"Checked stock, note {n}."
            )
        elif n % 2:
            message = services.conversation_reply(
                conversation=conversation,
                actor=agent,
                body_text=f"Thank you. I have asked the warehouse (step {n}).",
            )
        else:
            message = services.message_receive(
                conversation=conversation,
                channel="email",
                body_text=f"Any news? This is message {n}.\n\nRegards, Ulla",
            )
        if n in (2, 4):
            attachment_store(
                message=message,
                uploaded_file=ContentFile(b"%PDF-1.4 " + b"x" * 20_000, name=f"photo-{n}.pdf"),
                content_type="application/pdf",
            )
    return conversation.pk


def _pages(conversation_id: int) -> list[tuple[str, str, str, bool]]:
    """(label, who, path, htmx) for each page timed."""
    thread = f"/app/conversations/{conversation_id}/"
    return [
        ("inbox admin ?view=all (50 rows)", "admin", "/app/?view=all", False),
        ("inbox agent ?view=my_teams (50 rows)", "agent", "/app/?view=my_teams", False),
        ("inbox agent live refresh (htmx)", "agent", "/app/?view=my_teams", True),
        (f"conversation admin ({THREAD_MESSAGES} msgs)", "admin", thread, False),
        (f"conversation agent ({THREAD_MESSAGES} msgs)", "agent", thread, False),
    ]


def _check_page(label: str, html: str) -> None:
    """The page shows what it should: 50 rows, or the whole thread."""
    if label.startswith("inbox"):
        rows = html.count('class="conv-row"')
        if rows != INBOX_ROWS:
            raise RuntimeError(f"{label}: {rows} rows, not {INBOX_ROWS}")
    else:
        messages = len(re.findall(r'<li class="msg msg-', html))
        if messages != THREAD_MESSAGES:
            raise RuntimeError(f"{label}: {messages} messages, not {THREAD_MESSAGES}")


def _in_process(
    users: dict[str, User], pages: list[tuple[str, str, str, bool]], repeat: int = 30
) -> tuple[dict[str, int], dict[str, float]]:
    """Queries per page, and the median time of the page with Django's test Client (no HTTP)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from concord.conversations.selectors import conversation_view_counts

    queries: dict[str, int] = {}
    times: dict[str, float] = {}
    for label, who, path, htmx in pages:
        client = Client(SERVER_NAME="127.0.0.1", headers={"HX-Request": "true"} if htmx else {})
        client.force_login(users[who])
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{label}: {path} gave {response.status_code}")
        _check_page(label, response.content.decode())
        queries[label] = len(captured.captured_queries)
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(path)
            samples.append(time.perf_counter() - start)
        times[label] = round(statistics.median(samples) * 1000, 2)
    # The inbox's counts are cached until the next event; after any change
    # the next inbox load counts every view again. What that costs:
    for who in ("admin", "agent"):
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            conversation_view_counts(user=users[who])
            samples.append(time.perf_counter() - start)
        times[f"view counts, uncached ({who})"] = round(statistics.median(samples) * 1000, 2)
    cache.clear()
    return queries, times


def _session_cookie(user: User) -> str:
    """A real session in the database, as signing in makes it."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def run(
    conversations: int,
    requests: int,
    *,
    data_dir: Path | None = None,
    settings: str = "concord.config.settings.base",
) -> Result:
    started = time.perf_counter()
    keep = data_dir is not None
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="concord-bench-ui-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        CONCORD_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE=settings,
        CONCORD_LOG_LEVEL="WARNING",
        CONCORD_DEBUG="0",
    )
    os.environ.update(env)
    try:
        print(f"data directory {data_dir}; migrating", flush=True)
        subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--verbosity", "0"],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        import django

        django.setup()
        import generate
        from django.conf import settings as django_settings
        from django.db import connections

        from concord.conversations.selectors import conversation_any_exist

        generated: float | None = None
        if conversation_any_exist():
            print("reusing the conversations already there", flush=True)
        else:
            print(f"generating {conversations:,} conversations", flush=True)
            generated = generate.generate(conversations=conversations, progress=print).seconds
        admin, agent, colleague = _people()
        conversation_id = _thread(agent, colleague)
        users = {"admin": admin, "agent": agent}
        pages = _pages(conversation_id)
        result = Result(
            conversations=conversations,
            requests=requests,
            settings=settings,
            machine=machine(),
            data_dir=str(data_dir),
            generate_seconds=generated,
            conversation_id=conversation_id,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        print("counting queries and timing in-process", flush=True)
        result.queries, result.in_process_ms = _in_process(users, pages)
        cookies = {who: _session_cookie(user) for who, user in users.items()}
        connections.close_all()

        print("starting uvicorn", flush=True)
        with measured_server(env, data_dir / "uvicorn.log", result) as base:
            for label, who, path, htmx in pages:
                with httpx.Client(
                    base_url=base,
                    cookies={django_settings.SESSION_COOKIE_NAME: cookies[who]},
                    headers={"HX-Request": "true"} if htmx else {},
                ) as client:
                    _check_page(label, client.get(path).text)
                    result.timings.append(
                        measure(label, getter(client, path), requests, target=not htmx)
                    )
        result.seconds = round(time.perf_counter() - started, 1)
        return result
    finally:
        if keep:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def table(result: Result) -> str:
    m = result.machine
    lines = [
        f"Concord workspace benchmark: {result.conversations:,} conversations on SQLite, "
        f"{m['cores']} cores ({m['cpu']}), sum(range(1e6)) {m['sum_range_1e6_ms']} ms, "
        f"load average {result.load_average.get('before')} -> {result.load_average.get('after')}",
        "",
        f"{'page (over HTTP)':40} {'n':>5} {'p50 ms':>7} {'p95 ms':>7} {'mean':>7} {'max':>7} "
        f"{'in-proc':>8} {'queries':>8}  target",
    ]
    for t in result.timings:
        verdict = ("ok" if t.p50_ms <= TARGET_P50_MS else "MISSED") if t.target else ""
        lines.append(
            f"{t.name:40} {t.requests:>5} {t.p50_ms:>7.1f} {t.p95_ms:>7.1f} {t.mean_ms:>7.1f} "
            f"{t.max_ms:>7.1f} {result.in_process_ms.get(t.name, 0):>8.1f} "
            f"{result.queries.get(t.name, 0):>8}  {verdict}"
        )
    lines.append("")
    for name, ms in result.in_process_ms.items():
        if name.startswith("view counts"):
            lines.append(f"{name} (in-process p50): {ms:.1f} ms")
    peak = result.server_memory_kb.get("VmHWM", 0) / 1024
    lines += [
        f"server memory: peak {peak:.0f} MB; whole run {result.seconds:.0f} s"
        + (f" (generated in {result.generate_seconds:.0f} s)" if result.generate_seconds else ""),
        f"target: p50 <= {TARGET_P50_MS:.0f} ms; settings: {result.settings}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the agent workspace's pages.")
    parser.add_argument("--conversations", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per line")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="generate into (or reuse the database already in) this directory and keep it",
    )
    parser.add_argument("--settings", default="concord.config.settings.base")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 2000:
        parser.error("--requests must be between 1 and 2000")
    if not 1 <= args.conversations <= 1_000_000:
        parser.error("--conversations must be between 1 and 1,000,000")
    result = run(args.conversations, args.requests, data_dir=args.data_dir, settings=args.settings)
    print()
    print(table(result))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}-ui-sqlite-{result.conversations}.json"
    path.write_text(json.dumps(asdict(result), indent=2, default=str))
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
