"""Benchmark the SLA sweep and refresh over many open conversations (SQLite).

    python bench/sla.py [--conversations 100000] [--due 1000] [--refreshes 300]

A fresh SQLite data directory, migrated; the demo's "Support hours" calendar
(Mon-Fri 08-18 Europe/Berlin, German holidays), a Support team on it and three
policies in business time. ``--conversations`` unsolved conversations (new,
open, pending, on hold) with their created / customer message / reply /
status events, and their SLA state and target rows, are written with
``bulk_create`` (the clocks computed by ``concord.sla.clock``, the code the
refresh runs), so building 100k takes seconds, not the hours 100k refreshes
would. Then, in-process:

- an idle sweep (nothing due), repeated;
- a sweep at the moment ``--due`` breaches are due (each refreshes its
  conversation and writes one event), then the same sweep again (nothing left);
- ``sla_refresh`` of random conversations (nothing due, so no alarm);
- the inbox's "due soonest" page (50 rows) for the admin (``all``) and a
  Support agent (``my_teams``), with its query plan.

Prints a table and writes bench/results/<time>-sla-sqlite-<n>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ holds scripts, not a package
from harness import RESULTS, latency_summary, machine

BATCH = 2000
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday, inside business hours


def _timed(run: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return samples


def build(n: int, rng: random.Random) -> dict[str, Any]:
    """Staff, calendar, policies through the services; conversations and clocks in bulk."""
    from datetime import time as clock_time

    from concord.accounts.models import Role
    from concord.accounts.services import (
        team_add_member,
        team_create,
        team_set_calendar,
        user_create,
    )
    from concord.calendars.selectors import calendar_schedule
    from concord.calendars.services import calendar_create
    from concord.conversations.models import Conversation, Event, EventKind
    from concord.customers.models import Customer
    from concord.sla.clock import Log, Rules, compute
    from concord.sla.models import SlaState, SlaTarget
    from concord.sla.services import sla_policy_create

    hours = calendar_create(
        name="Support hours",
        time_zone="Europe/Berlin",
        holiday_country="DE",
        intervals=[(day, clock_time(8), clock_time(18)) for day in range(5)],
    )
    support = team_create(name="Support")
    team_set_calendar(team=support, calendar=hours)
    admin = user_create(username="admin", email="a@example.com", password=None, role=Role.ADMIN)
    agent = user_create(username="agent", email="b@example.com", password=None, role=Role.AGENT)
    team_add_member(team=support, user=agent)
    sla_policy_create(
        name="VIP",
        position=1,
        customer_tiers=["vip"],
        first_response_seconds=1800,
        next_reply_seconds=7200,
        resolution_seconds=36000,
        warn_before_seconds=600,
        calendar=hours,
    )
    sla_policy_create(
        name="Urgent",
        position=2,
        priorities=["urgent", "high"],
        first_response_seconds=3600,
        next_reply_seconds=14400,
        resolution_seconds=72000,
        warn_before_seconds=900,
        calendar=hours,
    )
    standard = sla_policy_create(
        name="Standard",
        position=3,
        first_response_seconds=8 * 3600,
        next_reply_seconds=8 * 3600,
        resolution_seconds=30 * 3600,
        warn_before_seconds=3600,
        calendar=hours,
    )
    schedule = calendar_schedule(calendar=hours)
    rules = Rules(
        budgets={
            "first_response": standard.first_response_seconds,
            "next_reply": standard.next_reply_seconds,
            "resolution": standard.resolution_seconds,
        },
        warn_before=standard.warn_before_seconds,
        paused=frozenset({"pending"}),
        schedule=schedule,
    )
    customers = Customer.objects.bulk_create(
        [Customer(name=f"Customer {i}") for i in range(max(1, n // 5))], batch_size=BATCH
    )
    started = time.perf_counter()
    made = 0
    while made < n:
        size = min(BATCH, n - made)
        convs, plans = [], []
        for _ in range(size):
            created = NOW - timedelta(seconds=rng.randint(60, 14 * 86400))
            status = rng.choices(["new", "open", "pending", "on_hold"], [20, 55, 18, 7])[0]
            replied = created + timedelta(minutes=rng.randint(5, 600)) if status != "new" else None
            if replied is not None and replied >= NOW:
                replied = None
            if replied is None:
                status = "new"  # no reply yet: the log and the row agree
            convs.append(
                Conversation(
                    subject="Where is my order?",
                    channel="email",
                    status=status,
                    priority="normal",
                    customer=rng.choice(customers),
                    team=support,
                    message_count=2 if replied else 1,
                    created_at=created,
                    updated_at=replied or created,
                )
            )
            plans.append((created, status, replied))
        Conversation.objects.bulk_create(convs)
        events, states, targets = [], [], []
        for conv, (created, status, replied) in zip(convs, plans, strict=True):
            events.append(Event(conversation=conv, kind=EventKind.CREATED, created_at=created))
            events.append(
                Event(conversation=conv, kind=EventKind.MESSAGE_RECEIVED, created_at=created)
            )
            statuses = [(created, "new")]
            exchanges = [(created, True)]
            if replied is not None:
                events.append(Event(conversation=conv, kind=EventKind.REPLIED, created_at=replied))
                exchanges.append((replied, False))
                event_status = status
                events.append(
                    Event(
                        conversation=conv,
                        kind=EventKind.STATUS_CHANGED,
                        old_value="new",
                        new_value=event_status,
                        created_at=replied,
                    )
                )
                statuses.append((replied, event_status))
            specs = compute(
                log=Log(created_at=created, statuses=statuses, exchanges=exchanges), rules=rules
            )
            next_due = min(
                (s.due_at for s in specs if s.due_at and s.achieved_at is None), default=None
            )
            states.append(
                SlaState(conversation=conv, policy=standard, next_due_at=next_due, refreshed_at=NOW)
            )
            targets += [
                SlaTarget(
                    conversation=conv,
                    target=s.target,
                    cycle=s.cycle,
                    policy=standard,
                    budget_seconds=s.budget,
                    started_at=s.started_at,
                    due_at=s.due_at,
                    warn_at=s.warn_at,
                    achieved_at=s.achieved_at,
                    # Clocks already past due were breached by earlier sweeps.
                    breached_at=NOW if s.due_at and s.due_at < NOW else None,
                    warned_at=NOW if s.warn_at and s.warn_at < NOW else None,
                )
                for s in specs
            ]
        Event.objects.bulk_create(events, batch_size=BATCH)
        SlaState.objects.bulk_create(states, batch_size=BATCH)
        SlaTarget.objects.bulk_create(targets, batch_size=BATCH)
        made += size
    return {
        "admin": admin,
        "agent": agent,
        "build_seconds": round(time.perf_counter() - started, 1),
        "targets": SlaTarget.objects.count(),
        "events": Event.objects.count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1000, help="breaches due at the timed sweep")
    parser.add_argument("--refreshes", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="concord-bench-sla-"))
    os.environ["CONCORD_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from concord.conversations.selectors import ConversationFilters, conversation_inbox
    from concord.sla.models import SlaTarget
    from concord.sla.services import sla_refresh, sla_sweep

    result: dict[str, Any] = {"conversations": args.conversations, "machine": machine()}
    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(5)
        built = build(args.conversations, rng)
        result.update(
            build_seconds=built["build_seconds"],
            targets=built["targets"],
            events=built["events"],
        )
        print(
            f"built {args.conversations} conversations, {built['targets']} targets "
            f"in {built['build_seconds']} s"
        )

        # The sweep's clock: the instant when exactly --due clocks have passed their due time.
        upcoming = list(
            SlaTarget.objects.filter(
                breached_at__isnull=True, achieved_at__isnull=True, due_at__isnull=False
            )
            .order_by("due_at")
            .values_list("due_at", flat=True)[: args.due + 1]
        )
        first_warning = (
            SlaTarget.objects.filter(
                warned_at__isnull=True, breached_at__isnull=True, achieved_at__isnull=True
            )
            .exclude(warn_at=None)
            .order_by("warn_at")
            .values_list("warn_at", flat=True)
            .first()
        )
        first_alarm = min(t for t in (upcoming[0], first_warning) if t is not None)
        idle_at = first_alarm - timedelta(seconds=1)
        assert sla_sweep(now=idle_at) == 0
        lines: dict[str, Any] = {
            "idle sweep": latency_summary(_timed(lambda: sla_sweep(now=idle_at), 50))
        }

        due_at = upcoming[args.due - 1] + timedelta(microseconds=1)
        start = time.perf_counter()
        written = sla_sweep(now=due_at, limit=10 * args.due)
        elapsed = time.perf_counter() - start
        lines["due sweep"] = {
            "alarms": written,
            "seconds": round(elapsed, 2),
            "ms_per_alarm": round(elapsed * 1000 / max(1, written), 2),
        }
        lines["repeated sweep"] = latency_summary(_timed(lambda: sla_sweep(now=due_at), 20))
        again = sla_sweep(now=due_at)
        lines["repeated sweep"]["alarms"] = again

        ids = list(
            SlaTarget.objects.filter(achieved_at__isnull=True).values_list(
                "conversation_id", flat=True
            )[:50_000]
        )
        sample = rng.sample(ids, min(args.refreshes, len(ids)))
        refresh_samples = []
        for pk in sample:
            begin = time.perf_counter()
            sla_refresh(conversation_id=pk, now=idle_at)
            refresh_samples.append(time.perf_counter() - begin)
        lines["sla_refresh"] = latency_summary(refresh_samples)

        for who, view in (("admin", "all"), ("agent", "my_teams"), ("agent", "mine")):
            user = built[who]

            def page(user: Any = user, view: str = view) -> object:
                return conversation_inbox(
                    user=user, view=view, filters=ConversationFilters(), due_soonest=True
                )

            _timed(page, 5)
            lines[f"inbox due soonest, {who} {view}"] = latency_summary(_timed(page, 50))
            lines[f"inbox last update, {who} {view}"] = latency_summary(
                _timed(
                    lambda user=user, view=view: conversation_inbox(
                        user=user, view=view, filters=ConversationFilters()
                    ),
                    50,
                )
            )
        from concord.conversations.selectors.inbox import _filtered, _inbox_view_q
        from concord.sla.models import SlaState

        view_qs = _filtered(user=built["agent"], filters=ConversationFilters(), cursor=None).filter(
            _inbox_view_q(user=built["agent"], view="my_teams")
        )
        # The query sla_due_page runs (rebuilt here to read its plan).
        from django.db.models import Exists, OuterRef

        qs = (
            SlaState.objects.filter(next_due_at__isnull=False)
            .filter(Exists(view_qs.filter(pk=OuterRef("conversation_id"))))
            .order_by("next_due_at", "conversation_id")
            .values_list("conversation_id", flat=True)[:51]
        )
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            result["due_page_plan"] = [row[-1] for row in cursor.fetchall()]
        result["lines"] = lines
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)

    print(f"{'line':45} {'figures'}")
    for name, figures in result["lines"].items():
        print(f"{name:45} {figures}")
    print("due page plan:", " | ".join(result["due_page_plan"]))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = RESULTS / f"{stamp}-sla-sqlite-{args.conversations}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
