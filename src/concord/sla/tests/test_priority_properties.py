"""Property tests of the SLA services over priority changes (issue 21, items 2, 3 and 4).

Any sequence of status changes, priority changes, customer messages and agent
replies, each followed by a refresh at its moment, leaves every target row
with the due time, warning time, met time and alarm times that a reference
written here gives. The reference walks whole minutes from each target's
start and counts a minute when the clock runs in it (the rules of
``sla/clock.py`` and ``docs/sla.md``), under the policy that applies:

- an open target follows the policy its conversation's priority picks now;
- a met target keeps the policy, budget and due time it was met under, the
  walk over the log up to that moment (its last status carrying on);
- a breached target stays settled at the policy, budget and due time it was
  missed under; only a late answer is still recorded on it.

It drives the real services through the database, each example in a
savepoint that is rolled back, so the examples do not see each other's rows.
Every policy sets all three targets and some policy matches every priority:
what happens to targets a new policy does not set is outside this property.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from concord.accounts.models import User
from concord.calendars.models import Calendar
from concord.calendars.services import calendar_create
from concord.conversations.models import TRANSITIONS, Conversation
from concord.conversations.services import (
    conversation_open,
    conversation_reply,
    conversation_set_priority,
    conversation_set_status,
    message_receive,
)
from concord.customers.models import Customer
from concord.sla.models import SlaTarget
from concord.sla.selectors import sla_forget_cached
from concord.sla.services import sla_policy_create, sla_refresh

pytestmark = pytest.mark.django_db

# derandomize: the same examples on every run, so CI is never flaky; no
# example database either (nothing written to .hypothesis/). The savepoint
# per example is what makes the function-scoped fixtures safe to share.
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Monday 2026-03-23, 08:00 in Berlin (UTC+1): conversations open within the
# following days, so the business-hours walks cross nights, a weekend and
# the change to summer time (Sunday 2026-03-29).
BASE = datetime(2026, 3, 23, 7, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
HORIZON = 45 * 24 * 60  # minutes from BASE the reference may walk
OPENS, CLOSES = 9 * 60, 17 * 60  # the calendar's hours, weekdays, local time

FIRST, NEXT, RESOLUTION = "first_response", "next_reply", "resolution"
ALWAYS_PAUSED = frozenset({"solved", "closed"})
PRIORITIES = ("low", "normal", "high", "urgent")
# Three policies keyed on priority, tried in this order; the last has no
# condition, so it catches low (and anything else).
POLICY_PRIORITIES: dict[str, tuple[str, ...]] = {
    "Urgent": ("urgent", "high"),
    "Normal": ("normal",),
    "Fallback": (),
}


@cache
def business_minutes() -> tuple[bool, ...]:
    """Is minute ``m`` after BASE inside weekday 09:00-17:00 Berlin wall-clock time?"""
    flags = []
    for minute in range(HORIZON):
        local = (BASE + timedelta(minutes=minute)).astimezone(BERLIN)
        of_day = local.hour * 60 + local.minute
        flags.append(local.weekday() < 5 and OPENS <= of_day < CLOSES)
    return tuple(flags)


CALENDAR_TIME = (True,) * HORIZON


# --- what hypothesis draws ---------------------------------------------------


@dataclass(frozen=True)
class PolicyDraw:
    name: str
    budgets: dict[str, int]  # minutes
    warn_before: int  # minutes; 0: no warnings
    paused: frozenset[str]


@st.composite
def policy_draws(draw: st.DrawFn, name: str) -> PolicyDraw:
    budgets = {
        FIRST: draw(st.integers(min_value=1, max_value=600)),
        NEXT: draw(st.integers(min_value=1, max_value=600)),
        RESOLUTION: draw(st.integers(min_value=1, max_value=3000)),
    }
    warn = draw(st.one_of(st.just(0), st.integers(0, min(budgets.values()) - 1)))
    paused = frozenset(
        status for status in ("pending", "on_hold") if draw(st.booleans(), label=status)
    )
    return PolicyDraw(name=name, budgets=budgets, warn_before=warn, paused=paused)


Op = tuple[str, str | None]  # ("status", s), ("priority", p), ("message", None), ("reply", s?)

ops = st.one_of(
    st.tuples(st.just("status"), st.sampled_from(["open", "pending", "on_hold", "solved"])),
    st.tuples(st.just("priority"), st.sampled_from(PRIORITIES)),
    st.tuples(st.just("message"), st.none()),
    st.tuples(st.just("reply"), st.sampled_from([None, None, "pending", "solved"])),
)


def gaps(longest: int) -> st.SearchStrategy[int]:
    # Mostly minutes to hours apart, sometimes in the same minute, sometimes a day.
    return st.one_of(
        st.just(0), st.integers(1, 90), st.integers(1, longest), st.integers(1, longest)
    )


@dataclass(frozen=True)
class Case:
    policies: tuple[PolicyDraw, ...]
    priority: str
    opened: int  # minutes after BASE
    steps: tuple[tuple[int, Op], ...]  # (gap in minutes, operation)


def cases(*, opened_within: int, longest_gap: int) -> st.SearchStrategy[Case]:
    return st.builds(
        Case,
        policies=st.tuples(*(policy_draws(name) for name in POLICY_PRIORITIES)),
        priority=st.sampled_from(PRIORITIES),
        opened=st.integers(0, opened_within),
        steps=st.lists(st.tuples(gaps(longest_gap), ops), min_size=4, max_size=20).map(tuple),
    )


# --- the reference -----------------------------------------------------------


@dataclass
class Expected:
    """One target as the reference has it; times in minutes from the conversation's start."""

    policy: str
    budget: int
    started: int
    due: int | None
    warn: int | None
    achieved: int | None
    warned: int | None = None
    breached: int | None = None


