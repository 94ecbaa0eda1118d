""" "What would fire for conversation X": every rule's verdict, condition by condition.

A read: nothing is changed and nothing is logged. The admin and the API show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from concord.accounts.selectors import team_by_slug
from concord.automations.models import ActionKind, TimeRule, TimeRuleRun, TriggerEvent
from concord.automations.rules import (
    CompiledAction,
    CompiledRule,
    Facts,
    condition_holds,
    rule_matches,
)
from concord.automations.selectors import (
    EVENT_MAP,
    active_time_rules,
    active_triggers,
    facts_for,
)
from concord.automations.services.time_rules import waited_business
from concord.automations.templating import render, template_context
from concord.collaboration.selectors import consult_open_to_team
from concord.common.errors import ValidationFailed
from concord.conversations.models import Conversation, Event
from concord.conversations.selectors.facts import (
    conversation_with_context,
    conversations_in_status_since,
    latest_event_of_kinds,
)


@dataclass(frozen=True)
class ConditionVerdict:
    text: str
    holds: bool


@dataclass(frozen=True)
class RuleVerdict:
    kind: str  # "trigger" or "time rule"
    id: int
    name: str
    listens: bool  # the trigger listens to the event asked about / the time rule's status applies
    matches: bool  # conditions hold
    would_fire: bool
    conditions: list[ConditionVerdict]
    actions: list[str]
    note: str = ""


@dataclass(frozen=True)
class DryRun:
    conversation: Conversation
    event_name: str
    event: Event | None
    verdicts: list[RuleVerdict]


def _conditions(rule: CompiledRule, facts: Facts) -> list[ConditionVerdict]:
    return [
        ConditionVerdict(text=c.describe(), holds=condition_holds(c, facts))
        for c in rule.conditions
    ]


def _actions(
    rule: CompiledRule, conversation: Conversation, context: dict[str, object]
) -> list[str]:
    return [_action(action, conversation, context) for action in rule.actions]


def _action(action: CompiledAction, conversation: Conversation, context: dict[str, object]) -> str:
    if action.kind == ActionKind.CONSULT:
        return _consult_action(action, conversation, context)
    label = ActionKind(action.kind).label.split(" (")[0]
    return f"{label}: {action.target or action.text[:60]}".rstrip(": ")


def _consult_action(
    action: CompiledAction, conversation: Conversation, context: dict[str, object]
) -> str:
    """The team and the question as it would be asked, and whether one is open already."""
    try:
        question = render(action.text, context)
    except ValidationFailed as error:
        question = error.message
    line = f"Consult {action.target}: “{question[:120]}”"
    team = team_by_slug(slug=action.target)
    if team is None:
        return f"{line} (no team has this slug: it would fail)"
    if consult_open_to_team(conversation_id=conversation.pk, team_id=team.pk) is not None:
        return f"{line} (not asked again: a consult to {team.name} is open)"
    return line


def dry_run(*, conversation_id: int, event_name: str, now: datetime | None = None) -> DryRun | None:
    """Each active trigger's verdict for ``event_name`` (a TriggerEvent) and each time rule's."""
    conversation = conversation_with_context(conversation_id=conversation_id)
    if conversation is None:
        return None
    moment = now or timezone.now()
    kinds = [kind for kind, name in EVENT_MAP.items() if name == event_name]
    event = latest_event_of_kinds(conversation_id=conversation_id, kinds=kinds) if kinds else None
    facts = facts_for(conversation=conversation, event=event)
    context = template_context(conversation=conversation, event=event)
    plain_context = template_context(conversation=conversation, event=None)
    verdicts: list[RuleVerdict] = []
    for rule in active_triggers():
        listens = event_name in rule.events
        matches = rule_matches(rule, facts)
        verdicts.append(
            RuleVerdict(
                kind="trigger",
                id=rule.id,
                name=rule.name,
                listens=listens,
                matches=matches,
                would_fire=listens and matches,
                conditions=_conditions(rule, facts),
                actions=_actions(rule, conversation, context),
                note="" if listens else f"does not listen to “{TriggerEvent(event_name).label}”",
            )
        )
    plain = facts_for(conversation=conversation)
    for time_rule, compiled in active_time_rules():
        verdicts.append(
            _time_verdict(time_rule, compiled, conversation, plain, moment, plain_context)
        )
    return DryRun(conversation=conversation, event_name=event_name, event=event, verdicts=verdicts)


def _time_verdict(
    rule: TimeRule,
    compiled: CompiledRule,
    conversation: Conversation,
    facts: Facts,
    now: datetime,
    context: dict[str, object],
) -> RuleVerdict:
    listens = conversation.status == rule.status
    note = f"applies to {rule.status} conversations; this one is {conversation.status}"
    due = False
    if listens:
        since = _stay_began(conversation)
        if since is None:
            note = "no time in this status recorded"
        else:
            if rule.business_hours:
                due = waited_business(
                    rule=rule, conversation=conversation, since=since, now=now, schedules={}
                )
            else:
                due = (now - since).total_seconds() >= rule.after_seconds
            counted = " of business hours" if rule.business_hours else ""
            note = (
                f"in {rule.status} since {since:%Y-%m-%d %H:%M} UTC; fires after "
                f"{_duration(rule.after_seconds)}{counted}"
            )
            if TimeRuleRun.objects.filter(
                rule=rule, conversation_id=conversation.pk, since=since
            ).exists():
                due = False
                note += "; already fired for this stay"
            elif not due:
                note += "; not yet"
    matches = rule_matches(compiled, facts)
    return RuleVerdict(
        kind="time rule",
        id=rule.pk,
        name=rule.name,
        listens=listens,
        matches=matches,
        would_fire=listens and matches and due,
        conditions=_conditions(compiled, facts),
        actions=_actions(compiled, conversation, context),
        note=note,
    )


def _stay_began(conversation: Conversation) -> datetime | None:
    rows = conversations_in_status_since(
        status=conversation.status,
        entered_before=timezone.now() + timedelta(days=3650),
        after_id=conversation.pk - 1,
        limit=1,
    )
    return rows[0][1] if rows and rows[0][0] == conversation.pk else None


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} day(s)"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hour(s)"
    return f"{seconds // 60} minute(s)"
