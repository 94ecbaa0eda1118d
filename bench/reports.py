"""Benchmark the CX overview (``concord.metrics.selectors.cx_overview``) over a year of history.

    python bench/reports.py --conversations 100000                 # SQLite, temporary data dir
    python bench/reports.py --conversations 100000 --data-dir DIR  # generate into DIR, or reuse it
    python bench/reports.py --conversations 1000000 \\
        --database-url postgres://concord@127.0.0.1:55433/bench_reports

Run by hand, not in CI. The database is migrated and, if it has no
conversations yet, filled by ``bench/reportdata.py`` (a year ending now: about
3 messages, 10 events and 2.5 SLA targets per conversation, survey answers for
a quarter of the solved ones); an existing one is reused, so a 1M PostgreSQL
database is built once (``--recreate`` drops it first). PostgreSQL gets
``VACUUM ANALYZE`` after loading, as autovacuum would give it shortly after;
SQLite gets no ``ANALYZE``, like a new install.

Then, in-process (server time, no HTTP), for 30- and 90-day periods ending at
tonight's midnight, by day and by week, for everything and for the team
"Support": ``cx_overview`` once untimed, then ``--runs`` timed (p50 and
nearest-rank p95), and each metric of it timed on its own (current period +
previous period, the way the overview asks). Prints tables and writes
bench/results/<time>-reports-<db>-<n>.json with the machine and load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ holds scripts, not a package
from harness import RESULTS, latency_summary, machine

TEAM = "Support"


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _ensure_postgres_database(url: str, *, recreate: bool) -> None:
    """Create the database the URL names if missing (dropping it first with ``recreate``)."""
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            conn.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _fill(conversations: int, seed: int) -> dict[str, Any]:
    import reportdata
    from django.db import connection
    from django.utils import timezone

    from concord.metrics.services import conversation_facts_backfill

    now = timezone.now().replace(second=0, microsecond=0)
    print(f"generating {conversations:,} conversations ending {now:%Y-%m-%d %H:%M} UTC", flush=True)
    summary = reportdata.generate(
        conversations=conversations, now=now, seed=seed, progress=lambda s: print(s, flush=True)
    )
    figures: dict[str, Any] = {"generate_seconds": round(summary.seconds, 1)}
    print(f"generated in {summary.seconds:.0f} s; the metrics' facts:", flush=True)
    began = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % 100_000 == 0:
            print(f"  {done:,} of {total:,}", flush=True)

    conversation_facts_backfill(progress=progress)
    figures["backfill_seconds"] = round(time.perf_counter() - began, 1)
    if connection.vendor == "postgresql":
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        figures["vacuum_analyze_seconds"] = round(time.perf_counter() - began, 1)
    print(f"facts in {figures['backfill_seconds']:.0f} s", flush=True)
    return figures


def _counts() -> dict[str, int]:
    from concord.channels.phone.models import CallRecord
    from concord.conversations.models import Conversation, Event, Message
    from concord.customers.models import Customer
    from concord.metrics.models import ConversationFacts, ConversationInterval
    from concord.sla.models import SlaTarget
    from concord.surveys.models import SurveyResponse

    models = {
        "conversations": Conversation,
        "messages": Message,
        "events": Event,
        "sla_targets": SlaTarget,
        "survey_responses": SurveyResponse,
        "customers": Customer,
        "call_records": CallRecord,
        "conversation_facts": ConversationFacts,
        "conversation_intervals": ConversationInterval,
    }
    return {name: model.objects.count() for name, model in models.items()}


def _timed(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def _lines(now: datetime, team_id: int) -> list[tuple[str, Any]]:
    from concord.metrics.selectors import MetricQuery
    from concord.metrics.selectors.query import bucket_start, next_bucket

    probe = MetricQuery(start=now - timedelta(days=1), end=now)
    end = next_bucket(bucket_start(now, "day", probe.zone), "day", probe.zone)
    lines = []
    for days, bucket in ((30, "day"), (30, "week"), (90, "day"), (90, "week")):
        for cut, team in (("all", None), (TEAM, team_id)):
            query = MetricQuery(
                start=end - timedelta(days=days), end=end, bucket=bucket, team_id=team
            )
            lines.append((f"{days} days by {bucket}, {cut}", query))
    return lines


def _per_metric(query: Any) -> dict[str, float]:
    """Each part of the overview in ms, in its order: current + previous period.

    As in ``cx_overview``, metrics over the same rows share one read: reopen
    rate costs nothing after FCR, nor volume and the matrices after escalation;
    only the metrics in ``OVERVIEW_SERIES`` are measured per bucket.
    """
    from dataclasses import replace

    from concord.metrics.selectors import (
        METRICS,
        OVERVIEW_METRICS,
        OVERVIEW_SERIES,
        metric_supports,
    )
    from concord.metrics.selectors.overview import _matrices
    from concord.metrics.selectors.scope import shared_reads

    whole = replace(query, bucket=None)
    before = replace(query.previous(), bucket=None)
    parts: dict[str, float] = {}
    with shared_reads():
        for name in OVERVIEW_METRICS:
            metric = METRICS.get(name)
            if metric is None or not metric_supports(metric, query):
                continue
            current = query if name in OVERVIEW_SERIES else whole  # as cx_overview asks
            parts[name] = _timed(lambda m=metric, q=current: (m(query=q), m(query=before)))
        parts["matrices"] = _timed(lambda: _matrices(query, ("channel", "category")))
    return {name: round(seconds * 1000, 1) for name, seconds in parts.items()}


def _figures(query: Any) -> dict[str, str]:
    """The overview's headline values, to see that the data is believable."""
    from concord.metrics.selectors import cx_overview

    out = {}
    for name, figure in cx_overview(query=query).figures.items():
        now, before = figure.current, figure.previous
        value = "—" if now.value is None else f"{now.value:,.1f}"
        previous = "—" if before.value is None else f"{before.value:,.1f}"
        out[name] = f"{value} {now.unit} (n={now.sample_size:,}; before {previous})"
    return out


