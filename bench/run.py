"""Benchmark Concord's REST API over a generated history, through the real HTTP server.

    python bench/run.py --conversations 10000 [--requests 300] [--database-url URL]

Builds a database in a temporary data directory, fills it with bench/generate.py,
starts uvicorn (one process, on a free loopback port) and times sequential
keep-alive requests from this process. Queries per list request are counted
in-process with Django's test Client against the same database. Prints a table
and writes the figures to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ holds scripts, not a package
from harness import (
    RESULTS,
    ROOT,
    WARMUP,
    Timing,
    getter,
    machine,
    measure,
    measured_server,
)

# The targets (bench/README.md): list and detail at 100k conversations.
TARGET_P50_MS = 15.0
TARGET_P95_MS = 30.0
TARGET_QUERIES = 6
PAGE_SIZES = (5, 25, 100)
# (label, who asks, query string); {team} is the agent's team id.
LISTS = [
    ("list admin, no filter", "admin", ""),
    ("list admin ?status=open", "admin", "status=open"),
    ("list admin ?tag=refund", "admin", "tag=refund"),
    ("list agent ?status=open&team=", "agent", "status=open&team={team}"),
    ("list agent ?status=open", "agent", "status=open"),
]


@dataclass
class Result:
    conversations: int
    requests: int
    database: str
    settings: str
    machine: dict[str, Any]
    generate: dict[str, Any]
    extra_sql: list[str]
    timings: list[Timing] = field(default_factory=list)
    queries: dict[str, dict[int, int]] = field(default_factory=dict)
    plans: dict[str, list[str]] = field(default_factory=dict)
    server_memory_kb: dict[str, int] = field(default_factory=dict)
    load_average: dict[str, list[float]] = field(default_factory=dict)
    started_at: str = ""
    seconds: float = 0.0


def _count_queries(
    tokens: dict[str, str], team_id: int, detail_id: int
) -> tuple[dict[str, dict[int, int]], dict[str, list[str]]]:
    """Queries per list request at each page size, and the plan of each page query."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, dict[int, int]] = {}
    plans: dict[str, list[str]] = {}
    for label, who, query in LISTS:
        client = Client(SERVER_NAME="127.0.0.1", headers={"Authorization": f"Bearer {tokens[who]}"})
        counts[label] = {}
        for size in PAGE_SIZES:
            url = f"/api/v1/conversations?limit={size}&{query.format(team=team_id)}"
            client.get(url)  # the first use of a token may stamp last_used_at
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} gave {response.status_code}: {response.content[:300]!r}")
            counts[label][size] = len(captured.captured_queries)
            if size == 25:
                plans[label] = _plan(connection, [q["sql"] for q in captured.captured_queries])
    # Not a target, but worth watching: one conversation with its messages and events.
    client = Client(SERVER_NAME="127.0.0.1", headers={"Authorization": f"Bearer {tokens['admin']}"})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/conversations/{detail_id}")
    if response.status_code != 200:
        raise RuntimeError(f"detail gave {response.status_code}: {response.content[:300]!r}")
    counts["detail admin"] = {0: len(captured.captured_queries)}
    return counts, plans


def _plan(connection: Any, statements: list[str]) -> list[str]:
    """EXPLAIN QUERY PLAN of the page query (the one ordered by updated_at), on SQLite."""
    page = [s for s in statements if 'FROM "conversations_conversation"' in s and "ORDER BY" in s]
    if connection.vendor != "sqlite" or not page:
        return []
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + page[0])
        return [page[0]] + [f"{row[0]}|{row[1]}|{row[3]}" for row in cursor.fetchall()]


def _http(
    base: str, tokens: dict[str, str], team_id: int, ids: range, requests: int
) -> list[Timing]:
    rng = random.Random(7)
    clients = {
        who: httpx.Client(base_url=base, headers={"Authorization": f"Bearer {raw}"})
        for who, raw in tokens.items()
    }
    timings = []
    try:
        # The floor: token check, middleware and ninja, with one tiny query.
        timings.append(
            measure(
                "GET /me (floor)", getter(clients["admin"], "/api/v1/me"), requests, target=False
            )
        )
        for label, who, query in LISTS:
            url = f"/api/v1/conversations?limit=25&{query.format(team=team_id)}"
            timings.append(measure(label, getter(clients[who], url), requests))

        # Walk the history page by page: keyset pages should cost the same at any depth.
        cursor: list[str | None] = [None]

        def next_page(i: int) -> httpx.Response:
            url = "/api/v1/conversations?limit=25"
            if cursor[0]:
                url += f"&cursor={cursor[0]}"
            response = clients["admin"].get(url)
            cursor[0] = response.json().get("next_cursor") if response.is_success else None
            return response

        timings.append(measure("list admin, next pages by cursor", next_page, requests))

        picks = [rng.choice(ids) for _ in range(requests + WARMUP)]
        for who, expect in (("admin", (200,)), ("agent", (200, 404))):
            client = clients[who]
            timings.append(
                measure(
                    f"detail {who} (random id{', 404 if not visible' if who == 'agent' else ''})",
                    getter(client, lambda i: f"/api/v1/conversations/{picks[i]}"),
                    requests,
                    expect=expect,
                )
            )

        def create(i: int) -> httpx.Response:
            return clients["admin"].post(
                "/api/v1/conversations",
                json={
                    "channel": "email",
                    "subject": f"Benchmark request {i}",
                    "body": "Hello, my order has not arrived yet. Can you check where it is?",
                    "identity": {"kind": "email", "value": f"bench{i}@new.example"},
                },
            )

        timings.append(measure("create (POST)", create, requests, expect=(201,), target=False))
    finally:
        for client in clients.values():
            client.close()
    return timings


