"""The account page's checkbox: whether a customer is told of fixes and of ideas they voted for."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from concord.accounts.models import User
from concord.customers.models import Customer

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User], Client]
LABEL = "Tell me when a problem I reported is fixed, and about features I voted for"


def test_updates_are_on_until_the_customer_unticks_the_box(
    ann: Customer, ann_user: User, signed_in: SignedIn
) -> None:
    client = signed_in(ann_user)
    page = client.get("/help/account/").content.decode()
    assert LABEL in page
    assert 'name="receive" id="id_receive" checked' in page

    # An unticked checkbox sends nothing.
    response = client.post("/help/account/updates/", {})
    assert response["Location"] == "/help/account/?updates=saved#updates"
    ann.refresh_from_db()
    assert ann.updates_opt_out_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "Your choice is saved." in page
    assert 'name="receive" id="id_receive">' in page

    client.post("/help/account/updates/", {"receive": "on"})
    ann.refresh_from_db()
    assert ann.updates_opt_out_at is None


def test_opting_out_twice_keeps_the_first_moment(
    ann: Customer, ann_user: User, signed_in: SignedIn
) -> None:
    client = signed_in(ann_user)
    client.post("/help/account/updates/", {})
    ann.refresh_from_db()
    first = ann.updates_opt_out_at
    client.post("/help/account/updates/", {})
    ann.refresh_from_db()
    assert ann.updates_opt_out_at == first


def test_the_choice_needs_the_csrf_token_and_a_customer(
    ann: Customer, ann_user: User, agent: User, signed_in: SignedIn
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(ann_user)
    assert client.post("/help/account/updates/", {}).status_code == 403
    assert signed_in(agent).post("/help/account/updates/", {}).status_code == 403
    assert Client().post("/help/account/updates/", {}).status_code == 302
    ann.refresh_from_db()
    assert ann.updates_opt_out_at is None
    assert signed_in(ann_user).get("/help/account/updates/").status_code == 405
