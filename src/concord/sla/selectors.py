"""Reads for SLAs: which policy applies, a conversation's clock facts, targets to show."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery

from concord.accounts.models import Team
from concord.accounts.services import SYSTEM_USERNAME
from concord.calendars.businesstime import Schedule
from concord.calendars.models import Calendar
from concord.calendars.selectors import calendar_schedule
from concord.conversations.models import Conversation, Event, EventKind
from concord.sla.clock import Log, Rules, Spec, compute
from concord.sla.models import SlaPolicy, SlaState, SlaTarget, TargetKind


@dataclass(frozen=True)
class Subject:
    """What policies match on and clocks run by, for one conversation."""

    conversation_id: int
    status: str
    priority: str
    channel: str
    team_id: int | None
    team_calendar_id: int | None
    organization_id: int | None
    tiers: frozenset[str]  # the customer's and their organization's
    log: Log


# The events that move a clock. Events a merge brought in belong to the other
# conversation's clocks, so they are left out (``merged_from`` is set on them).
_CLOCK_EVENTS = (
    EventKind.CREATED,
    EventKind.MESSAGE_RECEIVED,
    EventKind.REPLIED,
    EventKind.STATUS_CHANGED,
    EventKind.MERGED,
)


def sla_subject(*, conversation_id: int) -> Subject | None:
    """The conversation's facts for SLAs (two queries); None when it does not exist.

    This reads the conversations app's tables without an access rule: the
    clocks are system work, like routing a channel's message.
    """
    row = (
        Conversation.objects.filter(pk=conversation_id)
        .values_list(
            "status",
            "priority",
            "channel",
            "team_id",
            "team__calendar_id",
            "customer__tier",
            "customer__organization_id",
            "customer__organization__tier",
            "created_at",
            "updated_at",
        )
        .first()
    )
    if row is None:
        return None
    status, priority, channel, team_id, calendar_id, tier, org_id, org_tier = row[:8]
    created_at, updated_at = row[8:]
    events = (
        Event.objects.filter(
            conversation_id=conversation_id, kind__in=_CLOCK_EVENTS, merged_from__isnull=True
        )
        # A templated email an automation sends is not an agent's answer.
        .exclude(kind=EventKind.REPLIED, actor_user__username=SYSTEM_USERNAME)
        .order_by("created_at", "id")
        .values_list("kind", "old_value", "new_value", "created_at")
    )
    log = _log(
        events=list(events),
        created_at=created_at,
        status=status,
        updated_at=updated_at,
    )
    return Subject(
        conversation_id=conversation_id,
        status=status,
        priority=priority,
        channel=channel,
        team_id=team_id,
        team_calendar_id=calendar_id,
        organization_id=org_id,
        tiers=frozenset(t for t in (tier, org_tier) if t),
        log=log,
    )


def _log(
    *,
    events: Sequence[tuple[str, str, str, datetime]],
    created_at: datetime,
    status: str,
    updated_at: datetime,
) -> Log:
    statuses: list[tuple[datetime, str]] = []
    exchanges: list[tuple[datetime, bool]] = []
    start = created_at
    for kind, old, new, at in events:
        if kind == EventKind.CREATED:
            start = min(start, at)
        elif kind in (EventKind.STATUS_CHANGED, EventKind.MERGED):
            if not statuses:
                statuses.append((start, old or "new"))
            # A merge closes the source without a status event of its own.
            statuses.append((at, new if kind == EventKind.STATUS_CHANGED else "closed"))
        else:
            exchanges.append((at, kind == EventKind.MESSAGE_RECEIVED))
    if not statuses:
        statuses.append((start, "new"))
    # Rows written without events (imports) still end in the status they show.
    if statuses[-1][1] != status:
        statuses.append((max(updated_at, statuses[-1][0]), status))
    return Log(created_at=start, statuses=statuses, exchanges=exchanges)


# Policies and schedules are read on every refresh but change rarely: each
# process keeps them for a minute at most. Policies are also re-read as soon
# as one is added, removed or saved (their count and newest ``updated_at``);
# calendar hours edited in the admin reach the clocks within the minute.
CACHE_SECONDS = 60.0
_policy_cache: tuple[float, tuple[int, datetime | None], list[SlaPolicy]] | None = None
_schedule_cache: dict[tuple[object, ...], tuple[float, Schedule]] = {}


def sla_forget_cached() -> None:
    """Drop this process's kept policies and schedules (after hours or a policy changed)."""
    global _policy_cache
    _policy_cache = None
    _schedule_cache.clear()


