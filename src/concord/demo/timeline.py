"""When things happen in the demo: business hours and believable delays.

Agents work 08:00-18:00 on weekdays in the installation's time zone, which is
also the zone of the demo's "Support hours" calendar, so the SLA clocks and
the replies agree on when the office is open; customers write at any hour.
Delays are log-normal, like real response times: most are short, a few are
long. Urgent work is answered first, and two stretches of the history were
understaffed (``strain``).
"""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta

from django.utils import timezone

OPENS, CLOSES = time(8, 0), time(18, 0)

# (from, to, factor) in days before the demo's end: a flu wave six weeks ago
# and a short-staffed week more recently made every answer take longer, so
# the reports have dips to find and the 30-day figures differ from the 30 before.
_STRAINED = ((52, 38, 3.0), (19, 12, 1.6))


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment, timezone.get_default_timezone())


def strain(moment: datetime, *, now: datetime) -> float:
    """How much slower than usual the team was at ``moment`` (1.0: a normal day)."""
    days_ago = (now - moment) / timedelta(days=1)
    for far, near, factor in _STRAINED:
        if near <= days_ago < far:
            return factor
    return 1.0


def is_business(moment: datetime) -> bool:
    local = _local(moment)
    return local.weekday() < 5 and OPENS <= local.time() < CLOSES


def next_business(moment: datetime) -> datetime:
    """``moment`` if agents are at work then, else the next opening time."""
    local = _local(moment)
    for _ in range(8):
        if local.weekday() < 5:
            if local.time() < OPENS:
                return local.replace(hour=OPENS.hour, minute=0, second=0, microsecond=0)
            if local.time() < CLOSES:
                return local
        local = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    raise AssertionError("a week always has a working day")  # pragma: no cover


def add_business(moment: datetime, delay: timedelta) -> datetime:
    """``delay`` of working time after ``moment``, skipping nights and weekends."""
    current = next_business(moment)
    remaining = delay
    while True:
        local = _local(current)
        closing = local.replace(hour=CLOSES.hour, minute=0, second=0, microsecond=0)
        if current + remaining <= closing:
            return current + remaining
        remaining -= closing - current
        current = next_business(closing)


def lognormal(rng: random.Random, median: timedelta, spread: float) -> timedelta:
    """A delay around ``median``; ``spread`` ~0.5 is tight, ~1.2 has a long tail."""
    return median * math.exp(rng.gauss(0.0, spread))


# (median, spread, cap) of the agent's first answer by channel, in working time.
_AGENT_DELAY: dict[str, tuple[timedelta, float, timedelta]] = {
    "chat": (timedelta(seconds=70), 0.6, timedelta(minutes=8)),
    "phone": (timedelta(minutes=4), 0.5, timedelta(minutes=20)),
    "sms": (timedelta(minutes=40), 0.9, timedelta(hours=6)),
    "social": (timedelta(minutes=35), 0.9, timedelta(hours=6)),
    "web": (timedelta(minutes=50), 1.0, timedelta(hours=9)),
    "email": (timedelta(minutes=60), 1.0, timedelta(hours=10)),
}


def agent_reply_at(
    rng: random.Random, after: datetime, channel: str, *, pace: float = 1.0
) -> datetime:
    """The agent's answer; ``pace`` scales the wait (below 1: urgent, above: a busy spell)."""
    median, spread, cap = _AGENT_DELAY.get(channel, _AGENT_DELAY["email"])
    delay = min(lognormal(rng, median, spread), cap) * pace
    return add_business(after, max(delay, timedelta(seconds=20)))


def customer_reply_at(rng: random.Random, after: datetime, channel: str) -> datetime:
    """Customers answer live channels within minutes, email within hours or a day."""
    if channel in ("chat", "phone"):
        return after + min(lognormal(rng, timedelta(seconds=90), 0.5), timedelta(minutes=10))
    return after + min(lognormal(rng, timedelta(hours=3), 1.1), timedelta(days=3))


def work_at(rng: random.Random, after: datetime, *, hours: float, pace: float = 1.0) -> datetime:
    """Some internal work (a consultation, a handover) taking ~``hours`` of working time."""
    return add_business(after, lognormal(rng, timedelta(hours=hours), 0.7) * pace)


def opening_time(rng: random.Random, *, start: datetime, end: datetime, live: bool) -> datetime:
    """When a customer first writes: live channels in working hours, others mostly too."""
    span = (end - start).total_seconds()
    for _ in range(50):
        moment = start + timedelta(seconds=rng.uniform(0, span))
        if is_business(moment) or (not live and rng.random() < 0.3):
            return moment
    return start + timedelta(seconds=rng.uniform(0, span))
