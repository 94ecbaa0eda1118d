"""The demo's routing setup."""

from __future__ import annotations

import pytest
from django.utils import timezone

from concord.accounts.models import Role, Team
from concord.common.testing import factories
from concord.routing.demo import seed
from concord.routing.models import AgentStatus, ClassifierModel, TeamRouting, TriageRule
from concord.routing.selectors import routing_policy
from concord.routing.services import routing_assign, routing_triage
from concord.routing.tests.helpers import corpus, open_conversation, solved_history

pytestmark = pytest.mark.django_db


def test_seed_sets_up_strategies_agents_rules_and_vip(support: Team, billing: Team) -> None:
    liam = factories.UserFactory.create(username="liam", role=Role.AGENT)
    hannah = factories.UserFactory.create(username="hannah", role=Role.AGENT)
    yuki = factories.UserFactory.create(username="yuki", role=Role.COLLABORATOR)
    support.members.add(liam)
    billing.members.add(hannah, yuki)

    seed(now=timezone.now())

    strategies = dict(TeamRouting.objects.values_list("team__name", "strategy"))
    assert strategies == {"Support": "round_robin", "Billing": "least_loaded"}
    statuses = {s.user.username: (s.availability, s.capacity) for s in AgentStatus.objects.all()}
    assert statuses == {"liam": ("online", 8), "hannah": ("online", 6)}
    assert TriageRule.objects.count() == 3
    assert routing_policy().high_value_tiers == {"vip"}
    assert not ClassifierModel.objects.exists()  # no solved history to learn from

    conversation = open_conversation(subject="Invoice", body="Please refund me", team=support)
    routing_triage(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    assert (conversation.team, conversation.category) == (billing, "billing")
    assert routing_assign(conversation_id=conversation.pk) == hannah


def test_seed_trains_on_solved_history(support: Team) -> None:
    solved_history(corpus(per_category=15, seed=2))

    seed(now=timezone.now())

    assert ClassifierModel.objects.get().labels["category"] == [
        "account",
        "billing",
        "bugs",
        "shipping",
    ]
