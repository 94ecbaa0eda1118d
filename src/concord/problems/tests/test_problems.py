"""Problems and feature requests: who reads and changes them, linking, votes, the timeline."""

from __future__ import annotations

from datetime import date

import pytest

from concord.accounts.models import Role, Team, User
from concord.common.errors import NotAllowed, NotFound, ValidationFailed
from concord.common.testing import factories
from concord.conversations.models import Conversation
from concord.conversations.services import conversation_open
from concord.customers.services import customer_create
from concord.problems.models import ProblemEventKind, ProblemKind, ProblemStatus
from concord.problems.selectors import (
    problem_get_for_user,
    problem_impact,
    problem_linked_conversations,
    problem_list,
    problems_for_conversation,
)
from concord.problems.services import (
    problem_create,
    problem_link,
    problem_set_status,
    problem_unlink,
    problem_update,
    problem_vote,
)

pytestmark = pytest.mark.django_db


def _conversation(team: Team, name: str, channel: str = "email") -> Conversation:
    customer = customer_create(name=name, identities=[("email", f"{name.lower()}@example.com")])
    return conversation_open(
        channel=channel,
        customer=customer,
        subject=f"{name}'s login fails",
        body_text="I cannot sign in.",
        team=team,
    )


@pytest.fixture
def engineering() -> Team:
    return factories.TeamFactory.create(name="Engineering", slug="engineering", kind="department")


@pytest.fixture
def engineer(engineering: Team) -> User:
    user = factories.UserFactory.create(username="erin", role=Role.COLLABORATOR)
    engineering.members.add(user)
    return user


def test_an_agent_creates_a_problem_from_conversations_and_the_owner_moves_it(
    agent: User, engineer: User, engineering: Team, support: Team
) -> None:
    a = _conversation(support, "Nora")
    b = _conversation(support, "Omar", channel="web")
    problem = problem_create(
        actor=agent,
        title="  Sign-in fails after the  update ",
        team=engineering,
        conversations=[a, b],
    )
    assert problem.title == "Sign-in fails after the update"
    assert problem.status == ProblemStatus.INVESTIGATING
    # Linking again is harmless; the count says what was new.
    assert problem_link(problem=problem, actor=agent, conversations=[a]) == 0
    impact = problem_impact(problem=problem)
    assert (impact.conversations, impact.customers, impact.open_conversations) == (2, 2, 2)
    assert sorted(impact.by_channel) == [("Email", 1), ("Web form", 1)]
    assert problems_for_conversation(user=agent, conversation=a) == [problem]
    # The agent reads it but does not own the fix: Engineering moves it.
    with pytest.raises(NotAllowed):
        problem_set_status(problem=problem, actor=agent, status=ProblemStatus.RESOLVED)
    problem_set_status(problem=problem, actor=engineer, status=ProblemStatus.FIX_IN_PROGRESS)
    problem_update(
        problem=problem, actor=engineer, public_note="A fix ships today.", eta=date(2026, 12, 9)
    )
    problem.refresh_from_db()
    assert (problem.status, problem.eta, problem.closed_at) == ("fixing", date(2026, 12, 9), None)
    problem_set_status(problem=problem, actor=engineer, status=ProblemStatus.RESOLVED)
    problem.refresh_from_db()
    assert problem.closed_at is not None
    kinds = [e.kind for e in problem.events.all()]
    assert kinds == [
        ProblemEventKind.CREATED,
        ProblemEventKind.LINKED,  # both at once: one line
        ProblemEventKind.STATUS_CHANGED,
        ProblemEventKind.EDITED,
        ProblemEventKind.STATUS_CHANGED,
    ]
    assert problem.events.get(kind="linked").new_value == f"2 conversations (#{a.pk}, #{b.pk})"


def test_a_problem_only_takes_its_own_kinds_statuses(agent: User, support: Team) -> None:
    problem = problem_create(actor=agent, title="Slow search", team=support)
    with pytest.raises(ValidationFailed, match="Investigating, Fix in progress, Resolved"):
        problem_set_status(problem=problem, actor=agent, status=ProblemStatus.SHIPPED)
    with pytest.raises(ValidationFailed, match="title is empty"):
        problem_create(actor=agent, title="   ", team=support)


def test_a_collaborator_sees_only_their_teams_problems(
    agent: User,
    engineer: User,
    collaborator: User,
    engineering: Team,
    billing: Team,
    support: Team,
) -> None:
    ours = problem_create(actor=agent, title="Sign-in", team=engineering)
    theirs = problem_create(actor=agent, title="Invoices", team=billing)
    assert list(problem_list(user=engineer)) == [ours]
    assert problem_get_for_user(user=collaborator, problem_id=theirs.pk) == theirs
    with pytest.raises(NotFound):
        problem_get_for_user(user=collaborator, problem_id=ours.pk)
    with pytest.raises(NotFound):
        problem_update(problem=ours, actor=collaborator, title="Mine now")
    # Agents read every problem (to find the one a report belongs to).
    assert set(problem_list(user=agent)) == {ours, theirs}


def test_linking_needs_the_right_to_work_the_conversation(
    agent: User, other_agent: User, engineer: User, engineering: Team, support: Team
) -> None:
    problem = problem_create(actor=agent, title="Sign-in", team=engineering)
    support_conversation = _conversation(support, "Nora")
    with pytest.raises(NotAllowed):
        problem_link(problem=problem, actor=other_agent, conversations=[support_conversation])
    with pytest.raises(NotAllowed):
        problem_link(problem=problem, actor=engineer, conversations=[support_conversation])
    problem_link(problem=problem, actor=agent, conversations=[support_conversation])
    # Engineering sees the counts, but not the conversation (not consulted to them).
    assert problem_impact(problem=problem).conversations == 1
    assert problem_linked_conversations(user=engineer, problem=problem) == []
    assert problem_linked_conversations(user=agent, problem=problem) == [support_conversation]
    # The owning team may unlink one filed by mistake.
    assert problem_unlink(problem=problem, actor=engineer, conversation=support_conversation)


def test_customers_vote_once_for_features_shown_in_the_portal(agent: User, support: Team) -> None:
    feature = problem_create(
        actor=agent, title="Dark mode", team=support, kind=ProblemKind.FEATURE, portal_visible=True
    )
    hidden = problem_create(
        actor=agent, title="Internal idea", team=support, kind=ProblemKind.FEATURE
    )
    customer = customer_create(name="Vi", identities=[("email", "vi@example.com")])
    assert feature.status == ProblemStatus.UNDER_REVIEW
    assert problem_vote(problem=feature, customer=customer) is True
    assert problem_vote(problem=feature, customer=customer) is False
    assert problem_impact(problem=feature).votes == 1
    with pytest.raises(NotFound):
        problem_vote(problem=hidden, customer=customer)
