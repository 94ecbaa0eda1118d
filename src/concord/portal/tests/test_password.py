from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from concord.accounts.models import User

pytestmark = pytest.mark.django_db

GOOD = "harbour-lantern-47"


def test_a_customer_sets_a_password_and_signs_in_with_it(
    ann_user: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(ann_user)
    response = client.post("/help/account/", {"password1": GOOD, "password2": GOOD})
    assert response.status_code == 200
    assert b"Your password is saved." in response.content
    # The session that set it stays signed in.
    assert client.get("/help/requests/").status_code == 200

    fresh = Client()
    response = fresh.post("/help/sign-in/password/", {"email": "ANN@example.net", "password": GOOD})
    assert response.status_code == 302
    assert response["Location"] == "/help/requests/"
    assert fresh.get("/help/requests/").status_code == 200


def test_weak_or_mismatched_passwords_are_refused(
    ann_user: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(ann_user)
    response = client.post("/help/account/", {"password1": "123", "password2": "123"})
    assert response.status_code == 200
    assert b"too short" in response.content
    response = client.post("/help/account/", {"password1": GOOD, "password2": GOOD + "x"})
    assert response.status_code == 200
    assert b"The two passwords differ." in response.content
    ann_user.refresh_from_db()
    assert not ann_user.has_usable_password()


def test_a_wrong_password_or_unknown_address_gets_one_answer(ann_user: User) -> None:
    ann_user.set_password(GOOD)
    ann_user.save()
    wrong = Client().post("/help/sign-in/password/", {"email": "ann@example.net", "password": "x"})
    unknown = Client().post(
        "/help/sign-in/password/", {"email": "zed@example.net", "password": GOOD}
    )
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert b"That email address and password do not match." in response.content


def test_staff_cannot_sign_in_to_the_portal(agent: User) -> None:
    agent.set_password(GOOD)
    agent.save()
    client = Client()
    response = client.post("/help/sign-in/password/", {"email": agent.email, "password": GOOD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_signed_in_staff_member_is_turned_away(
    agent: User, signed_in: Callable[[User], Client]
) -> None:
    response = signed_in(agent).get("/help/requests/")
    assert response.status_code == 403
    assert b"agent workspace" in response.content


def test_signing_in_goes_back_to_the_page_asked_for(ann_user: User) -> None:
    ann_user.set_password(GOOD)
    ann_user.save()
    client = Client()
    asked = client.get("/help/requests/new/")
    assert asked.status_code == 302
    assert asked["Location"] == "/help/sign-in/?next=%2Fhelp%2Frequests%2Fnew%2F"
    response = client.post(
        "/help/sign-in/password/",
        {"email": "ann@example.net", "password": GOOD, "next": "/help/requests/new/"},
    )
    assert response["Location"] == "/help/requests/new/"
    evil = Client().post(
        "/help/sign-in/password/",
        {"email": "ann@example.net", "password": GOOD, "next": "https://evil.test/help/"},
    )
    assert evil["Location"] == "/help/requests/"


def test_signing_out_needs_a_post(ann_user: User, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(ann_user)
    assert client.get("/help/sign-out/").status_code == 405
    assert client.post("/help/sign-out/").status_code == 302
    assert client.get("/help/requests/").status_code == 302
