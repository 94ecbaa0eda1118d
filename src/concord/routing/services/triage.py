"""Triage: when a conversation opens, decide its team, category, priority and tags.

In order:
1. Rules, by position: the *first* active rule whose conditions all hold applies
   its actions, and no later rule runs. First-match (rather than every match)
   keeps a decision explainable by one rule and makes the order in the admin
   the whole story; a catch-all rule with no conditions belongs last.
2. High-value customers: the priority is raised (one step, or to the configured
   level, never lowered), starting from what the rule set; a configured
   high-value queue team takes precedence over the rule's team.
3. The classifier fills what is still empty (no category; no team) and only
   when its probability reaches the configured threshold. It never overrides a
   rule or a value the conversation already has.

Every step writes through the conversation services as the system user, so the
event log says who changed what; the ``RoutingDecision`` row says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.accounts.selectors import team_get
from concord.accounts.services import system_user_get
from concord.conversations.models import Conversation, Status
from concord.conversations.selectors import conversation_find
from concord.conversations.services import (
    conversation_assign,
    conversation_set_category,
    conversation_set_priority,
    conversation_tag,
)
from concord.customers.models import Tier
from concord.routing import classifier, selectors
from concord.routing.models import RoutingDecision, TriageRule
from concord.routing.services.agents import split_words

_TIER_RANK: dict[str, int] = {Tier.STANDARD: 0, Tier.PREMIUM: 1, Tier.VIP: 2}


def effective_tier(*, customer_tier: str, organization_tier: str | None) -> str:
    """The higher of the customer's tier and their organization's.

    A standard contact at a VIP account is treated as a VIP.
    """
    tiers = [customer_tier, organization_tier or Tier.STANDARD]
    return max(tiers, key=lambda tier: _TIER_RANK.get(tier, 0))


def raise_priority(*, current: str, to: str) -> str:
    """One step up from ``current`` when ``to`` is empty; otherwise ``to`` unless lower."""
    order: list[str] = list(selectors.PRIORITY_ORDER)
    rank = order.index(current) if current in order else 1
    if not to:
        return order[min(rank + 1, len(order) - 1)]
    return to if order.index(to) > rank else order[rank]


@lru_cache(maxsize=256)
def words_pattern(words: str) -> re.Pattern[str] | None:
    """Any of the words, as a whole word, in any case. None when there are no words."""
    parts = sorted({w.casefold() for w in split_words(words)})
    if not parts:
        return None
    # Look-arounds instead of \b, so words that end in punctuation ("c++") still work.
    alternatives = "|".join(re.escape(p) for p in parts)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Facts:
    """What rules look at."""

    channel: str
    text: str
    tier: str
    organization_id: int | None


def rule_matches(rule: TriageRule, facts: Facts) -> bool:
    if rule.channels and facts.channel not in rule.channels:
        return False
    if rule.tiers and facts.tier not in rule.tiers:
        return False
    organization_ids = {o.pk for o in rule.organizations.all()}  # prefetched
    if organization_ids and facts.organization_id not in organization_ids:
        return False
    pattern = words_pattern(rule.words)
    return pattern is None or pattern.search(facts.text.casefold()) is not None


def first_match(rules: list[TriageRule], facts: Facts) -> TriageRule | None:
    return next((rule for rule in rules if rule_matches(rule, facts)), None)


@dataclass
class Plan:
    team: Team | None = None
    category: str = ""
    priority: str = ""
    tags: list[str] = field(default_factory=list)
    rule: TriageRule | None = None
    high_value: bool = False
    reasons: list[str] = field(default_factory=list)
    suggestions: dict[str, classifier.Suggestion] = field(default_factory=dict)
    classifier_id: int | None = None


def _facts(conversation: Conversation, text: str) -> Facts:
    customer = conversation.customer
    organization = customer.organization
    return Facts(
        channel=conversation.channel,
        text=text,
        tier=effective_tier(
            customer_tier=customer.tier,
            organization_tier=organization.tier if organization is not None else None,
        ),
        organization_id=customer.organization_id,
    )


def plan_triage(*, conversation: Conversation) -> Plan:
    """What triage would do to ``conversation``; reads only."""
    actor = system_user_get()
    text = selectors.conversation_text(conversation_id=conversation.pk)
    facts = _facts(conversation, text)
    policy = selectors.routing_policy()
    plan = Plan(priority=conversation.priority)

    rule = first_match(selectors.active_rules(), facts)
    if rule is None:
        plan.reasons.append("no rule matched")
    else:
        plan.rule = rule
        plan.reasons.append(f"rule {rule.pk} {rule.name!r} matched")
        plan.team = rule.set_team
        plan.category = rule.set_category
        plan.priority = rule.set_priority or plan.priority
        plan.tags = split_words(rule.add_tags)

    plan.high_value = (
        facts.tier in policy.high_value_tiers
        or facts.organization_id in policy.high_value_organization_ids
    )
    if plan.high_value:
        raised = raise_priority(current=plan.priority, to=policy.high_value_priority)
        plan.reasons.append(f"high-value customer (tier {facts.tier}): priority {raised}")
        plan.priority = raised
        if policy.high_value_team_id is not None:
            plan.team = team_get(actor=actor, team_id=policy.high_value_team_id)
            plan.reasons.append("high-value queue team")

    want_category = not plan.category and not conversation.category
    want_team = plan.team is None and conversation.team_id is None
    if want_category or want_team:
        _consult_classifier(
            plan,
            text=text,
            threshold=policy.confidence_threshold,
            want_category=want_category,
            want_team=want_team,
        )
    return plan


def _consult_classifier(
    plan: Plan, *, text: str, threshold: float, want_category: bool, want_team: bool
) -> None:
    row, plan.suggestions = classifier.suggest(text=text)
    plan.classifier_id = row.pk if row is not None else None
    for head, wanted in (("category", want_category), ("team", want_team)):
        suggestion = plan.suggestions.get(head)
        if suggestion is None or not wanted:
            continue
        if suggestion.confidence < threshold:
            plan.reasons.append(
                f"classifier {head} {suggestion.label!r} at {suggestion.confidence:.2f} "
                f"is below the threshold {threshold:.2f}"
            )
            continue
        if head == "category":
            plan.category = suggestion.label
        else:
            plan.team = team_get(actor=system_user_get(), team_id=int(suggestion.label))
            if plan.team is None:
                continue
        plan.reasons.append(
            f"classifier {head} {suggestion.label!r} at {suggestion.confidence:.2f}"
        )


def routing_triage(*, conversation_id: int) -> None:
    """Triage a conversation once; later calls (and concurrent ones) change nothing."""
    if selectors.decision_exists(conversation_id=conversation_id):
        return
    conversation = conversation_find(conversation_id=conversation_id)
    if conversation is None:
        return
    # Planned before the transaction: loading the model must not hold row locks.
    plan = plan_triage(conversation=conversation)
    actor = system_user_get()
    with transaction.atomic():
        # The unique row is written first: a concurrent triage blocks here, then finds it.
        decision, created = RoutingDecision.objects.get_or_create(
            conversation_id=conversation_id, defaults={"created_at": timezone.now()}
        )
        if not created:
            return
        conversation = conversation_find(conversation_id=conversation_id)
        if conversation is None:
            return
        applied = _apply(conversation, plan, actor=actor)
        suggested = plan.suggestions
        category, team = suggested.get("category"), suggested.get("team")
        decision.rule = plan.rule
        decision.rule_name = plan.rule.name if plan.rule is not None else ""
        decision.high_value = plan.high_value
        decision.classifier_id = plan.classifier_id
        decision.category_suggestion = category.label if category else ""
        decision.category_confidence = category.confidence if category else None
        decision.team_suggestion_id = int(team.label) if team else None
        decision.team_confidence = team.confidence if team else None
        decision.applied = applied
        decision.reasons = plan.reasons
        decision.save()


def _apply(conversation: Conversation, plan: Plan, *, actor: User) -> dict[str, object]:
    if conversation.merged_into_id is not None or conversation.status == Status.CLOSED:
        plan.reasons.append("nothing applied: the conversation is closed or merged")
        return {}
    applied: dict[str, object] = {}
    if plan.team is not None and plan.team.pk != conversation.team_id:
        if conversation.assignee_id is not None:
            plan.reasons.append("team kept: the conversation already has an assignee")
        else:
            conversation = conversation_assign(
                conversation=conversation, actor=actor, team=plan.team
            )
            applied["team"] = plan.team.pk
    if plan.category and plan.category != conversation.category:
        conversation = conversation_set_category(
            conversation=conversation, actor=actor, category=plan.category
        )
        applied["category"] = conversation.category
    if plan.priority and plan.priority != conversation.priority:
        conversation = conversation_set_priority(
            conversation=conversation, actor=actor, priority=plan.priority
        )
        applied["priority"] = plan.priority
    if plan.tags:
        added = conversation_tag(conversation=conversation, actor=actor, tags=plan.tags)
        if added:
            applied["tags"] = added
    return applied