def sla_policies_active() -> list[SlaPolicy]:
    """Active policies in the order they are tried, with their team and organization ids."""
    global _policy_cache
    found = SlaPolicy.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    stamp = (int(found["n"] or 0), found["last"])
    cached = _policy_cache
    if cached is not None and cached[1] == stamp and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[2]
    policies = list(
        SlaPolicy.objects.filter(is_active=True)
        .order_by("position", "id")
        .prefetch_related("teams", "organizations")
    )
    _policy_cache = (time.monotonic(), stamp, policies)
    return policies


def policy_matches(*, policy: SlaPolicy, subject: Subject) -> bool:
    if policy.priorities and subject.priority not in policy.priorities:
        return False
    if policy.channels and subject.channel not in policy.channels:
        return False
    if policy.customer_tiers and not subject.tiers.intersection(policy.customer_tiers):
        return False
    teams = {t.pk for t in policy.teams.all()}
    if teams and subject.team_id not in teams:
        return False
    organizations = {o.pk for o in policy.organizations.all()}
    return not organizations or subject.organization_id in organizations


def sla_policy_for(*, subject: Subject, policies: Sequence[SlaPolicy]) -> SlaPolicy | None:
    """The first of ``policies`` (in position order) whose conditions the subject meets."""
    return next((p for p in policies if policy_matches(policy=p, subject=subject)), None)


def sla_policy_conditions(*, policy: SlaPolicy) -> str:
    """What the policy applies to, in a line ("urgent, high; Support"); prefetch teams and orgs."""
    parts = [
        ", ".join(str(v) for v in values)
        for values in (
            policy.priorities,
            policy.channels,
            policy.customer_tiers,
            [t.name for t in policy.teams.all()],
            [o.name for o in policy.organizations.all()],
        )
        if values
    ]
    return "; ".join(parts) or "any conversation"


def sla_policy_time_basis(*, policy: SlaPolicy) -> str:
    """Which clock the policy's targets count, in plain words, naming the gaps.

    Business hours without a calendar on the policy fall back to each
    conversation's team calendar, and a team without one counts round the
    clock (a clock must always end). The admin shows this on the policy, so
    that fallback is never a surprise.
    """
    if not policy.business_hours:
        return "Round the clock (calendar time)."
    if policy.calendar_id is not None and policy.calendar is not None:
        calendar = policy.calendar
        return f"Business hours of the calendar “{calendar.name}” ({calendar.time_zone})."
    limited = list(policy.teams.all()) if policy.pk else []
    teams = limited or list(Team.objects.select_related("calendar").order_by("name"))
    covered = [f"{t.name}: “{t.calendar.name}”" for t in teams if t.calendar is not None]
    bare = [t.name for t in teams if t.calendar is None]
    parts = ["Business hours of each conversation's team calendar"]
    parts.append(f" ({'; '.join(covered)})." if covered else ".")
    gaps = ", ".join(bare)
    who = f"conversations of {gaps}" if bare else ""
    if not limited:
        who = f"{who} and conversations without a team" if who else "conversations without a team"
    if who:
        parts.append(
            f" Round the clock for {who}: no calendar applies to them. Pick a calendar "
            "here, or give those teams one."
        )
    return "".join(parts)


def sla_schedule(*, policy: SlaPolicy, subject: Subject) -> Schedule | None:
    """The business hours the policy counts in; None for calendar time.

    The policy's own calendar, else the team's; no calendar (or one with no
    opening hours at all) counts calendar time, so a clock always ends.
    """
    if not policy.business_hours:
        return None
    calendar_id = policy.calendar_id or subject.team_calendar_id
    if calendar_id is None:
        return None
    calendar = Calendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        return None
    key = (
        calendar.pk,
        calendar.created_at,
        calendar.time_zone,
        calendar.holiday_country,
        calendar.holiday_subdivision,
    )
    cached = _schedule_cache.get(key)
    if cached is None or time.monotonic() - cached[0] >= CACHE_SECONDS:
        if len(_schedule_cache) > 100:
            _schedule_cache.clear()
        # A kept schedule also keeps its worked-out days, which is most of the saving.
        cached = _schedule_cache[key] = (time.monotonic(), calendar_schedule(calendar=calendar))
    schedule = cached[1]
    return None if schedule.is_empty else schedule


_TARGETS = ("first_response", "next_reply", "resolution")


def sla_rules(*, policy: SlaPolicy, subject: Subject) -> Rules:
    """The clock rules ``policy`` sets for ``subject``: budgets, pauses and hours."""
    paused = frozenset(
        status
        for status, flag in (
            ("pending", policy.pause_on_pending),
            ("on_hold", policy.pause_on_hold),
        )
        if flag
    )
    return Rules(
        budgets={target: policy.budget(target) for target in _TARGETS},
        warn_before=policy.warn_before_seconds,
        paused=paused,
        schedule=sla_schedule(policy=policy, subject=subject),
    )


