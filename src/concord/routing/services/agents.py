"""Agents' availability and capacity, teams' strategies, and the routing settings row."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.common.errors import ValidationFailed
from concord.conversations.models import Channel, Priority
from concord.conversations.services.routing import normalize_tag
from concord.customers.models import Organization, Tier
from concord.routing.models import (
    AgentStatus,
    Availability,
    RoutingSettings,
    Strategy,
    TeamRouting,
    TriageRule,
)
from concord.routing.selectors import ASSIGNABLE_ROLES

MAX_CAPACITY = 1000


def _check_agent(user: User) -> None:
    if user.role not in ASSIGNABLE_ROLES or not user.is_active:
        raise ValidationFailed(f"{user.username} does not take conversations.", field="user")


def _locked_status(user: User, at: datetime) -> AgentStatus:
    status, _ = AgentStatus.objects.select_for_update().get_or_create(
        user=user, defaults={"changed_at": at}
    )
    return status


def agent_set_availability(*, user: User, status: str, at: datetime | None = None) -> AgentStatus:
    """Online agents take new work (up to their capacity); away agents take none."""
    if status not in Availability.values:
        raise ValidationFailed(
            f"{status!r} is not an availability ({', '.join(Availability.values)}).",
            field="availability",
        )
    _check_agent(user)
    moment = at or timezone.now()
    with transaction.atomic():
        row = _locked_status(user, moment)
        if row.availability != status:
            row.availability = status
            row.changed_at = moment
            row.save(update_fields=["availability", "changed_at"])
    return row


def agent_set_capacity(*, user: User, capacity: int, at: datetime | None = None) -> AgentStatus:
    """The most open conversations automatic assignment gives the agent; 0 gives none."""
    if not 0 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed(f"Capacity is between 0 and {MAX_CAPACITY}.", field="capacity")
    _check_agent(user)
    moment = at or timezone.now()
    with transaction.atomic():
        row = _locked_status(user, moment)
        if row.capacity != capacity:
            row.capacity = capacity
            row.changed_at = moment
            row.save(update_fields=["capacity", "changed_at"])
    return row


def team_set_strategy(*, team: Team, strategy: str) -> TeamRouting:
    if strategy not in Strategy.values:
        raise ValidationFailed(
            f"{strategy!r} is not a strategy ({', '.join(Strategy.values)}).", field="strategy"
        )
    with transaction.atomic():
        row, _ = TeamRouting.objects.select_for_update().get_or_create(team=team)
        if row.strategy != strategy:
            row.strategy = strategy
            row.save(update_fields=["strategy"])
    return row


def routing_settings_update(
    *,
    confidence_threshold: float | None = None,
    high_value_tiers: list[str] | None = None,
    high_value_organizations: list[Organization] | None = None,
    high_value_priority: str | None = None,
    high_value_team: Team | None = None,
    clear_high_value_team: bool = False,
) -> RoutingSettings:
    """Change the settings row (created on first use); an omitted argument is kept."""
    if confidence_threshold is not None and not 0.0 <= confidence_threshold <= 1.0:
        raise ValidationFailed("The threshold is between 0 and 1.", field="confidence_threshold")
    if high_value_tiers is not None and not set(high_value_tiers) <= set(Tier.values):
        raise ValidationFailed("Unknown tier.", field="high_value_tiers")
    if high_value_priority not in (None, "", *Priority.values):
        raise ValidationFailed("Unknown priority.", field="high_value_priority")
    with transaction.atomic():
        row, _ = RoutingSettings.objects.select_for_update().get_or_create(pk=1)
        if confidence_threshold is not None:
            row.confidence_threshold = confidence_threshold
        if high_value_tiers is not None:
            row.high_value_tiers = sorted(set(high_value_tiers))
        if high_value_priority is not None:
            row.high_value_priority = high_value_priority
        if high_value_team is not None or clear_high_value_team:
            row.high_value_team = high_value_team
        row.save()
        if high_value_organizations is not None:
            row.high_value_organizations.set(high_value_organizations)
    return row


def split_words(text: str) -> list[str]:
    """Words or tags as an admin typed them: separated by spaces and/or commas."""
    return [w for w in text.replace(",", " ").split() if w]


def check_rule(*, channels: list[str], tiers: list[str], add_tags: str, set_priority: str) -> None:
    if not set(channels) <= set(Channel.values):
        raise ValidationFailed("Unknown channel.", field="channels")
    if not set(tiers) <= set(Tier.values):
        raise ValidationFailed("Unknown tier.", field="tiers")
    if set_priority and set_priority not in Priority.values:
        raise ValidationFailed("Unknown priority.", field="set_priority")
    for tag in split_words(add_tags):
        normalize_tag(tag)  # raises with the tag's name


def triage_rule_create(
    *,
    name: str,
    position: int = 0,
    channels: list[str] | None = None,
    words: str = "",
    tiers: list[str] | None = None,
    organizations: list[Organization] | None = None,
    set_team: Team | None = None,
    set_category: str = "",
    set_priority: str = "",
    add_tags: str = "",
) -> TriageRule:
    name = name.strip()
    if not name:
        raise ValidationFailed("A rule needs a name.", field="name")
    channels, tiers = channels or [], tiers or []
    check_rule(channels=channels, tiers=tiers, add_tags=add_tags, set_priority=set_priority)
    with transaction.atomic():
        rule = TriageRule.objects.create(
            name=name[:100],
            position=position,
            channels=sorted(set(channels)),
            words=words.strip(),
            tiers=sorted(set(tiers)),
            set_team=set_team,
            set_category=" ".join(set_category.split())[:100],
            set_priority=set_priority,
            add_tags=add_tags.strip(),
        )
        if organizations:
            rule.organizations.set(organizations)
    return rule
