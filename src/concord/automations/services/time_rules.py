"""Time rules: act on conversations that have waited in a status long enough.

Run by the worker's scheduler. A rule fires once per stay in the status (the
run log is keyed by rule, conversation and when the stay began), so running
the job again, or on two workers at once, does nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from concord.accounts.services import system_user_get
from concord.automations.models import Outcome, TimeRule, TimeRuleRun
from concord.automations.rules import CONSULT_FIELDS, CompiledRule, rule_matches, rules_use
from concord.automations.selectors import active_time_rules, facts_for_id
from concord.automations.services.actions import ActionContext
from concord.automations.services.firing import fire_once, record_outcome
from concord.calendars.businesstime import Schedule, business_seconds_between
from concord.calendars.selectors import calendar_schedule
from concord.conversations.models import Conversation
from concord.conversations.selectors.facts import (
    conversation_with_context,
    conversations_in_status_since,
)

logger = logging.getLogger("concord.automations")

_CHUNK = 500


def time_rules_run(*, now: datetime | None = None) -> int:
    """Fire every active time rule that is due; returns how many firings."""
    moment = now or timezone.now()
    fired = 0
    for rule, compiled in active_time_rules():
        try:
            fired += _run_rule(rule=rule, compiled=compiled, now=moment)
        except Exception:
            logger.exception("Time rule %s %r failed; the others go on.", rule.pk, rule.name)
    return fired


def _run_rule(*, rule: TimeRule, compiled: CompiledRule, now: datetime) -> int:
    # Business time never runs faster than the clock, so the calendar cut-off
    # finds every candidate; the business check then drops the early ones.
    entered_before = now - timedelta(seconds=rule.after_seconds)
    fired, after_id = 0, 0
    schedules: dict[int, Schedule] = {}
    while True:
        rows = conversations_in_status_since(
            status=rule.status, entered_before=entered_before, after_id=after_id, limit=_CHUNK
        )
        if not rows:
            return fired
        after_id = rows[-1][0]
        done = set(
            TimeRuleRun.objects.filter(
                rule=rule, conversation_id__in=[pk for pk, _ in rows]
            ).values_list("conversation_id", "since")
        )
        recent = _recent_firings(rule=rule, conversation_ids=[pk for pk, _ in rows], now=now)
        consults = rules_use([compiled], CONSULT_FIELDS)
        for conversation_id, since in rows:
            if (conversation_id, since) in done:
                continue
            # Conditions first, from two light queries; the full conversation only
            # for those that match.
            loaded = facts_for_id(conversation_id=conversation_id, consults=consults)
            if loaded is None or not rule_matches(compiled, loaded.facts):
                continue
            conversation = conversation_with_context(conversation_id=conversation_id)
            if conversation is None:
                continue
            if rule.business_hours and not waited_business(
                rule=rule, conversation=conversation, since=since, now=now, schedules=schedules
            ):
                continue
            if recent.get(conversation_id, 0) >= MAX_FIRINGS_PER_DAY:
                _stop_loop(rule=rule, conversation_id=conversation_id, since=since, now=now)
                continue
            if _fire(rule=rule, compiled=compiled, conversation=conversation, since=since, now=now):
                fired += 1


# A time rule fires once per stay in its status. A rule whose own consequences
# bring the conversation back into that status (a trigger that sets it pending
# again) would start a new stay each time and loop slowly, one email per run,
# out of reach of the trigger chain's guard; this cap stops it.
MAX_FIRINGS_PER_DAY = 3


def _recent_firings(
    *, rule: TimeRule, conversation_ids: list[int], now: datetime
) -> dict[int, int]:
    rows = (
        TimeRuleRun.objects.filter(
            rule=rule,
            conversation_id__in=conversation_ids,
            outcome=Outcome.FIRED,
            created_at__gte=now - timedelta(days=1),
        )
        .values("conversation_id")
        .annotate(n=Count("id"))
    )
    return {row["conversation_id"]: row["n"] for row in rows}


def _stop_loop(*, rule: TimeRule, conversation_id: int, since: datetime, now: datetime) -> None:
    reason = (
        f"it already fired {MAX_FIRINGS_PER_DAY} times for this conversation in the last "
        "24 hours: something puts the conversation back in this status each time"
    )
    logger.warning(
        "Loop guard: time rule %s %r not fired for conversation %s: %s.",
        rule.pk,
        rule.name,
        conversation_id,
        reason,
    )
    record_outcome(
        write=_writer(rule=rule, conversation_id=conversation_id, since=since, now=now),
        outcome=Outcome.LOOP_GUARD,
        detail=reason,
    )


def waited_business(
    *,
    rule: TimeRule,
    conversation: Conversation,
    since: datetime,
    now: datetime,
    schedules: dict[int, Schedule],
) -> bool:
    """Whether the stay has lasted ``after_seconds`` of the team calendar's business time."""
    calendar = conversation.team.calendar if conversation.team else None
    if calendar is None:
        return True  # no calendar: around the clock, already checked
    schedule = schedules.get(calendar.pk)
    if schedule is None:
        schedule = schedules[calendar.pk] = calendar_schedule(calendar=calendar)
    waited = business_seconds_between(schedule=schedule, start=since, end=now)
    return waited >= rule.after_seconds


def _fire(
    *,
    rule: TimeRule,
    compiled: CompiledRule,
    conversation: Conversation,
    since: datetime,
    now: datetime,
) -> bool:
    done = fire_once(
        label=f"Time rule {rule.pk} {rule.name!r}",
        chain=(f"time_rule:{rule.pk}",),
        write=_writer(rule=rule, conversation_id=conversation.pk, since=since, now=now),
        ctx=ActionContext(
            conversation=conversation,
            event=None,
            actor=system_user_get(),
            dedupe=f"r{rule.pk}:c{conversation.pk}:{int(since.timestamp())}",
            rule_name=rule.name,
        ),
        actions=compiled.actions,
        # Nothing recorded: the next run of the job tries this stay again.
        reraise_database_errors=False,
    )
    return done is not None


def _writer(
    *, rule: TimeRule, conversation_id: int, since: datetime, now: datetime
) -> Callable[[str, str], TimeRuleRun]:
    def write(outcome: str, detail: str) -> TimeRuleRun:
        return TimeRuleRun.objects.create(
            rule=rule,
            conversation_id=conversation_id,
            since=since,
            outcome=outcome,
            detail=detail,
            created_at=now,
        )

    return write
