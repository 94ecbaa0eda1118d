"""Due soonest in the inbox (selector and page), SLA lines on the conversation page, the demo."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from concord.accounts.models import Team, User
from concord.conversations.models import Conversation
from concord.conversations.selectors import ConversationFilters, conversation_inbox
from concord.conversations.services import conversation_reply, conversation_set_status
from concord.sla import demo
from concord.sla import selectors as sla_selectors
from concord.sla.models import SlaPolicy, SlaState
from concord.sla.services import sla_policy_create, sla_refresh, sla_sweep
from concord.sla.tests.conftest import HOUR, Opener

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(open_conversation: Opener, agent: User, support: Team) -> dict[str, Conversation]:
    """Five Support conversations with different due times (calendar time), and one without."""
    sla_policy_create(
        name="Urgent",
        position=1,
        priorities=["urgent"],
        first_response_seconds=HOUR,
        business_hours=False,
    )
    sla_policy_create(
        name="Standard", position=2, first_response_seconds=8 * HOUR, business_hours=False
    )
    now = timezone.now()
    made = {
        # due in 7 h
        "standard_new": open_conversation(team=support, at=now - timedelta(hours=1)),
        # due 1 h ago: overdue comes first
        "overdue": open_conversation(team=support, at=now - timedelta(hours=9)),
        # due in 30 min
        "urgent": open_conversation(
            team=support, priority="urgent", at=now - timedelta(minutes=30)
        ),
        # answered: no running clock
        "answered": open_conversation(team=support, at=now - timedelta(hours=2)),
        # answered, then waiting on the customer: no running clock (pending
        # before any answer would not pause the first response)
        "pending": open_conversation(team=support, at=now - timedelta(hours=3)),
    }
    conversation_reply(
        conversation=made["answered"], actor=agent, body_text="Hi", at=now - timedelta(minutes=90)
    )
    conversation_reply(
        conversation=made["pending"],
        actor=agent,
        body_text="Which order?",
        at=now - timedelta(hours=2, minutes=30),
    )
    conversation_set_status(
        conversation=made["pending"], actor=agent, status="pending", at=now - timedelta(hours=2)
    )
    for conversation in made.values():
        sla_refresh(conversation_id=conversation.pk, now=now)
    return made


@pytest.fixture(params=["narrow", "wide"])
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of reading a due page: sorting a small view, walking the due index."""
    if request.param == "wide":
        monkeypatch.setattr(sla_selectors, "NARROW_VIEW", 1)
    return str(request.param)


def _order(queue: dict[str, Conversation], ids: list[int]) -> list[str]:
    names = {c.pk: name for name, c in queue.items()}
    return [names[pk] for pk in ids]


@pytest.mark.usefixtures("strategy")
def test_due_soonest_puts_running_clocks_first_then_the_rest_by_update(
    queue: dict[str, Conversation], agent: User
) -> None:
    page = conversation_inbox(
        user=agent, view="my_teams", filters=ConversationFilters(), due_soonest=True
    )
    assert _order(queue, [row.pk for row in page.items]) == [
        "overdue",
        "urgent",
        "standard_new",
        # no running due time: by last update, newest first
        "answered",
        "pending",
    ]


@pytest.mark.usefixtures("strategy")
def test_due_soonest_pages_across_both_parts(queue: dict[str, Conversation], agent: User) -> None:
    seen: list[int] = []
    cursor = None
    for _ in range(5):
        page = conversation_inbox(
            user=agent,
            view="my_teams",
            filters=ConversationFilters(),
            due_soonest=True,
            cursor=cursor,
            limit=2,
        )
        seen += [row.pk for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert _order(queue, seen) == ["overdue", "urgent", "standard_new", "answered", "pending"]


def test_due_soonest_keeps_the_query_count(
    queue: dict[str, Conversation],
    agent: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_assert_max_num_queries(5):  # probe, due ids, the rest's ids, rows, tags
        conversation_inbox(
            user=agent, view="my_teams", filters=ConversationFilters(), due_soonest=True
        )


def test_the_inbox_page_sorts_by_due_soonest(
    queue: dict[str, Conversation], agent: User, client: Client
) -> None:
    client.force_login(agent)
    response = client.get(reverse("workspace:inbox"), {"view": "my_teams", "sort": "due"})
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert _order(queue, [row.pk for row in response.context["page"].items])[:3] == [
        "overdue",
        "urgent",
        "standard_new",
    ]
    assert b'<option value="due" selected' in response.content


def test_the_conversation_page_shows_due_and_breached_clocks(
    open_conversation: Opener, agent: User, client: Client
) -> None:
    sla_policy_create(
        name="Standard",
        first_response_seconds=HOUR,
        resolution_seconds=24 * HOUR,
        business_hours=False,
    )
    now = timezone.now()
    conversation = open_conversation(at=now - timedelta(hours=2))
    sla_refresh(conversation_id=conversation.pk, now=now)  # first response: an hour late
    client.force_login(agent)

    response = client.get(reverse("workspace:conversation", args=[conversation.pk]))

    lines = {line.label: (line.state, line.text) for line in response.context["sla"]}
    assert lines["First response"][0] == "breached"
    assert lines["First response"][1] == "breached, due 1\xa0hour ago"
    assert lines["Resolution"] == ("running", "due in 21\xa0hours")
    assert "SLA breached: first response was due" in response.content.decode()


@pytest.mark.usefixtures("hours")
def test_demo_seed_creates_policies_and_starts_clocks(open_conversation: Opener) -> None:
    conversation = open_conversation(at=timezone.now() - timedelta(minutes=5))
    demo.seed(now=timezone.now())
    demo.seed(now=timezone.now())  # a second run adds nothing

    assert list(SlaPolicy.objects.values_list("name", "calendar__name")) == [
        ("VIP customers", "Support hours"),
        ("Urgent and high priority", "Support hours"),
        ("Standard", "Support hours"),
    ]
    state = SlaState.objects.get(pk=conversation.pk)
    assert str(state.policy) == "Standard"
    assert state.next_due_at is not None
    assert sla_sweep(now=timezone.now()) == 0