def measure(runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from concord.accounts.models import Team
    from concord.conversations.models import Event
    from concord.metrics.selectors import cx_overview

    newest = Event.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    now = newest or datetime.now(UTC)
    team_id = Team.objects.get(name=TEAM).pk
    result: dict[str, Any] = {"now": now.isoformat(), "lines": {}, "per_metric": {}}
    for name, query in _lines(now, team_id):
        load = _load()
        with CaptureQueriesContext(connection) as queries:
            cx_overview(query=query)  # warm-up, and the query count
        samples = [_timed(lambda q=query: cx_overview(query=q)) for _ in range(runs)]
        line = latency_summary(samples, digits=1)
        line.update(queries=len(queries), load_before=load, load_after=_load())
        result["lines"][name] = line
        result["per_metric"][name] = _per_metric(query)
        print(f"  {name}: p50 {line['p50_ms']} ms, p95 {line['p95_ms']} ms, "
              f"{line['queries']} queries, load {load[0]}", flush=True)  # fmt: skip
    result["figures_30_days"] = _figures(_lines(now, team_id)[0][1])
    return result


def report(result: dict[str, Any]) -> None:
    lines = result["lines"]
    print(f"\n{'overview':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'load 1m':>8}")
    for name, line in lines.items():
        print(f"{name:34} {line['p50_ms']:>8} {line['p95_ms']:>8} {line['queries']:>8} "
              f"{line['load_before'][0]:>8}")  # fmt: skip
    names = list(lines)
    parts = list(result["per_metric"][names[0]])
    print(f"\nper metric, ms (current + previous period, one run)\n{'metric':20}", end="")
    short = [n.replace(" days by ", "d/").replace(", all", "").replace(f", {TEAM}", " team")
             for n in names]  # fmt: skip
    print("".join(f"{s:>11}" for s in short))
    for part in parts:
        row = [result["per_metric"][n].get(part, "") for n in names]
        print(f"{part:20}" + "".join(f"{v:>11}" for v in row))
    print("\nthe last 30 days (all):")
    for name, text in result["figures_30_days"].items():
        print(f"  {name:20} {text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10, help="timed overviews per line")
    parser.add_argument("--database-url", help="PostgreSQL database (created if missing)")
    parser.add_argument("--recreate", action="store_true", help="drop that database first")
    parser.add_argument("--data-dir", help="SQLite: generate into this directory and keep it")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--generate-only", action="store_true", help="fill the database, no timing")
    parser.add_argument(
        "--sql", action="append", default=[], help="run on the database before timing (repeatable)"
    )
    args = parser.parse_args(argv)

    temporary = args.data_dir is None
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="concord-bench-reports-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        CONCORD_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="concord.config.settings.base",
        CONCORD_DEBUG="0",
        CONCORD_LOG_LEVEL="WARNING",
    )
    if args.database_url:
        _ensure_postgres_database(args.database_url, recreate=args.recreate)
        os.environ["DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from concord.conversations.models import Conversation

    result: dict[str, Any] = {"machine": machine(), "database": connection.vendor}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            result["postgres_settings"] = {}
            for name in ("server_version", "shared_buffers", "work_mem", "jit"):
                cursor.execute(f"SHOW {name}")
                result["postgres_settings"][name] = cursor.fetchone()[0]
    try:
        call_command("migrate", verbosity=0)
        if not Conversation.objects.exists():
            result.update(_fill(args.conversations, args.seed))
        else:
            print("reusing the conversations already in the database", flush=True)
        for statement in args.sql:
            print(f"running {statement}", flush=True)
            with connection.cursor() as cursor:
                cursor.execute(statement)
        result["rows"] = _counts()
        print(", ".join(f"{v:,} {k}" for k, v in result["rows"].items()), flush=True)
        if args.generate_only:
            return 0
        result.update(measure(args.runs))
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)
    report(result)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = RESULTS / f"{stamp}-reports-{connection.vendor}-{result['rows']['conversations']}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
