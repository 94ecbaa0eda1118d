"""SLA clocks worked out from a conversation's event log: pure, no database.

The event log is the truth: the same events always give the same targets, so
a refresh can recompute everything and only write what changed.

- **First response**: from creation to the first public staff reply.
- **Next reply**: after the first reply, a customer message that arrives while
  nothing is awaiting an answer starts a new cycle (1, 2, …), met by the next
  public reply. Further customer messages before that reply join the cycle.
- **Resolution**: from creation to solved (or closed). A reopen continues the
  same clock; it was paused while the conversation was solved.

A clock runs while the status is new or open, and while pending or on hold
unless the policy pauses on them; solved and closed always pause it. The
first-response clock never pauses on pending or on hold: nobody has answered
yet, so setting a new conversation to "waiting on the customer" must not
stop the clock that measures how long the customer waits for that answer. A due
time is the instant the running time reaches the target, in business time
(a ``Schedule``) or calendar time; it is unknown (None) while paused before
reaching it. The warning time is the same walk with ``warn_before`` less. A
met target's due time is the one it had when it was met: the walk over the
log up to that moment, whatever the conversation did afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from concord.calendars.businesstime import (
    Schedule,
    add_business_seconds,
    exact_business_seconds_between,
)

FIRST_RESPONSE, NEXT_REPLY, RESOLUTION = "first_response", "next_reply", "resolution"
ALWAYS_PAUSED = frozenset({"solved", "closed"})
_DONE = frozenset({"solved", "closed"})


@dataclass(frozen=True)
class Log:
    """The facts of one conversation that the clocks need, oldest first.

    ``statuses`` holds (since, status) pairs, the first one at creation;
    ``exchanges`` holds (at, inbound) for customer messages (True) and public
    staff replies (False), in the order they were recorded.
    """

    created_at: datetime
    statuses: Sequence[tuple[datetime, str]]
    exchanges: Sequence[tuple[datetime, bool]]


@dataclass(frozen=True)
class Rules:
    budgets: dict[str, int | None]  # seconds per target; None: no target
    warn_before: int
    paused: frozenset[str]  # statuses that stop the clock (always incl. solved/closed)
    schedule: Schedule | None  # None: calendar time


@dataclass(frozen=True)
class Spec:
    """What one target should be now."""

    target: str
    cycle: int
    budget: int
    started_at: datetime
    achieved_at: datetime | None
    due_at: datetime | None
    warn_at: datetime | None


class Clock:
    """Running time over the intervals in which a status lets the clock run."""

    def __init__(self, *, log: Log, paused: frozenset[str], schedule: Schedule | None) -> None:
        self.schedule = schedule
        stops = paused | ALWAYS_PAUSED
        runs: list[tuple[datetime, datetime | None]] = []
        statuses = list(log.statuses)
        for index, (since, status) in enumerate(statuses):
            if status in stops:
                continue
            until = statuses[index + 1][0] if index + 1 < len(statuses) else None
            if until is None or until > since:
                runs.append((since, until))
        self.runs = runs

    def _between(self, start: datetime, end: datetime) -> float:
        if self.schedule is None:
            return (end - start).total_seconds()
        return exact_business_seconds_between(schedule=self.schedule, start=start, end=end)

    def _add(self, start: datetime, seconds: float) -> datetime:
        if self.schedule is None:
            return start + timedelta(seconds=seconds)
        return add_business_seconds(schedule=self.schedule, start=start, seconds=seconds)

    def reach(self, *, start: datetime, seconds: int) -> datetime | None:
        """When ``seconds`` of running time since ``start`` are used up; None while paused."""
        remaining = float(seconds)
        for since, until in self.runs:
            if until is not None and until <= start:
                continue
            begin = max(since, start)
            if until is None:
                return self._add(begin, remaining)
            available = self._between(begin, until)
            if available >= remaining:
                return self._add(begin, remaining)
            remaining -= available
        return None


def _cycles(log: Log) -> tuple[datetime | None, list[tuple[datetime, datetime | None]]]:
    """The first reply, and each next-reply cycle as (started, answered)."""
    first_reply: datetime | None = None
    cycles: list[tuple[datetime, datetime | None]] = []
    waiting_since: datetime | None = None
    for at, inbound in log.exchanges:
        if first_reply is None:
            if not inbound and at >= log.created_at:
                first_reply = at
            continue
        if inbound and waiting_since is None:
            waiting_since = at
        elif not inbound and waiting_since is not None:
            cycles.append((waiting_since, at))
            waiting_since = None
    if waiting_since is not None:
        cycles.append((waiting_since, None))
    return first_reply, cycles


def _resolved_at(statuses: Iterable[tuple[datetime, str]]) -> datetime | None:
    """When the conversation was last solved, if it still is (closing keeps that time)."""
    resolved: datetime | None = None
    for at, status in statuses:
        resolved = (resolved or at) if status in _DONE else None
    return resolved


def _as_of(log: Log, moment: datetime, rules: Rules, *, paused: bool) -> Clock:
    """The clock as it stood just before ``moment``, its last status carrying on."""
    statuses = [(since, status) for since, status in log.statuses if since < moment]
    earlier = Log(
        created_at=log.created_at,
        statuses=statuses or list(log.statuses[:1]),
        exchanges=log.exchanges,
    )
    return Clock(
        log=earlier, paused=rules.paused if paused else frozenset(), schedule=rules.schedule
    )


def compute(*, log: Log, rules: Rules) -> list[Spec]:
    """Every target the rules give this conversation, from its log."""
    clock = Clock(log=log, paused=rules.paused, schedule=rules.schedule)
    unpaused = Clock(log=log, paused=frozenset(), schedule=rules.schedule)
    first_reply, cycles = _cycles(log)
    wanted: list[tuple[str, int, datetime, datetime | None]] = [
        (FIRST_RESPONSE, 0, log.created_at, first_reply),
        (RESOLUTION, 0, log.created_at, _resolved_at(log.statuses)),
    ]
    wanted += [
        (NEXT_REPLY, n, started, answered) for n, (started, answered) in enumerate(cycles, 1)
    ]
    specs = []
    for target, cycle, started, achieved in wanted:
        budget = rules.budgets.get(target)
        if not budget:
            continue
        running = unpaused if target == FIRST_RESPONSE else clock
        if achieved is not None:
            # A met target keeps the due time it had when it was met: what the
            # conversation did afterwards (a pending set with the reply, a
            # pause next week) must not move it, nor blank it.
            running = _as_of(log, achieved, rules, paused=target != FIRST_RESPONSE)
        due = running.reach(start=started, seconds=budget)
        warn = None
        if due is not None and 0 < rules.warn_before < budget:
            warn = running.reach(start=started, seconds=budget - rules.warn_before)
        specs.append(
            Spec(
                target=target,
                cycle=cycle,
                budget=budget,
                started_at=started,
                achieved_at=achieved,
                due_at=due,
                warn_at=warn,
            )
        )
    return specs