def run(
    conversations: int,
    requests: int,
    *,
    database_url: str | None = None,
    extra_sql: list[str] | None = None,
    settings: str = "concord.config.settings.base",
    keep: bool = False,
) -> Result:
    started = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="concord-bench-"))
    env = dict(os.environ)
    env.update(
        CONCORD_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE=settings,
        CONCORD_LOG_LEVEL="WARNING",
        CONCORD_DEBUG="0",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
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
        from django.db import connection, connections

        from concord.accounts.services import api_token_issue

        print(f"generating {conversations:,} conversations", flush=True)
        summary = generate.generate(conversations=conversations, progress=print)
        assert summary.admin is not None
        team = "Support"
        tokens = {
            "admin": api_token_issue(user=summary.admin, name="bench").raw,
            "agent": api_token_issue(user=summary.team_agents[team], name="bench").raw,
        }
        team_id = summary.team_ids[team]
        for statement in extra_sql or []:
            print(f"running {statement}", flush=True)
            with connection.cursor() as cursor:
                cursor.execute(statement)
        result = Result(
            conversations=conversations,
            requests=requests,
            database=connection.vendor,
            settings=settings,
            machine=machine(),
            generate={k: v for k, v in vars(summary).items() if k not in ("admin", "team_agents")},
            extra_sql=list(extra_sql or []),
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        result.generate["admin"] = summary.admin.username
        print(f"generated in {summary.seconds:.1f} s; counting queries", flush=True)
        result.queries, result.plans = _count_queries(tokens, team_id, summary.first_id)
        connections.close_all()

        print("starting uvicorn", flush=True)
        with measured_server(env, data_dir / "uvicorn.log", result) as base:
            ids = range(summary.first_id, summary.last_id + 1)
            result.timings = _http(base, tokens, team_id, ids, requests)
        result.seconds = round(time.perf_counter() - started, 1)
        return result
    finally:
        if keep:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def table(result: Result) -> str:
    machine = result.machine
    lines = [
        f"Concord API benchmark: {result.conversations:,} conversations on {result.database}, "
        f"{machine['cores']} cores ({machine['cpu']}), "
        f"sum(range(1e6)) {machine['sum_range_1e6_ms']} ms, "
        f"uvloop {machine['uvloop']}, httptools {machine['httptools']}, "
        f"load average {result.load_average.get('before')} -> {result.load_average.get('after')}",
        "",
        f"{'request':44} {'n':>5} {'p50 ms':>7} {'p95 ms':>7} {'mean':>7} {'max':>7} "
        f"{'req/s':>6}  target",
    ]
    for t in result.timings:
        verdict = ""
        if t.target:
            ok = t.p50_ms <= TARGET_P50_MS and t.p95_ms <= TARGET_P95_MS
            verdict = "ok" if ok else "MISSED"
        lines.append(
            f"{t.name:44} {t.requests:>5} {t.p50_ms:>7.1f} {t.p95_ms:>7.1f} {t.mean_ms:>7.1f} "
            f"{t.max_ms:>7.1f} {t.per_second:>6.1f}  {verdict}"
        )
    sizes = " ".join(f"{f'limit={s}':>9}" for s in PAGE_SIZES)
    lines += ["", f"{'queries per list request':44} {sizes}"]
    for label, counts in result.queries.items():
        if label == "detail admin":
            lines.append(f"{'queries per detail request (admin)':44} {counts[0]:>9}")
            continue
        verdict = "ok" if max(counts.values()) <= TARGET_QUERIES else "MISSED"
        row = " ".join(f"{counts[s]:>9}" for s in PAGE_SIZES)
        lines.append(f"{label:44} {row}  {verdict}")
    peak, end = (result.server_memory_kb.get(k, 0) / 1024 for k in ("VmHWM", "VmRSS"))
    made = result.generate
    lines += [
        "",
        f"server memory: peak {peak:.0f} MB, at the end {end:.0f} MB",
        f"generated {made['conversations']:,} conversations, {made['messages']:,} messages, "
        f"{made['events']:,} events in {made['seconds']:.0f} s; whole run {result.seconds:.0f} s",
    ]
    lines.append(f"settings: {result.settings}")
    if result.extra_sql:
        lines.append("extra SQL: " + "; ".join(result.extra_sql))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark Concord's REST API.")
    parser.add_argument("--conversations", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per line")
    parser.add_argument("--database-url", help="an empty database to use instead of SQLite")
    parser.add_argument(
        "--sql",
        action="append",
        default=[],
        help="run this statement on the database after generating (to try an index "
        "before changing a model); repeatable",
    )
    parser.add_argument(
        "--settings",
        default="concord.config.settings.base",
        help="the Django settings module for migrate, the generator and the server",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 2000:
        parser.error("--requests must be between 1 and 2000")
    if not 1 <= args.conversations <= 1_000_000:
        parser.error("--conversations must be between 1 and 1,000,000")
    result = run(
        args.conversations,
        args.requests,
        database_url=args.database_url,
        extra_sql=args.sql,
        settings=args.settings,
        keep=args.keep,
    )
    print()
    print(table(result))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}-{result.database}-{result.conversations}.json"
    path.write_text(json.dumps(asdict(result), indent=2, default=str))
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
