"""Policy preview: which policy a conversation would get, and the due times it would give.

The SLA counterpart of the triggers' dry run. It runs the same code as a live
conversation (``sla_policy_for``, ``sla_rules``, the pure clock) on a made-up
one that arrives at the chosen moment, so what the preview says is what the
clocks will do. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from concord.accounts.models import Team
from concord.calendars.businesstime import Schedule
from concord.calendars.models import Calendar
from concord.common.durations import describe_duration
from concord.sla.clock import Log, compute
from concord.sla.models import SlaPolicy, TargetKind
from concord.sla.selectors import Subject, policy_matches, sla_policies_active, sla_rules

# Working hours are listed day by day up to the last due time, but never more
# days than this (a resolution target of weeks in calendar time would flood the page).
MAX_DAYS_LISTED = 31


@dataclass(frozen=True)
class PreviewDue:
    label: str
    budget: str  # in words
    due_at: datetime
    warn_at: datetime | None


@dataclass(frozen=True)
class PreviewDay:
    day: date
    open_from_to: list[tuple[datetime, datetime]]  # in the calendar's zone, clipped to the window
    closed_because: str  # holiday or closed-date name; "" when simply not a working day


@dataclass(frozen=True)
class Preview:
    moment: datetime
    policy: SlaPolicy | None
    passed_over: list[tuple[SlaPolicy, str]]  # earlier policies and the condition that failed
    time_counted: str
    dues: list[PreviewDue]
    days: list[PreviewDay]
    days_cut: bool  # True when the window ran past MAX_DAYS_LISTED
    zone: str  # the calendar's zone, in which the working hours are listed; "" without one


def _mismatch(*, policy: SlaPolicy, subject: Subject) -> str:
    """The first condition of ``policy`` that ``subject`` fails, in words."""
    if policy.priorities and subject.priority not in policy.priorities:
        return f"priority is not {' or '.join(policy.priorities)}"
    if policy.channels and subject.channel not in policy.channels:
        return f"channel is not {' or '.join(policy.channels)}"
    if policy.customer_tiers and not subject.tiers.intersection(policy.customer_tiers):
        return f"customer tier is not {' or '.join(policy.customer_tiers)}"
    teams = [t.name for t in policy.teams.all()]
    if teams and subject.team_id not in {t.pk for t in policy.teams.all()}:
        return f"team is not {' or '.join(teams)}"
    return "only for some organizations"


def _time_counted(*, policy: SlaPolicy, team: Team | None, schedule: Schedule | None) -> str:
    if not policy.business_hours:
        return "Round the clock: the policy counts calendar time."
    if schedule is None:
        whose = f"the team {team.name}" if team is not None else "a conversation without a team"
        return (
            f"Round the clock: the policy counts business hours, but neither it nor {whose} "
            "has a calendar with opening hours. Pick a calendar on the policy or the team."
        )
    calendar = policy.calendar if policy.calendar_id else (team.calendar if team else None)
    name = calendar.name if isinstance(calendar, Calendar) else "?"
    source = "the policy's" if policy.calendar_id else "the team's"
    return f"Business hours of {source} calendar “{name}” ({schedule.tz.key})."


def sla_preview(
    *,
    moment: datetime,
    priority: str,
    channel: str,
    team: Team | None = None,
    tier: str = "",
    policies: Sequence[SlaPolicy] | None = None,
) -> Preview:
    """What a conversation arriving at ``moment`` with these facts would be given."""
    moment = moment.astimezone(UTC)
    subject = Subject(
        conversation_id=0,
        status="new",
        priority=priority,
        channel=channel,
        team_id=team.pk if team else None,
        team_calendar_id=team.calendar_id if team else None,
        organization_id=None,
        tiers=frozenset({tier} if tier else ()),
        log=Log(created_at=moment, statuses=[(moment, "new")], exchanges=[]),
    )
    candidates = list(sla_policies_active() if policies is None else policies)
    passed_over: list[tuple[SlaPolicy, str]] = []
    chosen = None
    for policy in candidates:
        if policy_matches(policy=policy, subject=subject):
            chosen = policy
            break
        passed_over.append((policy, _mismatch(policy=policy, subject=subject)))
    if chosen is None:
        return Preview(
            moment=moment,
            policy=None,
            passed_over=passed_over,
            time_counted="No policy applies: such a conversation has no due times.",
            dues=[],
            days=[],
            days_cut=False,
            zone="",
        )
    rules = sla_rules(policy=chosen, subject=subject)
    # A first reply at the moment and a customer message right after it start
    # a next-reply cycle then, so one walk gives all three targets.
    cycle_log = Log(
        created_at=moment, statuses=[(moment, "open")], exchanges=[(moment, False), (moment, True)]
    )
    specs = {s.target: s for s in compute(log=subject.log, rules=rules)}
    specs.update(
        {s.target: s for s in compute(log=cycle_log, rules=rules) if s.target == "next_reply"}
    )
    labels = dict(TargetKind.choices)
    dues = [
        PreviewDue(
            label=labels[target],
            budget=describe_duration(spec.budget),
            due_at=spec.due_at,
            warn_at=spec.warn_at,
        )
        for target in ("first_response", "next_reply", "resolution")
        if (spec := specs.get(target)) is not None and spec.due_at is not None
    ]
    days, cut = _working_days(
        schedule=rules.schedule,
        start=moment,
        end=max((d.due_at for d in dues), default=moment),
    )
    return Preview(
        moment=moment,
        policy=chosen,
        passed_over=passed_over,
        time_counted=_time_counted(policy=chosen, team=team, schedule=rules.schedule),
        dues=dues,
        days=days,
        days_cut=cut,
        zone=rules.schedule.tz.key if rules.schedule is not None else "",
    )


def _working_days(
    *, schedule: Schedule | None, start: datetime, end: datetime
) -> tuple[list[PreviewDay], bool]:
    """The schedule's open hours from ``start`` to ``end``, one entry per local date."""
    if schedule is None:
        return [], False
    zone = schedule.tz
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    days: list[PreviewDay] = []
    day = first
    while day <= last and len(days) < MAX_DAYS_LISTED:
        pieces = []
        for lo, hi in schedule.day_pieces(day.toordinal()):
            begin = max(datetime.fromtimestamp(lo, UTC), start)
            finish = min(datetime.fromtimestamp(hi, UTC), end)
            if finish > begin:
                pieces.append((begin.astimezone(zone), finish.astimezone(zone)))
        reason = ""
        if not pieces and schedule.is_closed(day):
            reason = _closed_reason(schedule=schedule, day=day)
        days.append(PreviewDay(day=day, open_from_to=pieces, closed_because=reason))
        day += timedelta(days=1)
    return days, day <= last


def _closed_reason(*, schedule: Schedule, day: date) -> str:
    if day in schedule.closed_dates:
        return "closed date"
    getter = getattr(schedule.holidays, "get", None)
    name = getter(day) if callable(getter) else None
    return str(name) if name else "holiday"
