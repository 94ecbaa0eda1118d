"""Problems in the workspace: create from a conversation or selection, the page, announcing."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.common.testing import factories
from concord.conversations.models import Conversation
from concord.customers.services import customer_create
from concord.problems.models import Announcement, Problem, ProblemKind
from concord.problems.services import problem_create, problem_vote
from concord.workspace.tests.conftest import Opener

pytestmark = pytest.mark.django_db

SignIn = Callable[[User], Client]


@pytest.fixture
def engineering() -> Team:
    return factories.TeamFactory.create(name="Engineering", slug="engineering", kind="department")


def _people(n: int, open_conv: Opener, team: Team, start: int = 0) -> list[Conversation]:
    return [
        open_conv(
            customer=customer_create(name=f"P{i}", identities=[("email", f"p{i}@example.com")]),
            subject="Sign-in fails",
            team=team,
        )
        for i in range(start, start + n)
    ]


def test_an_agent_creates_a_problem_from_a_conversation_and_links_a_selection(
    as_user: SignIn, agent: User, support: Team, engineering: Team, open_conv: Opener
) -> None:
    first, *rest = _people(3, open_conv, support)
    client = as_user(agent)
    page = client.get(f"/app/conversations/{first.pk}/").content.decode()
    assert "New problem from this conversation" in page
    form = client.get(f"/app/problems/new/?from={first.pk}").content.decode()
    assert "Sign-in fails" in form  # listed as selected,
    assert 'value="Sign-in fails"' not in form  # but never made the title
    response = client.post(
        "/app/problems/new/",
        {
            "ids": [str(first.pk)],
            "kind": "problem",
            "title": "Sign-in outage",
            "team": str(engineering.pk),
        },
    )
    problem = Problem.objects.get()
    assert response["Location"] == f"/app/problems/{problem.pk}/"
    # The inbox selection links the others to the existing problem.
    client.post(
        "/app/problems/new/", {"ids": [str(c.pk) for c in rest], "link_to": str(problem.pk)}
    )
    assert problem.links.count() == 3
    detail = client.get(f"/app/problems/{problem.pk}/").content.decode()
    assert 'Linked conversations <span class="count">3</span>' in detail
    assert "Sign-in outage" in client.get("/app/problems/").content.decode()
    # Agents outside Engineering read it but do not move it or tell customers.
    assert "Tell the customers" in detail
    assert "Preview</button>" not in detail


def test_the_owner_previews_then_sends_exactly_what_was_counted(
    as_user: SignIn, agent: User, support: Team, open_conv: Opener
) -> None:
    conversations = _people(2, open_conv, support)
    problem = problem_create(
        actor=agent, title="Sign-in outage", team=support, conversations=conversations
    )
    client = as_user(agent)
    client.post(f"/app/problems/{problem.pk}/status/", {"status": "resolved"})
    body = "Hi {{ customer.name }}, {{ problem.title }} is fixed."
    preview = client.post(
        f"/app/problems/{problem.pk}/announce/", {"body": body, "solve_linked": "on"}
    ).content.decode()
    assert "2 customers will be told" in preview
    assert "Hi P0, Sign-in outage is fixed." in preview
    assert not Announcement.objects.exists()
    # A stale confirmation (someone linked a third customer meanwhile) previews again.
    problem.links.create(conversation=_people(1, open_conv, support, start=5)[0])
    again = client.post(
        f"/app/problems/{problem.pk}/announce/", {"body": body, "confirm": "2"}
    ).content.decode()
    assert "3 customers will be told" in again
    assert not Announcement.objects.exists()
    client.post(f"/app/problems/{problem.pk}/announce/", {"body": body, "confirm": "3"})
    announcement = Announcement.objects.get()
    assert announcement.total == 3
    # A second click (or the back button and send again) does not tell them twice.
    client.post(f"/app/problems/{problem.pk}/announce/", {"body": body, "confirm": "3"})
    assert Announcement.objects.count() == 1
    progress = client.get(f"/app/problems/{problem.pk}/announce/progress/").content.decode()
    assert re.search(r"Sending:|Sent ", progress)


def test_template_errors_are_shown_not_sent(
    as_user: SignIn, agent: User, support: Team, open_conv: Opener
) -> None:
    problem = problem_create(
        actor=agent, title="X", team=support, conversations=_people(1, open_conv, support)
    )
    page = (
        as_user(agent)
        .post(
            f"/app/problems/{problem.pk}/announce/",
            {"body": "Hi {{ customer.name|shout }}", "confirm": "1"},
        )
        .content.decode()
    )
    assert "template error" in page
    assert not Announcement.objects.exists()


def test_a_collaborator_sees_only_their_departments_problems(
    as_user: SignIn, agent: User, collaborator: User, billing: Team, engineering: Team
) -> None:
    theirs = problem_create(actor=agent, title="Invoices wrong", team=billing)
    other = problem_create(actor=agent, title="Sign-in", team=engineering)
    client = as_user(collaborator)
    listing = client.get("/app/problems/").content.decode()
    assert "Invoices wrong" in listing
    assert "Sign-in" not in listing
    assert client.get(f"/app/problems/{other.pk}/").status_code == 404
    assert (
        client.post(f"/app/problems/{other.pk}/status/", {"status": "resolved"}).status_code == 404
    )
    assert client.get(f"/app/problems/{theirs.pk}/").status_code == 200


def test_the_demand_report_ranks_feature_requests(
    as_user: SignIn, supervisor: User, support: Team
) -> None:
    wanted = problem_create(
        actor=supervisor,
        title="Dark mode",
        team=support,
        kind=ProblemKind.FEATURE,
        portal_visible=True,
    )
    problem_create(
        actor=supervisor,
        title="CSV export",
        team=support,
        kind=ProblemKind.FEATURE,
        portal_visible=True,
    )
    for i in range(3):
        problem_vote(problem=wanted, customer=customer_create(name=f"V{i}"))
    page = as_user(supervisor).get("/app/problems/demand/").content.decode()
    assert page.index("Dark mode") < page.index("CSV export")
    assert "rising" in page


def test_the_demand_report_keeps_the_most_wanted_open_requests(
    supervisor: User, support: Team
) -> None:
    from concord.problems.demand import feature_demand
    from concord.problems.models import ProblemStatus
    from concord.problems.services import problem_set_status

    quiet = [
        problem_create(actor=supervisor, title=f"Old {n}", team=support, kind=ProblemKind.FEATURE)
        for n in range(3)
    ]
    wanted = problem_create(
        actor=supervisor, title="Wanted", team=support, kind=ProblemKind.FEATURE,
        portal_visible=True,
    )  # fmt: skip
    shipped = problem_create(
        actor=supervisor, title="Shipped", team=support, kind=ProblemKind.FEATURE,
        portal_visible=True,
    )  # fmt: skip
    for i in range(2):
        problem_vote(problem=wanted, customer=customer_create(name=f"W{i}"))
        problem_vote(problem=shipped, customer=customer_create(name=f"S{i}"))
    problem_set_status(problem=shipped, actor=supervisor, status=ProblemStatus.SHIPPED)
    rows = feature_demand(user=supervisor, limit=2)
    assert rows[0].problem == wanted
    assert shipped not in [r.problem for r in rows]
    assert len(rows) == 2
    assert rows[1].problem in quiet
