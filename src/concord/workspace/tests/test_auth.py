"""Signing in and out, and who may enter the workspace."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from concord.accounts.models import Role, User
from concord.common.testing import factories

PASSWORD = "pw-for-tests"


def test_the_sign_in_page_has_a_labelled_form(client: Client, db: None) -> None:
    response = client.get("/app/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert "csrfmiddlewaretoken" in html


def test_an_agent_signs_in_and_the_session_is_rotated(client: Client, agent: User) -> None:
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    planted_key = str(session.session_key)
    client.cookies[settings.SESSION_COOKIE_NAME] = planted_key

    response = client.post("/app/login/", {"username": "alex", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/app/"
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key
    assert new_key != planted_key
    inbox = client.get("/app/")
    assert inbox.status_code == 200
    assert inbox.context["user"] == agent


def test_sign_in_returns_to_the_page_asked_for(client: Client, agent: User) -> None:
    response = client.post(
        "/app/login/?next=/app/customers/",
        {"username": "alex", "password": PASSWORD, "next": "/app/customers/"},
    )
    assert response["Location"] == "/app/customers/"


def test_a_wrong_password_is_refused_with_a_message(client: Client, agent: User) -> None:
    response = client.post("/app/login/", {"username": "alex", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_customer_cannot_sign_in_here(client: Client, db: None) -> None:
    factories.UserFactory.create(username="cora", role=Role.CUSTOMER)
    response = client.post("/app/login/", {"username": "cora", "password": PASSWORD})
    assert response.status_code == 200
    assert "This sign-in is for the service team" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.COLLABORATOR])
def test_every_staff_role_may_sign_in(client: Client, db: None, role: str) -> None:
    factories.UserFactory.create(username=f"u-{role}", role=role)
    response = client.post("/app/login/", {"username": f"u-{role}", "password": PASSWORD})
    assert response.status_code == 302


def test_the_menu_shows_name_and_role(as_user: Callable[[User], Client], supervisor: User) -> None:
    supervisor.first_name, supervisor.last_name = "Sam", "Stone"
    supervisor.save()
    html = as_user(supervisor).get("/app/").content.decode()
    assert '<span class="usermenu-name">Sam Stone</span>' in html
    assert '<span class="role role-supervisor">Supervisor</span>' in html


def test_sign_out_ends_the_session(as_user: Callable[[User], Client], agent: User) -> None:
    client = as_user(agent)
    response = client.post("/app/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/app/login/"
    assert client.get("/app/").status_code == 302


def test_sign_out_needs_a_post(as_user: Callable[[User], Client], agent: User) -> None:
    client = as_user(agent)
    assert client.get("/app/logout/").status_code == 405
    assert client.get("/app/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, db: None) -> None:
    response = client.get("/app/conversations/1/")
    assert response.status_code == 302
    assert response["Location"] == "/app/login/?next=/app/conversations/1/"


def test_an_htmx_poll_without_a_session_redirects_the_whole_page(client: Client, db: None) -> None:
    response = client.get("/app/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/app/login/"


def test_a_signed_in_customer_gets_the_403_page(
    as_user: Callable[[User], Client], db: None
) -> None:
    customer = factories.UserFactory.create(username="cora", role=Role.CUSTOMER)
    response = as_user(customer).get("/app/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You can't open this page" in html
    assert "The agent workspace is for the service team." in html
    assert "Sign out (cora)" in html


def test_unknown_pages_get_the_404_page(client: Client, db: None) -> None:
    response = client.get("/app/no-such-page/")
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()