@dataclass
class Reference:
    policies: dict[str, PolicyDraw]
    open_minutes: tuple[bool, ...]  # per minute after BASE
    offset: int  # the conversation's start, minutes after BASE
    priority: str
    # The status in each minute before the latest step, and the one since.
    history: list[str] = field(default_factory=list)
    status: str = "new"
    exchanges: list[tuple[int, bool]] = field(default_factory=lambda: [(0, True)])
    targets: dict[tuple[str, int], Expected] = field(default_factory=dict)

    def policy(self) -> PolicyDraw:
        for name, priorities in POLICY_PRIORITIES.items():
            if not priorities or self.priority in priorities:
                return self.policies[name]
        raise AssertionError("the fallback policy matches every priority")

    def advance(self, minute: int) -> None:
        """The minutes up to ``minute`` are history now, in the status they had."""
        self.history += [self.status] * (minute - len(self.history))

    def walk(
        self, *, start: int, budget: int, runs: Callable[[str], bool], met: int | None
    ) -> int | None:
        """The minute the clock has run ``budget`` minutes since ``start``; None while paused.

        ``met``: the log as it stood then, the status just before it carrying on.
        """
        if met is None:
            known, carried = len(self.history), self.status
        else:  # the status in the minute before (at creation: the first one)
            known, carried = met, self.history[met - 1] if met > 0 else "new"
        used = 0
        minute = start
        while True:
            status = self.history[minute] if minute < known else carried
            if minute >= known and not runs(carried):
                return None  # paused from here on
            assert self.offset + minute < HORIZON, "the walk ran past the horizon"
            if runs(status) and self.open_minutes[self.offset + minute]:
                used += 1
                if used == budget:
                    return minute + 1
            minute += 1

    def wanted(self) -> list[tuple[str, int, int, int | None]]:
        """(target, cycle, start, met) of every target, from the log."""
        first_reply = next((at for at, inbound in self.exchanges if not inbound), None)
        cycles: list[tuple[int, int | None]] = []
        waiting: int | None = None
        replied = False
        for at, inbound in self.exchanges:
            if not replied:
                replied = not inbound
            elif inbound and waiting is None:
                waiting = at
            elif not inbound and waiting is not None:
                cycles.append((waiting, at))
                waiting = None
        if waiting is not None:
            cycles.append((waiting, None))
        solved = None
        if self.status in ALWAYS_PAUSED:
            solved = len(self.history)
            while solved > 0 and self.history[solved - 1] in ALWAYS_PAUSED:
                solved -= 1
        return [
            (FIRST, 0, 0, first_reply),
            (RESOLUTION, 0, 0, solved),
            *((NEXT, n, start, met) for n, (start, met) in enumerate(cycles, 1)),
        ]

    def settle(self, now: int) -> None:
        """What a refresh at ``now`` should leave, after the step's changes."""
        policy = self.policy()
        for target, cycle, start, met in self.wanted():
            row = self.targets.get((target, cycle))
            if row is not None and row.achieved is not None and row.achieved == met:
                pass  # met: settled under the policy it was met under
            elif row is not None and row.breached is not None:
                row.achieved = met  # missed: settled; a late answer is still news
            else:
                pauses = ALWAYS_PAUSED | (frozenset() if target == FIRST else policy.paused)

                def runs(status: str, pauses: frozenset[str] = pauses) -> bool:
                    return status not in pauses

                budget = policy.budgets[target]
                due = self.walk(start=start, budget=budget, runs=runs, met=met)
                warn = None
                if due is not None and 0 < policy.warn_before < budget:
                    warn = self.walk(
                        start=start, budget=budget - policy.warn_before, runs=runs, met=met
                    )
                fresh = Expected(policy.name, budget, start, due, warn, met)
                if row is not None:
                    fresh.warned = row.warned
                row = self.targets[(target, cycle)] = fresh
            self.alarm(row, now)

    @staticmethod
    def alarm(row: Expected, now: int) -> None:
        """A breach once the due time has passed unmet (or was met late); else a warning."""
        if row.due is None:
            return
        if row.breached is None:
            late = row.achieved > row.due if row.achieved is not None else now > row.due
            if late:
                row.breached = now
                return
        if (
            row.warned is None
            and row.breached is None
            and row.achieved is None
            and row.warn is not None
            and row.warn <= now <= row.due
        ):
            row.warned = now


