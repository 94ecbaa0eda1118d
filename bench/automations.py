"""Cost of evaluating one conversation event against 200 active triggers (target <= 2 ms p50).

    python bench/automations.py [--triggers 200] [--events 500]

A fresh SQLite data directory, migrated. ``--triggers`` active triggers, all
listening to "customer replied", each with three conditions drawn from the
kinds admins write (status, priority, channel, tier, team, tags, words in the
subject or message): the realistic case where almost none match. A few
hundred conversations with a customer reply each are opened with automations
suppressed, then ``triggers_run`` is timed on their reply events, in-process,
the way the worker's task calls it (the compiled rules are cached per process
and re-checked with one query per event).

Lines:
- ``no match``: 200 triggers evaluated, none fires (the common case);
- ``one fires``: one trigger adds a tag (a transaction, an event, a re-read);
- ``cold``: the first evaluation after a trigger was edited (recompiles the rules).

Prints a table and writes bench/results/<time>-automations-sqlite.json.
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ holds scripts, not a package
from harness import RESULTS, latency_summary, machine

CONDITION_POOL: list[tuple[str, str, str]] = [
    ("status", "is", "pending"),
    ("status", "in", "open, on_hold"),
    ("priority", "is", "urgent"),
    ("priority", "is_not", "low"),
    ("channel", "is", "chat"),
    ("customer_tier", "is", "vip"),
    ("team", "is", "billing"),
    ("tags", "is", "refund"),
    ("subject", "contains", "invoice"),
    ("message_text", "contains", "cancel my"),
    ("organization", "is", "globex"),
    ("category", "is", "shipping"),
]


def build(triggers: int, conversations: int, rng: random.Random) -> list[tuple[int, int]]:
    from concord.automations.context import suppressed
    from concord.automations.models import Trigger, TriggerAction, TriggerCondition
    from concord.conversations.models import EventKind
    from concord.conversations.services import conversation_open, message_receive

    for number in range(triggers):
        trigger = Trigger.objects.create(
            name=f"Rule {number}", events=["customer_replied"], position=number
        )
        for field, operator, value in rng.sample(CONDITION_POOL, 3):
            TriggerCondition.objects.create(
                rule=trigger, field=field, operator=operator, value=value
            )
        TriggerAction.objects.create(rule=trigger, kind="add_tags", target=f"rule-{number}")
    # One trigger that does fire for the "one fires" line (inactive until then).
    firing = Trigger.objects.create(
        name="Fires", events=["customer_replied"], position=0, is_active=False
    )
    TriggerCondition.objects.create(rule=firing, field="subject", operator="contains", value="zz9")
    TriggerAction.objects.create(rule=firing, kind="add_tags", target="fired")

    events: list[tuple[int, int]] = []
    with suppressed():
        for number in range(conversations):
            conversation = conversation_open(
                channel=rng.choice(["email", "web", "chat"]),
                subject=f"Order {number} zz9 has not arrived",
                body_text="Where is my parcel? It was due last week.",
                identity_kind="email",
                identity_value=f"customer{number}@example.com",
                tags=["shipping"],
            )
            message = message_receive(conversation=conversation, body_text="Any news on this?")
            event = message.events.get(kind=EventKind.MESSAGE_RECEIVED)
            events.append((conversation.pk, event.pk))
    return events


def measure(events: list[tuple[int, int]], repeat: int) -> dict[str, Any]:
    from concord.automations.models import Trigger
    from concord.automations.services import triggers_run
    from concord.conversations.selectors.facts import events_by_ids

    loaded = [(cid, events_by_ids(conversation_id=cid, event_ids=[eid])) for cid, eid in events]

    def run_all(picks: list[tuple[int, Any]], check: Callable[[int], None]) -> list[float]:
        samples = []
        for cid, evs in picks:
            start = time.perf_counter()
            fired = triggers_run(conversation_id=cid, events=evs, chain=())
            samples.append(time.perf_counter() - start)
            check(fired)
        return samples

    def none_fired(fired: int) -> None:
        assert fired == 0, f"{fired} fired"

    triggers_run(conversation_id=loaded[0][0], events=loaded[0][1], chain=())  # compile once
    results: dict[str, Any] = {}
    results["no match"] = latency_summary(run_all(loaded[:repeat], none_fired), digits=3)

    cold = []
    for cid, evs in loaded[:30]:
        Trigger.objects.filter(name="Rule 0").update(description=str(time.time()))
        Trigger.objects.filter(name="Rule 0").first().save()  # type: ignore[union-attr]
        start = time.perf_counter()
        triggers_run(conversation_id=cid, events=evs, chain=())
        cold.append(time.perf_counter() - start)
    results["cold (after an edit)"] = latency_summary(cold, digits=3)

    firing = Trigger.objects.get(name="Fires")
    firing.is_active = True
    firing.save()

    def one(fired: int) -> None:
        assert fired == 1, f"{fired} fired"

    triggers_run(conversation_id=loaded[-1][0], events=loaded[-1][1], chain=())
    results["one fires"] = latency_summary(
        run_all(loaded[: min(repeat, len(loaded) - 1)], one), digits=3
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=200)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="concord-bench-automations-"))
    os.environ["CONCORD_DATA_DIR"] = str(data_dir)
    os.environ["CONCORD_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(options.seed)
        started = time.perf_counter()
        events = build(options.triggers, options.events + 1, rng)
        built = time.perf_counter() - started
        results = measure(events, options.events)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    print(f"{options.triggers} active triggers, {options.events} events (built in {built:.1f} s)")
    print(f"{'line':<24}{'p50 ms':>10}{'p95 ms':>10}{'runs':>8}")
    for name, row in results.items():
        print(f"{name:<24}{row['p50_ms']:>10.3f}{row['p95_ms']:>10.3f}{row['runs']:>8}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-automations-sqlite.json"
    out.write_text(
        json.dumps(
            {"machine": machine(), "triggers": options.triggers, "results": results}, indent=2
        )
    )
    print(f"written {out}")


if __name__ == "__main__":
    main()
