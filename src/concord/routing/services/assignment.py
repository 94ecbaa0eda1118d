"""Automatic assignment: who in the team gets a conversation.

A team's strategy is manual (nobody is picked), round-robin or least-loaded.
Only members who are online, active, and below their capacity are candidates
(load: see ``selectors.OPEN_STATUSES``). When nobody can take work, the
conversation waits unassigned in the team's queue until
``routing_assign_waiting`` (a periodic job) finds room.

Concurrency: each assignment locks the team's ``TeamRouting`` row, then the
conversation, then the candidates' ``AgentStatus`` rows (in user-id order, so
two teams sharing agents cannot deadlock), then counts loads. Two workers assigning for one team
therefore take turns (the round-robin pointer advances one at a time), and an
agent in two teams is never pushed over capacity by both at once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from concord.accounts.models import User
from concord.accounts.services import system_user_get
from concord.conversations.models import Conversation
from concord.conversations.selectors import conversation_find
from concord.conversations.services import conversation_assign
from concord.routing import selectors
from concord.routing.models import AUTOMATIC_STRATEGIES, Strategy, TeamRouting


def _waits_for_agent(conversation: Conversation | None) -> bool:
    return (
        conversation is not None
        and conversation.team_id is not None
        and conversation.assignee_id is None
        and conversation.merged_into_id is None
        and conversation.status in selectors.OPEN_STATUSES
    )


def rotation(candidate_ids: list[int], last_id: int | None) -> list[int]:
    """Candidates in turn order: those after the last one assigned, then from the start."""
    ordered = sorted(candidate_ids)
    if last_id is None:
        return ordered
    return [i for i in ordered if i > last_id] + [i for i in ordered if i <= last_id]


def pick(
    *, strategy: str, order: list[int], loads: dict[int, int], capacities: dict[int, int]
) -> int | None:
    """The agent to assign, from candidates in turn order; None when all are full."""
    free = [i for i in order if loads[i] < capacities[i]]
    if not free:
        return None
    if strategy == Strategy.LEAST_LOADED:
        # min() keeps the first of equals, so ties go round in turn order.
        return min(free, key=lambda i: loads[i])
    return free[0]


class _TeamTurn:
    """One transaction's hold on a team: its state row and its candidates, locked.

    Inside it, loads are counted once and then kept up to date in memory: while
    the locks are held no other assignment can add to these agents' load, and
    work they finish meanwhile only makes the count err on the safe side.
    """

    def __init__(self, state: TeamRouting) -> None:
        self.state = state
        # Locked and read in one go: an agent who went away or lowered capacity
        # while another assignment held the lock is seen as they are now.
        self.candidates = {
            s.user_id: s for s in selectors.team_candidates_for_update(team_id=state.team_id)
        }
        self.loads = selectors.agent_loads(user_ids=list(self.candidates))

    def assign(self, conversation_id: int, *, actor: User) -> User | None:
        # Read again, locked, under the team lock: another worker (or a person) may
        # have assigned it meanwhile, and nobody may until this assignment commits.
        conversation = selectors.conversation_for_update(conversation_id=conversation_id)
        if not _waits_for_agent(conversation) or conversation is None:
            return None
        if conversation.team_id != self.state.team_id:
            return None
        chosen = pick(
            strategy=self.state.strategy,
            order=rotation(list(self.candidates), self.state.last_assigned_id),
            loads=self.loads,
            capacities={pk: s.capacity for pk, s in self.candidates.items()},
        )
        if chosen is None:
            return None
        agent = self.candidates[chosen].user
        conversation_assign(conversation=conversation, actor=actor, assignee=agent)
        self.loads[chosen] += 1
        self.state.last_assigned = agent
        return agent

    def save(self) -> None:
        self.state.last_assigned_at = timezone.now()
        self.state.save(update_fields=["last_assigned", "last_assigned_at"])


def _lock_team(team_id: int) -> TeamRouting | None:
    state = TeamRouting.objects.select_for_update().filter(team_id=team_id).first()
    if state is None or state.strategy not in AUTOMATIC_STRATEGIES:
        return None
    return state


def routing_assign(*, conversation_id: int) -> User | None:
    """Assign an agent by the team's strategy; None when none was (or one already is)."""
    conversation = conversation_find(conversation_id=conversation_id)
    if conversation is None or not _waits_for_agent(conversation):
        return None
    team_id = conversation.team_id
    assert team_id is not None  # noqa: S101 - _waits_for_agent checked it
    actor = system_user_get()
    with transaction.atomic():
        state = _lock_team(team_id)
        if state is None:
            return None
        turn = _TeamTurn(state)
        agent = turn.assign(conversation_id, actor=actor)
        if agent is not None:
            turn.save()
    return agent


BATCH = 50  # conversations assigned under one hold of a team's locks


def routing_assign_waiting(*, limit: int = 200) -> int:
    """Assign waiting conversations, most urgent and oldest first; how many were assigned.

    A team's turn ends at the first conversation nobody could take: its agents
    are full or away, and the next run (every 30 s) tries again. Each batch is
    one transaction, so the team's locks are never held for long.
    """
    actor = system_user_get()
    assigned = 0
    for team_id in selectors.automatic_team_ids():
        full = False
        while not full and assigned < limit:
            ids = selectors.waiting_conversation_ids(
                team_id=team_id, limit=min(BATCH, limit - assigned)
            )
            if not ids:
                break
            with transaction.atomic():
                state = _lock_team(team_id)
                if state is None:
                    break
                turn = _TeamTurn(state)
                done = 0
                for conversation_id in ids:
                    if turn.assign(conversation_id, actor=actor) is None:
                        # Nobody has room (or a worker took it first): next run.
                        full = True
                        break
                    done += 1
                if done:
                    turn.save()
            assigned += done
            full = full or done < len(ids)
    return assigned
