"""The automation pipeline: what happens after a conversation change has committed.

For each committed change, in this order:
1. routing triage, when the conversation was just created (rules, classifier);
2. automatic assignment, when it sits in a team queue without an assignee;
3. the SLA clocks, recomputed from the event log;
4. triggers, in their admin order, for each event of the change.

Each step is idempotent, so a task that runs twice (a killed worker, a retry)
changes nothing the second time. A trigger fires at most once per event (the
run log's unique key, written with its actions) and at most once per causal
chain: if its own actions lead back to it, the loop guard stops it and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.conf import settings
from django.utils import timezone

from concord.accounts.services import system_user_get
from concord.automations.context import caused_by
from concord.automations.models import Outcome, TriggerRun
from concord.automations.rules import CONSULT_FIELDS, CompiledRule, rule_matches, rules_use
from concord.automations.selectors import active_triggers, facts_for_id, trigger_event_for
from concord.automations.services.actions import ActionContext
from concord.automations.services.firing import fire_once, record_outcome
from concord.conversations.models import Event, EventKind
from concord.conversations.selectors.facts import conversation_with_context, events_by_ids

logger = logging.getLogger("concord.automations")

# Changes after which a conversation may need an agent picked from its team.
_ASSIGN_AFTER = frozenset({EventKind.CREATED, EventKind.TEAM_CHANGED, EventKind.REOPENED})


def change_process(*, conversation_id: int, event_ids: Sequence[int], chain: Sequence[str]) -> None:
    """Run the pipeline for one committed change (called by the task)."""
    events = events_by_ids(conversation_id=conversation_id, event_ids=event_ids)
    if not events:
        return  # rolled back, or a merge moved them: nothing to act on
    kinds = {event.kind for event in events}
    chain = tuple(chain)
    with caused_by(chain):
        if EventKind.CREATED in kinds:
            _step("routing triage", conversation_id, _triage)
        if kinds & _ASSIGN_AFTER:
            _step("assignment", conversation_id, _assign)
        _step("SLA refresh", conversation_id, _sla)
    triggers_run(conversation_id=conversation_id, events=events, chain=chain)
    # Last, so a trigger that tags a conversation as spam or reopens it counts.
    if EventKind.STATUS_CHANGED in kinds:
        with caused_by(chain):
            _step("surveys", conversation_id, _surveys)


def _triage(conversation_id: int) -> None:
    from concord.routing.services import routing_triage

    routing_triage(conversation_id=conversation_id)


def _assign(conversation_id: int) -> None:
    from concord.routing.services import routing_assign

    routing_assign(conversation_id=conversation_id)


def _sla(conversation_id: int) -> None:
    from concord.sla.services import sla_refresh

    sla_refresh(conversation_id=conversation_id)


def _surveys(conversation_id: int) -> None:
    from concord.surveys.services import survey_on_conversation_change

    survey_on_conversation_change(
        conversation_id=conversation_id, event_kinds={EventKind.STATUS_CHANGED}
    )


def _step(name: str, conversation_id: int, run: Callable[[int], None]) -> None:
    # One step failing (a bad rule, a bug) must not keep the others from running.
    try:
        run(conversation_id)
    except Exception:
        logger.exception("Automation step %s failed for conversation %s.", name, conversation_id)


def triggers_run(*, conversation_id: int, events: Sequence[Event], chain: Sequence[str]) -> int:
    """Evaluate the active triggers against each event; returns how many fired."""
    rules = active_triggers()
    if not rules:
        return 0
    fired = 0
    consults = rules_use(rules, CONSULT_FIELDS)
    for event in events:
        loaded = facts_for_id(conversation_id=conversation_id, event=event, consults=consults)
        if loaded is None or loaded.merged:
            return fired
        listened = trigger_event_for(event, first_message_id=loaded.first_message_id)
        if listened is None:
            continue
        for rule in rules:
            if listened not in rule.events or not rule_matches(rule, loaded.facts):
                continue
            if _fire(rule=rule, event=event, chain=tuple(chain)):
                fired += 1
                # Later rules see what this one changed.
                loaded = facts_for_id(
                    conversation_id=conversation_id, event=event, consults=consults
                )
                if loaded is None or loaded.merged:
                    return fired
    return fired


def _fire(*, rule: CompiledRule, event: Event, chain: tuple[str, ...]) -> bool:
    """Run a matching rule's actions once for this event; False if it did not fire."""
    key = f"trigger:{rule.id}"

    def write(outcome: str, detail: str) -> TriggerRun:
        return TriggerRun.objects.create(
            trigger_id=rule.id,
            event_id=event.pk,
            conversation_id=event.conversation_id,
            outcome=outcome,
            detail=detail,
            created_at=timezone.now(),
        )

    if key in chain or len(chain) >= settings.CONCORD_AUTOMATION_MAX_CHAIN:
        reason = (
            f"it already fired earlier in this chain ({' > '.join(chain)})"
            if key in chain
            else f"the chain is {len(chain)} automations long ({' > '.join(chain)})"
        )
        logger.warning(
            "Loop guard: trigger %s %r not fired for conversation %s on event %s: %s.",
            rule.id,
            rule.name,
            event.conversation_id,
            event.pk,
            reason,
        )
        record_outcome(write=write, outcome=Outcome.LOOP_GUARD, detail=reason)
        return False
    conversation = conversation_with_context(conversation_id=event.conversation_id)
    if conversation is None:
        return False
    done = fire_once(
        label=f"Trigger {rule.id} {rule.name!r} on {event.kind}",
        chain=(*chain, key),
        write=write,
        ctx=ActionContext(
            conversation=conversation,
            event=event,
            actor=system_user_get(),
            dedupe=f"t{rule.id}:e{event.pk}",
            rule_name=rule.name,
        ),
        actions=rule.actions,
        # The task fails visibly; with no run row, running it again can still fire.
        reraise_database_errors=True,
    )
    return done is not None
