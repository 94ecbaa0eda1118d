"""Ideas in the portal: anyone reads them, a signed-in customer votes (and takes it back)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.customers.models import Customer
from concord.problems.models import Problem, ProblemKind, ProblemStatus, ProblemVote
from concord.problems.services import problem_create, problem_set_status

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User], Client]


def _idea(agent: User, team: Team, title: str, *, visible: bool = True, **fields: Any) -> Problem:
    return problem_create(
        actor=agent,
        team=team,
        title=title,
        kind=ProblemKind.FEATURE,
        portal_visible=visible,
        **fields,
    )


@pytest.fixture
def dark_mode(agent: User, support: Team) -> Problem:
    return _idea(
        agent,
        support,
        "Dark mode",
        public_note="We are sketching it.",
        description="Internal: needs the design system rework first.",
    )


def test_a_visitor_reads_the_ideas_and_is_asked_to_sign_in_to_vote(
    agent: User, support: Team, dark_mode: Problem
) -> None:
    _idea(agent, support, "Hidden wish", visible=False)
    problem_create(actor=agent, team=support, title="Checkout is down")
    response = Client().get("/help/ideas/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dark mode" in page
    assert "We are sketching it." in page
    assert "Under review" in page
    assert "<strong>0</strong> votes" in page
    # The internal description, unlisted requests and problems never reach the portal.
    assert "design system" not in page
    assert "Hidden wish" not in page
    assert "Checkout is down" not in page
    assert 'href="/help/sign-in/?next=%2Fhelp%2Fideas%2F">Sign in</a> to vote' in page
    assert 'name="vote"' not in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_the_navigation_links_to_ideas(ann_user: User, signed_in: SignedIn) -> None:
    signed_in_page = signed_in(ann_user).get("/help/requests/").content.decode()
    assert '<a href="/help/ideas/">Ideas</a>' in signed_in_page
    visitor_page = Client().get("/help/sign-in/").content.decode()
    assert '<a href="/help/ideas/">Ideas</a>' in visitor_page
    ideas_page = Client().get("/help/ideas/").content.decode()
    assert '<a href="/help/ideas/" aria-current="page">Ideas</a>' in ideas_page


def test_a_customer_votes_once_and_takes_the_vote_back(
    ann: Customer, ann_user: User, dark_mode: Problem, signed_in: SignedIn
) -> None:
    client = signed_in(ann_user)
    url = f"/help/ideas/{dark_mode.pk}/vote/"
    response = client.post(url, {"vote": "add"})
    assert response.status_code == 302
    assert response["Location"] == f"/help/ideas/#idea-{dark_mode.pk}"
    # A second submit of the same button (a double click, a reload) changes nothing.
    client.post(url, {"vote": "add"})
    assert ProblemVote.objects.filter(problem=dark_mode, customer=ann).count() == 1
    page = client.get("/help/ideas/").content.decode()
    assert "<strong>1</strong> vote<" in page
    assert "You voted" in page
    assert 'value="remove"' in page

    client.post(url, {"vote": "remove"})
    client.post(url, {"vote": "remove"})
    assert not ProblemVote.objects.filter(problem=dark_mode).exists()
    page = client.get("/help/ideas/").content.decode()
    assert "<strong>0</strong> votes" in page
    assert 'value="add"' in page


def test_the_list_is_most_wanted_first_in_a_fixed_number_of_queries(
    agent: User,
    support: Team,
    ann: Customer,
    ann_user: User,
    ben: Customer,
    signed_in: SignedIn,
    django_assert_max_num_queries: Any,
) -> None:
    from concord.problems.services import problem_vote

    ideas = [_idea(agent, support, f"Idea {n}") for n in range(12)]
    problem_vote(problem=ideas[3], customer=ann)
    problem_vote(problem=ideas[3], customer=ben)
    problem_vote(problem=ideas[7], customer=ben)
    client = signed_in(ann_user)
    with django_assert_max_num_queries(8):
        page = client.get("/help/ideas/").content.decode()
    assert page.index("Idea 3<") < page.index("Idea 7<") < page.index("Idea 11<")
    assert page.count("You voted") == 1


def test_a_shipped_idea_shows_its_votes_but_takes_none(
    agent: User, ann_user: User, dark_mode: Problem, signed_in: SignedIn
) -> None:
    problem_set_status(problem=dark_mode, actor=agent, status=ProblemStatus.SHIPPED)
    page = signed_in(ann_user).get("/help/ideas/").content.decode()
    assert "Shipped" in page
    assert 'name="vote"' not in page


def test_only_listed_feature_requests_take_votes(
    agent: User, support: Team, ann: Customer, ann_user: User, signed_in: SignedIn
) -> None:
    hidden = _idea(agent, support, "Hidden wish", visible=False)
    problem = problem_create(actor=agent, team=support, title="Checkout is down")
    client = signed_in(ann_user)
    for target in (hidden.pk, problem.pk, 999_999):
        response = client.post(f"/help/ideas/{target}/vote/", {"vote": "add"})
        assert response.status_code == 404
    assert not ProblemVote.objects.exists()


def test_voting_needs_a_signed_in_customer(
    ann_user: User, agent: User, dark_mode: Problem, signed_in: SignedIn
) -> None:
    url = f"/help/ideas/{dark_mode.pk}/vote/"
    response = Client().post(url, {"vote": "add"})
    assert response.status_code == 302
    assert response["Location"].startswith("/help/sign-in/?next=")
    # Staff are not customers: their vote would count nobody.
    response = signed_in(agent).post(url, {"vote": "add"})
    assert response.status_code == 403
    assert not ProblemVote.objects.exists()
    # After signing in, the "next" address (the vote URL) leads back to the list.
    response = signed_in(ann_user).get(url)
    assert response["Location"] == f"/help/ideas/#idea-{dark_mode.pk}"
    assert not ProblemVote.objects.exists()


def test_a_vote_without_the_csrf_token_is_refused(ann_user: User, dark_mode: Problem) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(ann_user)
    response = client.post(f"/help/ideas/{dark_mode.pk}/vote/", {"vote": "add"})
    assert response.status_code == 403
    assert not ProblemVote.objects.exists()
    # The page's own form carries the token.
    page = client.get("/help/ideas/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
