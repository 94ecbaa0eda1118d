"""Automatic assignment: fairness, capacity, availability, and the waiting queue."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from concord.accounts.models import Role, Team, User
from concord.accounts.services import system_user_get
from concord.common.errors import ValidationFailed
from concord.common.testing import factories
from concord.conversations.models import Conversation, Event, EventKind, Status
from concord.conversations.services import conversation_set_status
from concord.routing.models import Availability, Strategy
from concord.routing.selectors import agent_loads
from concord.routing.services import (
    agent_set_availability,
    agent_set_capacity,
    routing_assign,
    routing_assign_waiting,
    team_set_strategy,
)
from concord.routing.services.assignment import pick, rotation
from concord.routing.tests.helpers import online_agent, waiting

pytestmark = pytest.mark.django_db


def assignees(ids: list[int]) -> Counter[int | None]:
    return Counter(Conversation.objects.filter(pk__in=ids).values_list("assignee_id", flat=True))


def test_rotation_starts_after_the_last_agent() -> None:
    assert rotation([5, 2, 9], None) == [2, 5, 9]
    assert rotation([5, 2, 9], 5) == [9, 2, 5]
    assert rotation([5, 2, 9], 9) == [2, 5, 9]
    assert rotation([5, 2, 9], 4) == [5, 9, 2]  # the last one left the team


def test_pick_skips_full_agents_and_breaks_ties_in_turn_order() -> None:
    loads, capacities = {1: 2, 2: 0, 3: 0}, {1: 5, 2: 0, 3: 5}
    assert (
        pick(strategy=Strategy.ROUND_ROBIN, order=[1, 2, 3], loads=loads, capacities=capacities)
        == 1
    )
    assert (
        pick(strategy=Strategy.LEAST_LOADED, order=[1, 2, 3], loads=loads, capacities=capacities)
        == 3
    )
    assert pick(strategy=Strategy.LEAST_LOADED, order=[1], loads={1: 5}, capacities={1: 5}) is None


def assignment_sequence(ids: list[int]) -> list[int]:
    """Who was assigned, in the order it happened (from the event log)."""
    return [
        int(new)
        for new in Event.objects.filter(conversation_id__in=ids, kind=EventKind.ASSIGNED)
        .order_by("id")
        .values_list("new_value", flat=True)
    ]


def test_round_robin_is_fair_over_1000_assignments(support: Team) -> None:
    team_set_strategy(team=support, strategy=Strategy.ROUND_ROBIN)
    agents = [online_agent(support, f"rr{i}", capacity=1000) for i in range(3)]
    away = online_agent(support, "away", capacity=1000, online=False)
    ids = waiting(support, 1000)

    assert routing_assign_waiting(limit=1000) == 1000

    counts = assignees(ids)
    assert set(counts) == {a.pk for a in agents}
    assert max(counts.values()) - min(counts.values()) <= 1
    assert away.pk not in counts
    # Strict turns, across batches too: nobody gets two in a row.
    sequence = assignment_sequence(ids)
    assert len(sequence) == 1000
    assert all(a != b for a, b in itertools.pairwise(sequence))


def test_round_robin_takes_turns_one_call_at_a_time(support: Team) -> None:
    team_set_strategy(team=support, strategy=Strategy.ROUND_ROBIN)
    agents = [online_agent(support, f"rr{i}") for i in range(3)]
    ids = waiting(support, 9)

    picked = [routing_assign(conversation_id=pk) for pk in ids]

    assert picked == agents * 3


def test_least_loaded_picks_the_agent_with_least_open_work(support: Team) -> None:
    team_set_strategy(team=support, strategy=Strategy.LEAST_LOADED)
    busy, idle, middle = (online_agent(support, name) for name in ("busy", "idle", "middle"))
    for agent, n in ((busy, 3), (idle, 1), (middle, 2)):
        factories.ConversationFactory.create_batch(n, team=support, assignee=agent)
    ids = waiting(support, 4)

    picked = [routing_assign(conversation_id=pk) for pk in ids]

    # idle 1→2; idle and middle tie at 2: middle is next in turn (→3); idle (→3);
    # all tie at 3: the turn after idle is middle's.
    assert picked == [idle, middle, idle, middle]


def test_least_loaded_never_exceeds_capacity_over_1000_assignments(support: Team) -> None:
    team_set_strategy(team=support, strategy=Strategy.LEAST_LOADED)
    capacity = {online_agent(support, f"ll{i}", capacity=c).pk: c for i, c in enumerate((2, 4, 6))}
    away = online_agent(support, "away", capacity=50, online=False)
    rng = random.Random(5)  # noqa: S311 - reproducible test data
    waiting(support, 1100)
    assigned = full_runs = 0

    while assigned < 1000:
        asked = rng.randint(1, 8)
        done = routing_assign_waiting(limit=asked)
        assigned += done
        loads = agent_loads(user_ids=list(capacity))
        assert all(loads[user] <= capacity[user] for user in capacity)
        if done < asked:
            full_runs += 1
            assert loads == capacity  # work waits only when everyone is full
        # Agents finish some of their work meanwhile (scene-setting: one UPDATE, not
        # the status service, which its own tests cover).
        open_work = list(
            Conversation.objects.filter(assignee_id__in=capacity, status=Status.NEW)
            .order_by("id")
            .values_list("id", flat=True)
        )
        finished = rng.sample(open_work, k=min(len(open_work), rng.randint(0, 6)))
        Conversation.objects.filter(pk__in=finished).update(status=Status.SOLVED)

    assert full_runs > 0
    assert not Conversation.objects.filter(assignee=away).exists()


def test_away_agents_and_other_roles_get_nothing(support: Team) -> None:
    team_set_strategy(team=support, strategy=Strategy.ROUND_ROBIN)
    online_agent(support, "gone", online=False)
    collaborator = factories.UserFactory.create(username="col", role=Role.COLLABORATOR)
    support.members.add(collaborator)
    [pk] = waiting(support, 1)

    assert routing_assign(conversation_id=pk) is None
    assert Conversation.objects.get(pk=pk).assignee is None
    with pytest.raises(ValidationFailed):
        agent_set_availability(user=collaborator, status=Availability.ONLINE)


def test_manual_teams_and_unteamed_conversations_are_not_assigned(
    support: Team, billing: Team
) -> None:
    online_agent(billing, "b1")
    team_set_strategy(team=billing, strategy=Strategy.MANUAL)
    [manual] = waiting(billing, 1)
    unteamed = factories.ConversationFactory.create(team=None)

    assert routing_assign(conversation_id=manual) is None
    assert routing_assign(conversation_id=unteamed.pk) is None
    assert routing_assign_waiting() == 0


def test_assignment_is_idempotent_and_skips_finished_conversations(support: Team) -> None:
    team_set_strategy(team=support, strategy=Strategy.ROUND_ROBIN)
    first = online_agent(support, "a1")
    online_agent(support, "a2")
    pk, solved = waiting(support, 2)
    Conversation.objects.filter(pk=solved).update(status=Status.SOLVED)

    assert routing_assign(conversation_id=pk) == first
    assert routing_assign(conversation_id=pk) is None
    assert routing_assign(conversation_id=solved) is None
    assert Conversation.objects.get(pk=pk).assignee == first
    assert list(
        Event.objects.filter(conversation_id=pk).values_list("kind", "actor_user", "new_value")
    ) == [(EventKind.ASSIGNED, system_user_get().pk, str(first.pk))]


def test_waiting_conversations_are_assigned_once_load_frees(support: Team) -> None:
    team_set_strategy(team=support, strategy=Strategy.ROUND_ROBIN)
    agent = online_agent(support, "solo", capacity=2)
    supervisor = factories.UserFactory.create(username="sup", role=Role.SUPERVISOR)
    ids = waiting(support, 5)

    assert routing_assign_waiting() == 2
    assert assignees(ids) == Counter({agent.pk: 2, None: 3})
    assert routing_assign_waiting() == 0  # still full

    for conversation in Conversation.objects.filter(assignee=agent):
        conversation_set_status(conversation=conversation, actor=supervisor, status=Status.SOLVED)
    assert routing_assign_waiting() == 2
    # The oldest waited longest and went first.
    assert (
        list(
            Conversation.objects.filter(assignee=agent, status=Status.NEW)
            .values_list("pk", flat=True)
            .order_by("pk")
        )
        == ids[2:4]
    )


def test_pending_and_on_hold_count_as_load(support: Team) -> None:
    team_set_strategy(team=support, strategy=Strategy.ROUND_ROBIN)
    agent = online_agent(support, "solo", capacity=2)
    held = factories.ConversationFactory.create(team=support, assignee=agent, status=Status.ON_HOLD)
    factories.ConversationFactory.create(team=support, assignee=agent, status=Status.PENDING)
    factories.ConversationFactory.create(team=support, assignee=agent, status=Status.SOLVED)
    [pk] = waiting(support, 1)

    assert routing_assign(conversation_id=pk) is None
    Conversation.objects.filter(pk=held.pk).update(status=Status.CLOSED)
    assert routing_assign(conversation_id=pk) == agent


def test_an_agent_coming_online_picks_up_the_queue(support: Team) -> None:
    team_set_strategy(team=support, strategy=Strategy.LEAST_LOADED)
    agent = online_agent(support, "late", online=False)
    ids = waiting(support, 3)
    assert routing_assign_waiting() == 0

    agent_set_availability(user=agent, status=Availability.ONLINE)

    assert routing_assign_waiting() == 3
    assert assignees(ids) == Counter({agent.pk: 3})


def test_urgent_conversations_leave_the_queue_first(support: Team) -> None:
    team_set_strategy(team=support, strategy=Strategy.ROUND_ROBIN)
    online_agent(support, "solo", capacity=1)
    old, urgent = waiting(support, 2)
    Conversation.objects.filter(pk=urgent).update(priority="urgent")

    assert routing_assign_waiting() == 1
    assert Conversation.objects.get(pk=urgent).assignee is not None
    assert Conversation.objects.get(pk=old).assignee is None


def test_capacity_zero_takes_nothing_and_bad_values_are_refused(support: Team, agent: User) -> None:
    team_set_strategy(team=support, strategy=Strategy.ROUND_ROBIN)
    agent_set_availability(user=agent, status=Availability.ONLINE)
    agent_set_capacity(user=agent, capacity=0)
    [pk] = waiting(support, 1)

    assert routing_assign(conversation_id=pk) is None
    with pytest.raises(ValidationFailed):
        agent_set_capacity(user=agent, capacity=-1)
    with pytest.raises(ValidationFailed):
        agent_set_availability(user=agent, status="busy")
    with pytest.raises(ValidationFailed):
        team_set_strategy(team=support, strategy="random")


def test_the_waiting_job_is_registered_with_the_scheduler() -> None:
    from concord.common import scheduler

    job = next(job for job in scheduler.registered() if job.name == "routing.assign_waiting")
    assert job.every == 30
    assert job.run() == 0  # nothing waits
