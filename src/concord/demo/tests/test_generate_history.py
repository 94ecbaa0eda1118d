from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count

from concord.accounts.models import Role, Team, TeamKind, User
from concord.accounts.services import system_user_get
from concord.automations.demo import CLOSE_RULE
from concord.automations.models import TimeRuleRun
from concord.automations.services.time_rules import time_rules_run
from concord.common.errors import Conflict
from concord.conversations.models import (
    Conversation,
    Direction,
    Event,
    EventKind,
    Status,
)
from concord.customers.models import Customer, ExternalRecord, Organization, Tier
from concord.demo import DEMO_ADMIN_USERNAME, DEMO_PASSWORD, generate

# A Friday afternoon, so the last hours fall in working time.
NOW = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """One 40-conversation history for every test here, rolled back at the end.

    Each test still runs in its own savepoint (``db``), so none sees another's changes.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        generate(conversations=40, seed=7, now=NOW)
        yield
        transaction.set_rollback(True)


@pytest.mark.usefixtures("demo", "db")
def test_it_creates_service_teams_departments_and_staff() -> None:
    kinds = dict(Team.objects.values_list("name", "kind"))
    assert kinds["Support"] == TeamKind.SERVICE
    assert kinds["Billing"] == TeamKind.DEPARTMENT
    assert kinds["Engineering"] == TeamKind.DEPARTMENT
    roles = list(User.objects.values_list("role", flat=True))
    assert roles.count(Role.ADMIN) == 1
    assert roles.count(Role.SUPERVISOR) == 1
    assert roles.count(Role.AGENT) >= 8
    engineering = Team.objects.get(name="Engineering")
    assert engineering.members.filter(role=Role.COLLABORATOR).exists()
    admin = User.objects.get(username=DEMO_ADMIN_USERNAME)
    assert admin.check_password(DEMO_PASSWORD)
    assert admin.is_superuser


@pytest.mark.usefixtures("demo", "db")
def test_customers_have_several_identities_organizations_and_orders() -> None:
    identity_counts = list(
        Customer.objects.annotate(n=Count("identities")).values_list("n", flat=True)
    )
    assert statistics.mean(identity_counts) >= 2
    assert (
        Customer.objects.filter(identities__kind="email").filter(identities__kind="phone").exists()
    )
    assert Organization.objects.count() >= 15
    assert Organization.objects.filter(tier=Tier.VIP, account_owner__isnull=False).exists()
    assert not Organization.objects.filter(domains__isnull=True).exists()
    assert Customer.objects.filter(organization__isnull=False).exists()
    orders = ExternalRecord.objects.filter(source="shop", kind="order")
    assert orders.count() >= 10
    assert all(isinstance(amount, Decimal) for amount in orders.values_list("amount", flat=True))
    assert len(set(orders.values_list("status", flat=True))) >= 2


@pytest.mark.usefixtures("demo", "db")
def test_conversations_cover_channels_and_ninety_days_of_work() -> None:
    conversations = Conversation.objects.all()
    assert conversations.count() == 40
    assert conversations.values("channel").distinct().count() >= 3
    first = conversations.order_by("created_at").first()
    last = conversations.order_by("-created_at").first()
    assert first is not None
    assert last is not None
    assert last.created_at - first.created_at >= timedelta(days=60)
    assert NOW - first.created_at <= timedelta(days=90)
    assert not Event.objects.filter(created_at__gt=NOW).exists()
    kinds = set(Event.objects.values_list("kind", flat=True))
    for kind in (
        EventKind.CREATED,
        EventKind.REPLIED,
        EventKind.ASSIGNED,
        EventKind.STATUS_CHANGED,
        EventKind.TAG_ADDED,
        EventKind.NOTE_ADDED,
    ):
        assert kind in kinds, kind
    assert Event.objects.filter(kind=EventKind.REOPENED).exists()
    assert conversations.filter(merged_into__isnull=False).exists()
    assert Event.objects.filter(kind=EventKind.MERGED_IN).exists()
    # A team other than Support was consulted on some request.
    assert (
        Event.objects.filter(kind=EventKind.TEAM_CHANGED)
        .exclude(new_value=str(Team.objects.get(name="Support").pk))
        .exists()
    )
    done = (Status.SOLVED, Status.CLOSED)
    assert conversations.filter(status__in=done).count() >= 20
    # The newest requests are still being worked.
    unfinished = conversations.filter(merged_into__isnull=True).exclude(status__in=done)
    assert unfinished.filter(created_at__gte=NOW - timedelta(days=4)).exists()


@pytest.mark.usefixtures("demo", "db")
def test_agent_replies_come_after_the_customer_wrote() -> None:
    for conv in Conversation.objects.filter(merged_into__isnull=True):
        messages = list(conv.messages.order_by("created_at", "id"))
        assert messages[0].direction == Direction.INBOUND
        assert conv.message_count == len(messages)


@pytest.mark.usefixtures("demo", "db")
def test_it_refuses_a_database_that_has_conversations() -> None:
    before = Conversation.objects.count()
    with pytest.raises(Conflict):
        generate(conversations=5, seed=1, now=NOW)
    assert Conversation.objects.count() == before


@pytest.mark.usefixtures("demo", "db")
def test_history_is_closed_as_the_close_rule_would_have_left_it() -> None:
    closed = Conversation.objects.filter(status=Status.CLOSED, merged_into__isnull=True)
    assert closed.exists()
    for conversation in closed:
        assert conversation.solved_at is not None
        assert conversation.closed_at == conversation.solved_at + timedelta(days=4)
        event = conversation.events.get(kind=EventKind.STATUS_CHANGED, new_value=Status.CLOSED)
        assert (event.created_at, event.actor_user) == (conversation.closed_at, system_user_get())
    # Solved within the last four days: not due yet.
    solved = Conversation.objects.filter(status=Status.SOLVED)
    assert all(NOW - c.solved_at < timedelta(days=4) for c in solved if c.solved_at)
    # The worker's first run has nothing left to close.
    before = closed.count()
    time_rules_run(now=NOW)
    assert closed.count() == before
    assert not TimeRuleRun.objects.filter(created_at__gte=NOW, rule__name=CLOSE_RULE).exists()