# --- driving the services ----------------------------------------------------


@contextmanager
def rolled_back() -> Iterator[None]:
    """One example's writes, undone afterwards (pass or fail)."""
    with transaction.atomic():
        sla_forget_cached()  # policies of the previous example had other ids
        yield
        transaction.set_rollback(True)
    sla_forget_cached()


def apply(conversation: Conversation, op: Op, at: datetime, agent: User) -> bool:
    """Do ``op`` through the services; False when the status rules do not allow it."""
    kind, value = op
    current = Conversation.objects.get(pk=conversation.pk).status
    if kind == "status":
        assert value is not None
        if value not in TRANSITIONS[current]:
            return False
        conversation_set_status(conversation=conversation, actor=agent, status=value, at=at)
    elif kind == "priority":
        assert value is not None
        conversation_set_priority(conversation=conversation, actor=agent, priority=value, at=at)
    elif kind == "message":
        message_receive(conversation=conversation, body_text="Any news?", at=at)
    else:
        wanted = value or ("open" if current == "new" else None)
        if wanted is not None and wanted != current and wanted not in TRANSITIONS[current]:
            return False
        conversation_reply(
            conversation=conversation, actor=agent, body_text="Looking", status=value, at=at
        )
    return True


def stored(conversation: Conversation, start: datetime) -> dict[tuple[str, int], Expected]:
    def minutes(moment: datetime | None) -> int | None:
        if moment is None:
            return None
        whole, rest = divmod(moment - start, timedelta(minutes=1))
        assert not rest, f"{moment} is not on a whole minute"
        return whole

    rows = SlaTarget.objects.filter(conversation=conversation).select_related("policy")
    found = {}
    for row in rows:
        assert row.policy is not None
        assert row.budget_seconds % 60 == 0
        started = minutes(row.started_at)
        assert started is not None
        found[(row.target, row.cycle)] = Expected(
            policy=row.policy.name,
            budget=row.budget_seconds // 60,
            started=started,
            due=minutes(row.due_at),
            warn=minutes(row.warn_at),
            achieved=minutes(row.achieved_at),
            warned=minutes(row.warned_at),
            breached=minutes(row.breached_at),
        )
    return found