def sla_specs(*, policy: SlaPolicy | None, subject: Subject) -> list[Spec]:
    """Every target ``policy`` gives the subject now, from its log (none without a policy)."""
    if policy is None:
        return []
    return compute(log=subject.log, rules=sla_rules(policy=policy, subject=subject))


@dataclass(frozen=True)
class TargetView:
    target: str
    label: str
    cycle: int
    due_at: datetime | None
    achieved_at: datetime | None
    breached_at: datetime | None
    warned_at: datetime | None

    @property
    def state(self) -> str:
        """met, breached (late or still open past due), paused or running."""
        if self.breached_at is not None:
            return "breached"
        if self.achieved_at is not None:
            return "met"
        return "paused" if self.due_at is None else "running"


_LABELS = dict(TargetKind.choices)


def sla_targets_for(*, conversation_id: int) -> list[TargetView]:
    """The conversation's first response, resolution and latest next-reply clocks.

    Earlier next-reply cycles are history (metrics read them); the page shows
    the one that matters now, plus any earlier cycle that was breached.
    """
    rows = list(
        SlaTarget.objects.filter(conversation_id=conversation_id).order_by(
            "started_at", "cycle", "id"
        )
    )
    last_cycle = max((r.cycle for r in rows if r.target == TargetKind.NEXT_REPLY), default=0)
    return [
        TargetView(
            target=r.target,
            label=_LABELS.get(r.target, r.target)
            + (f" #{r.cycle}" if r.target == TargetKind.NEXT_REPLY else ""),
            cycle=r.cycle,
            due_at=r.due_at,
            achieved_at=r.achieved_at,
            breached_at=r.breached_at,
            warned_at=r.warned_at,
        )
        for r in rows
        if r.target != TargetKind.NEXT_REPLY or r.cycle == last_cycle or r.breached_at
    ]


def sla_targets_open() -> QuerySet[SlaTarget]:
    """Running clocks that have not been met or breached (for admin and reports)."""
    return SlaTarget.objects.filter(
        achieved_at__isnull=True, breached_at__isnull=True, due_at__isnull=False
    )


def sla_unsolved_conversation_ids() -> list[int]:
    """Every conversation whose clocks may still run (new, open, pending, on hold), unmerged."""
    return list(
        Conversation.objects.filter(
            status__in=("new", "open", "pending", "on_hold"), merged_into__isnull=True
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


# A view with at most this many running clocks is sorted whole; a larger one
# is read off the due-time index (its rows are dense there, so a page is found
# after a short walk, where a narrow view would make the walk cover them all).
NARROW_VIEW = 500


def sla_due_page(
    *, conversations: QuerySet[Conversation], after: tuple[datetime, int] | None, limit: int
) -> list[tuple[int, datetime]]:
    """(conversation id, earliest running due time) of ``conversations``, soonest first.

    ``after`` is the last (due, id) seen. Two queries, neither of which sorts
    a large view: a probe for the view's ``NARROW_VIEW + 1``-th running clock,
    then either the page sorted in SQL (a narrow view) or a walk of the partial
    index of due times in order, checking each against ``conversations`` by
    primary key (a wide one, whose matches come soon in that walk).
    """
    running = SlaState.objects.filter(conversation_id=OuterRef("pk"), next_due_at__isnull=False)
    with_due = conversations.filter(Exists(running)).order_by()
    if not with_due[NARROW_VIEW : NARROW_VIEW + 1].exists():
        # Few enough to sort in SQL: no walk over everyone else's clocks.
        due = Subquery(running.values("next_due_at")[:1])
        page = with_due.annotate(sla_due=due)
        if after is not None:
            stamp, pk = after
            page = page.filter(Q(sla_due__gt=stamp) | Q(sla_due=stamp, pk__gt=pk))
        found = page.order_by("sla_due", "pk").values_list("pk", "sla_due")[:limit]
        return [(pk, at) for pk, at in found if at is not None]
    states = SlaState.objects.filter(next_due_at__isnull=False).filter(
        Exists(conversations.filter(pk=OuterRef("conversation_id")))
    )
    if after is not None:
        stamp, pk = after
        states = states.filter(
            Q(next_due_at__gt=stamp) | Q(next_due_at=stamp, conversation_id__gt=pk)
        )
    rows = states.order_by("next_due_at", "conversation_id").values_list(
        "conversation_id", "next_due_at"
    )[:limit]
    return [(pk, at) for pk, at in rows if at is not None]


def sla_without_due() -> Q:
    """A filter for conversations with no running due time (no clock, all paused or met)."""
    return ~Q(
        Exists(SlaState.objects.filter(conversation_id=OuterRef("pk"), next_due_at__isnull=False))
    )
