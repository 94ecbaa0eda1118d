"""Password guessing is throttled per account and per client address, everywhere one signs in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from concord.accounts.models import Role, User
from concord.common.client_ip import client_ip
from concord.common.testing import factories
from concord.customers.services import customer_create
from concord.portal.services import portal_user_for_customer

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests"
LIMIT = 5


def _staff(username: str, **kwargs: object) -> User:
    return factories.UserFactory.create(username=username, role=Role.ADMIN, **kwargs)


def _customer(email: str) -> User:
    customer = customer_create(name="Ann Example", identities=[("email", email)])
    user = portal_user_for_customer(customer=customer, email=email)
    user.set_password(PASSWORD)
    user.save()
    return user


# Each sign-in form: its URL, and the POST for a login name and password.
FORMS: dict[str, tuple[str, Callable[[str, str], dict[str, str]]]] = {
    "workspace": ("/app/login/", lambda name, pw: {"username": name, "password": pw}),
    "admin": ("/admin/login/", lambda name, pw: {"username": name, "password": pw}),
    "portal": ("/help/sign-in/password/", lambda name, pw: {"email": name, "password": pw}),
}


def _login_name(form: str) -> str:
    if form == "portal":
        _customer("ann@example.net")
        return "ann@example.net"
    _staff("ada", is_staff=True, is_superuser=True)
    return "ada"


def _post(
    form: str, name: str, password: str, ip: str = "198.51.100.7", forwarded: str = ""
) -> Any:
    url, data = FORMS[form]
    client = (
        Client(REMOTE_ADDR=ip, HTTP_X_FORWARDED_FOR=forwarded)
        if forwarded
        else Client(REMOTE_ADDR=ip)
    )
    return client.post(url, data(name, password))


@pytest.mark.parametrize("form", FORMS)
def test_the_right_password_is_refused_after_too_many_wrong_ones(form: str) -> None:
    name = _login_name(form)
    for _ in range(LIMIT - 1):
        assert _post(form, name, "wrong").status_code == 200
    # The fifth wrong password already answers with the pause.
    assert _post(form, name, "wrong").status_code == 429
    locked = _post(form, name, PASSWORD)
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert locked["Retry-After"] == "900"
    # The account stays paused from any other address too.
    assert _post(form, name, PASSWORD, ip="203.0.113.99").status_code == 429


@pytest.mark.parametrize("form", FORMS)
def test_a_few_wrong_passwords_then_the_right_one_signs_in(form: str) -> None:
    name = _login_name(form)
    for _ in range(LIMIT - 1):
        _post(form, name, "wrong")
    assert _post(form, name, PASSWORD).status_code == 302


def test_the_portal_pause_does_not_tell_which_addresses_have_an_account() -> None:
    _customer("ann@example.net")
    for index in range(LIMIT - 1):
        _post("portal", "zed@example.net", "wrong", ip=f"198.51.100.{index}")
    # Another unknown address, and the real one, still get the ordinary answer.
    for name in ("kim@example.net", "ann@example.net"):
        answer = _post("portal", name, "wrong", ip="203.0.113.40")
        assert answer.status_code == 200
        assert b"do not match" in answer.content
    # Only the guessed address is paused, whether or not it has an account.
    assert _post("portal", "zed@example.net", "wrong", ip="203.0.113.41").status_code == 429


def test_one_address_guessing_many_accounts_is_paused() -> None:
    for index in range(LIMIT):
        _staff(f"user{index}")
        _post("workspace", f"user{index}", "wrong")
    _staff("victim")
    assert _post("workspace", "victim", PASSWORD).status_code == 429
    # Someone else, elsewhere, is not affected.
    assert _post("workspace", "victim", PASSWORD, ip="203.0.113.5").status_code == 302


def test_a_forged_forwarded_for_header_does_not_dodge_the_pause() -> None:
    _staff("ada")
    for index in range(LIMIT):
        _post("workspace", "nobody", "wrong", forwarded=f"192.0.2.{index}")
    assert _post("workspace", "ada", PASSWORD).status_code == 429


def test_the_pause_ends_after_the_cool_off() -> None:
    _staff("ada")
    for _ in range(LIMIT):
        _post("workspace", "ada", "wrong")
    assert _post("workspace", "ada", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _post("workspace", "ada", PASSWORD).status_code == 302


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    factory = RequestFactory()
    if forwarded is None:
        return client_ip(factory.get("/", REMOTE_ADDR=remote))
    return client_ip(factory.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded))


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert _ip("198.51.100.7", "1.2.3.4") == "198.51.100.7"


@override_settings(CONCORD_TRUSTED_PROXIES=["10.0.0.0/8", "2001:db8::1"])
def test_behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() -> None:
    assert _ip("10.0.0.2", "203.0.113.5") == "203.0.113.5"
    # The client wrote the leftmost entry itself: it is not believed.
    assert _ip("10.0.0.2", "1.2.3.4, 203.0.113.5, 10.0.0.9") == "203.0.113.5"
    assert _ip("2001:db8::1", "[2001:db8:5::7]:443") == "2001:db8:5::7"
    assert _ip("10.0.0.2", "not-an-address") == "10.0.0.2"
    assert _ip("10.0.0.2") == "10.0.0.2"
    # A peer that is not a trusted proxy cannot vouch for anyone.
    assert _ip("198.51.100.7", "203.0.113.5") == "198.51.100.7"
