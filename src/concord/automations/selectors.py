"""Reads for automations: the active rules (cached per process), facts, the run log."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from concord.automations.models import (
    Field,
    TimeRule,
    Trigger,
    TriggerEvent,
    TriggerRun,
)
from concord.automations.rules import (
    CompiledAction,
    CompiledRule,
    Facts,
    compile_condition,
)
from concord.collaboration.selectors import consult_facts
from concord.conversations.models import Conversation, Event, EventKind
from concord.conversations.selectors.facts import conversation_rule_row, first_message
from concord.customers.models import IdentityKind

# Conversation event kinds -> what a trigger listens to. "reopened" is left out:
# the status change recorded with it is the event triggers see.
EVENT_MAP: dict[str, str] = {
    EventKind.CREATED: TriggerEvent.CREATED,
    EventKind.MESSAGE_RECEIVED: TriggerEvent.CUSTOMER_REPLIED,
    EventKind.REPLIED: TriggerEvent.AGENT_REPLIED,
    EventKind.NOTE_ADDED: TriggerEvent.NOTE_ADDED,
    EventKind.STATUS_CHANGED: TriggerEvent.STATUS_CHANGED,
    EventKind.ASSIGNED: TriggerEvent.ASSIGNED,
    EventKind.TEAM_CHANGED: TriggerEvent.TEAM_CHANGED,
    EventKind.PRIORITY_CHANGED: TriggerEvent.PRIORITY_CHANGED,
    EventKind.SLA_WARNING: TriggerEvent.SLA_WARNING,
    EventKind.SLA_BREACHED: TriggerEvent.SLA_BREACHED,
    EventKind.SURVEY_ANSWERED: TriggerEvent.SURVEY_ANSWERED,
}


@dataclass
class _Cache:
    key: tuple[object, ...] | None = None
    rules: list[CompiledRule] | None = None


_lock = threading.Lock()
_caches: dict[str, _Cache] = {"trigger": _Cache(), "time_rule": _Cache()}


def _version(model: type[Trigger] | type[TimeRule]) -> tuple[object, ...]:
    # One cheap query decides whether the compiled rules are still current: an
    # edit bumps updated_at, a deletion changes the count. Hand-written because
    # it runs for every event and the ORM's aggregate costs ~20x the query.
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), max(updated_at), max(id) FROM {table}")  # noqa: S608
        row = cursor.fetchone()
    return tuple(row)


def _compile(rule: Trigger | TimeRule, events: frozenset[str]) -> CompiledRule:
    return CompiledRule(
        id=rule.pk,
        name=rule.name,
        match=rule.match,
        conditions=tuple(
            compile_condition(field_name=c.field, operator=c.operator, value=c.value)
            for c in rule.conditions.all()
        ),
        actions=tuple(
            CompiledAction(kind=a.kind, target=a.target.strip(), text=a.text)
            for a in rule.actions.all()
        ),
        events=events,
    )


def active_triggers() -> list[CompiledRule]:
    """Active triggers in order, compiled; rebuilt only when a trigger changed."""
    cache = _caches["trigger"]
    key = _version(Trigger)
    with _lock:
        if cache.key == key and cache.rules is not None:
            return cache.rules
    triggers = Trigger.objects.filter(is_active=True).prefetch_related("conditions", "actions")
    rules = [_compile(t, frozenset(t.events or [])) for t in triggers.order_by("position", "id")]
    with _lock:
        cache.key, cache.rules = key, rules
    return rules


def active_time_rules() -> list[tuple[TimeRule, CompiledRule]]:
    rules = TimeRule.objects.filter(is_active=True).prefetch_related("conditions", "actions")
    return [(rule, _compile(rule, frozenset())) for rule in rules.order_by("position", "id")]


def trigger_event_for(event: Event, *, first_message_id: int | None) -> str | None:
    """What a trigger would call this event; None if triggers ignore it.

    The customer's opening message is part of "created", not a reply.
    """
    if event.kind == EventKind.MESSAGE_RECEIVED and event.message_id == first_message_id:
        return None
    return EVENT_MAP.get(event.kind)


def facts_for(*, conversation: Conversation, event: Event | None = None) -> Facts:
    """The facts of a conversation loaded by ``conversation_with_context`` (consults included)."""
    customer = conversation.customer
    organization = customer.organization
    email = next(
        (i.normalized for i in customer.identities.all() if i.kind == IdentityKind.EMAIL), ""
    )
    row = {
        "status": conversation.status,
        "priority": conversation.priority,
        "channel": conversation.channel,
        "category": conversation.category,
        "team_slug": conversation.team.slug if conversation.team else "",
        "assignee_username": conversation.assignee.username if conversation.assignee else "",
        "subject": conversation.subject,
        "customer_tier": customer.tier,
        "organization_name": organization.name if organization else "",
        "customer_email": email,
    }
    tags = [tag.name for tag in conversation.tags.all()]
    return _facts(row=row, tags=tags, event=event, conversation_id=conversation.pk, consults=True)


def facts_for_id(
    *, conversation_id: int, event: Event | None = None, consults: bool = False
) -> RuleFacts | None:
    """Facts straight from two light queries: the engine's path for every event.

    ``consults``: also the conversation's consults (one more query), for rules
    with a condition on them (``rules_use(rules, CONSULT_FIELDS)``).
    """
    found = conversation_rule_row(conversation_id=conversation_id)
    if found is None:
        return None
    row, tags = found
    return RuleFacts(
        facts=_facts(
            row=row,
            tags=tags,
            event=event,
            conversation_id=conversation_id,
            consults=consults,
        ),
        merged=row["merged_into_id"] is not None,
        first_message_id=row["first_message_id"],
    )


@dataclass(frozen=True)
class RuleFacts:
    facts: Facts
    merged: bool
    first_message_id: int | None


def _facts(
    *,
    row: dict[str, Any],
    tags: list[str],
    event: Event | None,
    conversation_id: int,
    consults: bool,
) -> Facts:
    def text(key: str) -> str:
        return str(row.get(key) or "").lower()

    values = {
        "status": text("status"),
        "priority": text("priority"),
        "channel": text("channel"),
        "category": text("category"),
        "team": text("team_slug"),
        "assignee": text("assignee_username"),
        "subject": text("subject"),
        "customer_tier": text("customer_tier"),
        "organization": text("organization_name"),
        "customer_email": text("customer_email"),
        "message_text": "",
        "previous_value": "",
        "new_value": "",
        "sla_target": "",
        "survey_kind": "",
        "survey_score": "",
    }
    if event is not None:
        message = event.message
        if message is None and event.kind == EventKind.CREATED:
            # "Created" is about the request itself: its text is the opening message.
            message = first_message(conversation_id=conversation_id)
        if message is not None:
            values["message_text"] = message.body_text.lower()
        if event.kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACHED):
            values["sla_target"] = event.old_value.lower()
        elif event.kind == EventKind.SURVEY_ANSWERED:
            values["survey_kind"] = event.old_value.lower()
            values["survey_score"] = event.new_value
        else:
            values["previous_value"] = event.old_value.lower()
            values["new_value"] = event.new_value.lower()
    sets: dict[str, frozenset[str]] = {}
    if consults:
        found = consult_facts(conversation_id=conversation_id, now=timezone.now())
        sets = {Field.CONSULT_OPEN: found.open, Field.CONSULT_OVERDUE: found.overdue}
    return Facts(values=values, tags=frozenset(tags), sets=sets)


def trigger_runs(*, conversation_id: int, limit: int = 50) -> list[TriggerRun]:
    return list(
        TriggerRun.objects.filter(conversation_id=conversation_id)
        .select_related("trigger")
        .order_by("-created_at", "-id")[:limit]
    )
