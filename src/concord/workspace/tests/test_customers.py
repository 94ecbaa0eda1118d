"""The customer directory and the 360° customer page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.customers.models import Customer
from concord.workspace.tests.conftest import Opener

SignIn = Callable[[User], Client]


def test_search_finds_by_email_and_name(as_user: SignIn, agent: User, customer: Customer) -> None:
    client = as_user(agent)
    by_email = client.get("/app/customers/", {"q": "NORA@northwind.example"})
    assert [c.pk for c in by_email.context["results"]] == [customer.pk]
    by_name = client.get("/app/customers/", {"q": "quinn"})
    assert f'href="/app/customers/{customer.pk}/"' in by_name.content.decode()
    nobody = client.get("/app/customers/", {"q": "no such person"})
    assert "Nobody matches “no such person”" in nobody.content.decode()


def test_the_customer_page_shows_the_360_view(
    as_user: SignIn, agent: User, customer: Customer, open_conv: Opener, support: Team
) -> None:
    by_mail = open_conv(subject="Mail question", team=support)
    by_chat = open_conv(subject="Chat question", channel="chat", team=support)
    html = as_user(agent).get(f"/app/customers/{customer.pk}/").content.decode()
    for expected in (
        "Nora Quinn",
        "nora@northwind.example",
        "+1 555 0100",
        "Northwind",
        '<span class="tier tier-vip">VIP</span>',  # the organization's tier
        '<span class="tier tier-premium">Premium</span>',  # the customer's value tier
        "ada",  # account owner
        'class="current" aria-current="step">Loyalty',
        "ORD-1001",
        "129.90 EUR",
        f'href="/app/conversations/{by_mail.pk}/"',
        f'href="/app/conversations/{by_chat.pk}/"',
        '<span class="channel channel-chat">Live chat</span>',
        f"/app/?view=all&amp;customer={customer.pk}",
    ):
        assert expected in html, expected


def test_an_unknown_customer_is_a_404(as_user: SignIn, agent: User, db: None) -> None:
    assert as_user(agent).get("/app/customers/999999/").status_code == 404


@pytest.mark.parametrize("path", ["/app/customers/", "/app/customers/{pk}/"])
def test_collaborators_do_not_browse_customers(
    as_user: SignIn, collaborator: User, customer: Customer, path: str
) -> None:
    response = as_user(collaborator).get(path.format(pk=customer.pk))
    assert response.status_code in (403, 404)
    assert "Nora Quinn" not in response.content.decode()


def test_the_customer_page_has_a_bounded_query_count(
    as_user: SignIn,
    agent: User,
    customer: Customer,
    open_conv: Opener,
    support: Team,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(10):
        open_conv(subject=f"Question {n}", team=support)
    client = as_user(agent)
    # The 9th query reads the customer's phone calls.
    with django_assert_max_num_queries(9):
        client.get(f"/app/customers/{customer.pk}/")
