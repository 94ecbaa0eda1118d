"""High-value customers: a priority raise and their own queue."""

from __future__ import annotations

import pytest

from concord.accounts.models import Team
from concord.common.testing import factories
from concord.conversations.models import Conversation
from concord.customers.models import Customer
from concord.routing.models import RoutingDecision
from concord.routing.services import (
    routing_settings_update,
    routing_triage,
    triage_rule_create,
)
from concord.routing.services.triage import raise_priority
from concord.routing.tests.helpers import open_conversation

pytestmark = pytest.mark.django_db


def triaged(customer: Customer, **kwargs: object) -> Conversation:
    conversation = open_conversation(customer=customer, **kwargs)  # type: ignore[arg-type]
    routing_triage(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    return conversation


@pytest.mark.parametrize(
    ("current", "to", "expected"),
    [
        ("low", "", "normal"),
        ("normal", "", "high"),
        ("high", "", "urgent"),
        ("urgent", "", "urgent"),
        ("normal", "urgent", "urgent"),
        ("urgent", "high", "urgent"),  # never lowered
    ],
)
def test_raise_priority(current: str, to: str, expected: str) -> None:
    assert raise_priority(current=current, to=to) == expected


def test_a_vip_tier_raises_the_priority_one_step() -> None:
    routing_settings_update(high_value_tiers=["vip"])
    vip = factories.CustomerFactory.create(tier="vip")
    premium = factories.CustomerFactory.create(tier="premium")

    assert triaged(vip).priority == "high"
    assert triaged(premium).priority == "normal"
    assert RoutingDecision.objects.filter(high_value=True).count() == 1


def test_a_configured_organization_raises_to_the_configured_level() -> None:
    key_account = factories.OrganizationFactory.create()
    routing_settings_update(high_value_organizations=[key_account], high_value_priority="urgent")
    customer = factories.CustomerFactory.create(organization=key_account)

    assert triaged(customer).priority == "urgent"


def test_the_raise_starts_from_what_the_rule_set() -> None:
    routing_settings_update(high_value_tiers=["vip"])
    triage_rule_create(name="Outage", words="outage", set_priority="high")
    vip = factories.CustomerFactory.create(tier="vip")

    assert triaged(vip, body="total outage here").priority == "urgent"


def test_high_value_conversations_go_to_their_queue_team(support: Team, billing: Team) -> None:
    vip_desk = factories.TeamFactory.create(name="VIP desk", slug="vip-desk")
    routing_settings_update(high_value_tiers=["vip"], high_value_team=vip_desk)
    triage_rule_create(name="Billing", words="invoice", set_team=billing)
    vip = factories.CustomerFactory.create(tier="vip")
    standard = factories.CustomerFactory.create()

    # The high-value queue wins over the rule's team and the channel's default team.
    assert triaged(vip, body="my invoice", team=support).team == vip_desk
    assert triaged(standard, body="my invoice", team=support).team == billing
    assert triaged(standard, body="hello", team=support).team == support


def test_no_settings_row_means_nobody_is_high_value() -> None:
    vip = factories.CustomerFactory.create(tier="vip")

    assert triaged(vip).priority == "normal"
