"""A request linked to a problem shows the problem's public note, never its description."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.conversations.models import Conversation
from concord.conversations.services import conversation_open
from concord.customers.models import Customer
from concord.problems.models import ProblemKind, ProblemStatus
from concord.problems.services import problem_create, problem_set_status

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User], Client]


def _request(customer: Customer) -> Conversation:
    return conversation_open(
        channel="web", customer=customer, subject="Cannot pay", body_text="The card is refused."
    )


def test_the_request_shows_the_known_issue_in_customers_words(
    ann: Customer, ann_user: User, agent: User, billing: Team, signed_in: SignedIn
) -> None:
    conversation = _request(ann)
    problem_create(
        actor=agent,
        team=billing,
        title="Card payments fail",
        description="Internal: the PSP rotated its certificate, ticket OPS-113.",
        public_note="Our card provider has an outage; your order is safe.",
        eta=date(2027, 1, 5),
        conversations=[conversation],
    )
    page = signed_in(ann_user).get(f"/help/requests/{conversation.pk}/").content.decode()
    assert "Known issue</strong>" in page
    assert "Card payments fail" not in page  # the title is internal
    assert "Our card provider has an outage; your order is safe." in page
    assert 'expected fix <time datetime="2027-01-05">Jan. 5, 2027</time>' in page
    assert "OPS-113" not in page
    assert "certificate" not in page


def test_a_problem_without_a_public_note_says_nothing(
    ann: Customer, ann_user: User, agent: User, billing: Team, signed_in: SignedIn
) -> None:
    conversation = _request(ann)
    problem_create(
        actor=agent,
        team=billing,
        title="Secret outage name",
        description="Only for us.",
        conversations=[conversation],
    )
    page = signed_in(ann_user).get(f"/help/requests/{conversation.pk}/").content.decode()
    assert "Secret outage name" not in page
    assert "Known issue" not in page


def test_a_fixed_problem_says_fixed_without_the_old_estimate(
    ann: Customer,
    ann_user: User,
    agent: User,
    supervisor: User,
    billing: Team,
    signed_in: SignedIn,
) -> None:
    conversation = _request(ann)
    problem = problem_create(
        actor=agent,
        team=billing,
        title="Card payments fail",
        public_note="Payments work again.",
        eta=date(2027, 1, 5),
        conversations=[conversation],
    )
    problem_set_status(problem=problem, actor=supervisor, status=ProblemStatus.RESOLVED)
    page = signed_in(ann_user).get(f"/help/requests/{conversation.pk}/").content.decode()
    assert "Fixed</strong> — Payments work again." in page
    assert "Known issue" not in page
    assert "expected" not in page


def test_a_linked_feature_request_is_not_called_an_issue(
    ann: Customer, ann_user: User, agent: User, support: Team, signed_in: SignedIn
) -> None:
    conversation = _request(ann)
    problem_create(
        actor=agent,
        team=support,
        kind=ProblemKind.FEATURE,
        title="Pay by invoice",
        public_note="On our list for spring.",
        portal_visible=True,
        conversations=[conversation],
    )
    page = signed_in(ann_user).get(f"/help/requests/{conversation.pk}/").content.decode()
    assert "Requested feature: Pay by invoice</strong>" in page
    assert "under review" in page
    assert "Known issue" not in page


def test_only_the_problems_of_this_request_show(
    ann: Customer,
    ann_user: User,
    ben: Customer,
    agent: User,
    billing: Team,
    signed_in: SignedIn,
) -> None:
    mine, bens = _request(ann), _request(ben)
    problem_create(
        actor=agent,
        team=billing,
        title="Ben's problem",
        public_note="Only Ben's request is linked.",
        conversations=[bens],
    )
    page = signed_in(ann_user).get(f"/help/requests/{mine.pk}/").content.decode()
    assert "Ben's problem" not in page
    assert "Only Ben" not in page
