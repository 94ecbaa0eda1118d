"""Business-time arithmetic: computations per second (issue 5 targets >= 100,000).

    .venv/bin/python bench/businesstime.py
    .venv/bin/python bench/businesstime.py --calls 500000

Pure CPU, no database: a "Support hours" schedule (Mon-Fri 08:00-18:00
Europe/Berlin, German public holidays) and a split-shift one (three intervals a
day, seven days, America/New_York), random minute-aligned starts in 2026 given
in UTC and in the schedule's zone, spans of 0-5 days (the SLA case) and 0-60
days. The day cache is warmed by one pass first, as in a running worker; the
"fresh" figure is the first 20,000 calls on a new schedule, which computes each
date on first use.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import holidays

from concord.calendars.businesstime import (
    Schedule,
    add_business_seconds,
    business_seconds_between,
)

HOUR = 3600


def support_hours() -> Schedule:
    return Schedule.build(
        tz="Europe/Berlin",
        intervals=[(d, 8 * HOUR, 18 * HOUR) for d in range(5)],
        holidays=holidays.country_holidays("DE"),
    )


def split_shift() -> Schedule:
    shifts = [(0, 2 * HOUR), (7 * HOUR, 12 * HOUR), (13 * HOUR, 22 * HOUR)]
    return Schedule.build(
        tz="America/New_York", intervals=[(d, a, b) for d in range(7) for a, b in shifts]
    )


def rate(calls: int, run: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return calls / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    args = parser.parse_args()
    rng = random.Random(5)
    started = time.perf_counter()
    sum(range(10**6))
    # The same yardstick as the other benchmarks: about 10 ms on an idle modern core.
    yardstick = (time.perf_counter() - started) * 1000
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {args.calls:,} calls,"
        f" sum(range(10**6)) {yardstick:.0f} ms"
    )
    for name, make in (("support hours", support_hours), ("split shift", split_shift)):
        schedule = make()
        for max_days in (5, 60):
            starts = [
                datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(365 * 1440))
                for _ in range(args.calls)
            ]
            starts = [s if i % 2 else s.astimezone(schedule.tz) for i, s in enumerate(starts)]
            ends = [s + timedelta(minutes=rng.randrange(max_days * 1440)) for s in starts]
            amounts = [rng.randrange(max_days * 10 * HOUR // 7) for _ in starts]
            pairs = list(zip(starts, ends, strict=True))
            triples = list(zip(starts, amounts, strict=True))

            def between(
                schedule: Schedule = schedule, pairs: list[tuple[datetime, datetime]] = pairs
            ) -> None:
                for start, end in pairs:
                    business_seconds_between(schedule=schedule, start=start, end=end)

            def add(
                schedule: Schedule = schedule, triples: list[tuple[datetime, int]] = triples
            ) -> None:
                for start, seconds in triples:
                    add_business_seconds(schedule=schedule, start=start, seconds=seconds)

            cold_schedule = make()
            started = time.perf_counter()
            for start, end in pairs[:20_000]:
                business_seconds_between(schedule=cold_schedule, start=start, end=end)
            cold = 20_000 / (time.perf_counter() - started)
            between()  # warm the day cache
            print(
                f"{name:14} spans 0-{max_days:<2} days  "
                f"business_seconds_between {rate(args.calls, between):>9,.0f}/s  "
                f"add_business_seconds {rate(args.calls, add):>9,.0f}/s  "
                f"(between, fresh schedule: {cold:,.0f}/s)"
            )


if __name__ == "__main__":
    main()