def run(
    case: Case,
    *,
    customer: Customer,
    agent: User,
    calendar: Calendar | None,
    open_minutes: tuple[bool, ...],
) -> None:
    for draw in case.policies:
        sla_policy_create(
            name=draw.name,
            position=list(POLICY_PRIORITIES).index(draw.name) + 1,
            priorities=POLICY_PRIORITIES[draw.name],
            first_response_seconds=draw.budgets[FIRST] * 60,
            next_reply_seconds=draw.budgets[NEXT] * 60,
            resolution_seconds=draw.budgets[RESOLUTION] * 60,
            warn_before_seconds=draw.warn_before * 60,
            business_hours=calendar is not None,
            calendar=calendar,
            pause_on_pending="pending" in draw.paused,
            pause_on_hold="on_hold" in draw.paused,
        )
    start = BASE + timedelta(minutes=case.opened)
    conversation = conversation_open(
        channel="email", customer=customer, body_text="Help", priority=case.priority, at=start
    )
    reference = Reference(
        policies={draw.name: draw for draw in case.policies},
        open_minutes=open_minutes,
        offset=case.opened,
        priority=case.priority,
    )
    sla_refresh(conversation_id=conversation.pk, now=start)
    reference.settle(0)
    assert stored(conversation, start) == reference.targets

    now = 0
    for number, (gap, op) in enumerate(case.steps, 1):
        now += gap
        at = start + timedelta(minutes=now)
        if apply(conversation, op, at, agent):
            reference.advance(now)
            kind, value = op
            if kind == "priority":
                assert value is not None
                before = reference.policy().name
                reference.priority = value
                if reference.policy().name != before:
                    unsettled = [
                        row
                        for row in reference.targets.values()
                        if row.achieved is None and row.breached is None
                    ]
                    event(f"policy changed with {'no ' if not unsettled else ''}open targets")
            elif kind in ("message", "reply"):
                reference.exchanges.append((now, kind == "message"))
            reference.status = Conversation.objects.get(pk=conversation.pk).status
        sla_refresh(conversation_id=conversation.pk, now=at)
        reference.advance(now)
        reference.settle(now)
        assert stored(conversation, start) == reference.targets, (
            f"after step {number} ({op} at minute {now})"
        )
    report(reference)


def report(reference: Reference) -> None:
    """What the example covered (``--hypothesis-show-statistics`` lists it)."""
    current = reference.policy().name
    for row in reference.targets.values():
        outcome = "open" if row.achieved is None else "met"
        outcome = "breached" if row.breached is not None else outcome
        whose = "the current" if row.policy == current else "an earlier"
        event(f"{outcome} target under {whose} policy")
        if row.warned is not None:
            event("warned")
        if row.due is None:
            event(f"{outcome} without due time")


@pytest.fixture
def weekday_hours(db: None) -> Calendar:
    return calendar_create(
        name="Weekdays 9 to 5",
        time_zone="Europe/Berlin",
        intervals=[(day, time(9), time(17)) for day in range(5)],
    )


@SETTINGS
@given(case=cases(opened_within=3 * 24 * 60, longest_gap=12 * 60))
def test_calendar_time_due_times_follow_the_priority_as_a_minute_walk_says(
    case: Case, customer: Customer, agent: User
) -> None:
    with rolled_back():
        run(case, customer=customer, agent=agent, calendar=None, open_minutes=CALENDAR_TIME)


@SETTINGS
@given(case=cases(opened_within=5 * 24 * 60, longest_gap=30 * 60))
def test_business_hours_due_times_follow_the_priority_over_several_days(
    case: Case, customer: Customer, agent: User, weekday_hours: Calendar
) -> None:
    with rolled_back():
        run(
            case,
            customer=customer,
            agent=agent,
            calendar=weekday_hours,
            open_minutes=business_minutes(),
        )
