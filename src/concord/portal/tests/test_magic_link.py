from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Role, User
from concord.customers.models import Customer
from concord.portal.models import MagicLink
from concord.portal.selectors import magic_link_check
from concord.portal.services import magic_link_deliver, magic_link_redeem, magic_link_request
from concord.portal.tests.conftest import RequestLink, sign_in_link

pytestmark = pytest.mark.django_db

SIGN_IN_URL = "http://testserver/help/sign-in/l/"


def test_the_emailed_link_uses_the_configured_address_not_the_host_header(
    ann: Customer, request_link: RequestLink, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    settings.CONCORD_BASE_URL = "https://help.acme.test"
    request_link(Client(HTTP_HOST="evil.example"), "ann@example.net")
    link = sign_in_link()
    assert link.startswith("https://help.acme.test/help/sign-in/l/")
    assert "evil.example" not in str(mail.outbox[0].body)


def test_it_emails_a_link_that_signs_the_customer_in(
    ann: Customer, request_link: RequestLink
) -> None:
    client = Client()
    request_link(client, "ANN@example.NET")  # case does not matter
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ann@example.net"]
    path = urlsplit(sign_in_link()).path

    # Opening the link only shows a button: mail scanners must not spend it.
    shown = client.get(path)
    assert shown.status_code == 200
    assert b"ann@example.net" in shown.content
    assert client.get("/help/requests/").status_code == 302

    session_before = client.session.session_key
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == "/help/requests/"
    assert client.get("/help/requests/").status_code == 200
    assert client.session.session_key != session_before  # rotated at sign-in

    ann.refresh_from_db()
    user = ann.user
    assert user is not None
    assert user.role == Role.CUSTOMER
    assert not user.has_usable_password()
    assert user.email == "ann@example.net"


def test_a_link_works_only_once(ann: Customer, request_link: RequestLink) -> None:
    request_link(Client(), "ann@example.net")
    path = urlsplit(sign_in_link()).path
    assert Client().post(path).status_code == 302

    again = Client()
    assert again.get(path).status_code == 410
    response = again.post(path)
    assert response.status_code == 410
    assert b"can\xe2\x80\x99t be used" in response.content
    assert again.get("/help/requests/").status_code == 302


def test_a_link_expires_after_30_minutes(
    ann: Customer, django_capture_on_commit_callbacks: Any
) -> None:
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        magic_link_request(email="ann@example.net", sign_in_url=SIGN_IN_URL, now=start)
    token = sign_in_link().rsplit("/", 2)[-2]
    assert magic_link_check(token=token, now=start + timedelta(minutes=29)) is not None
    assert magic_link_redeem(token=token, now=start + timedelta(minutes=30)) is None
    assert magic_link_redeem(token=token, now=start + timedelta(minutes=31)) is None
    # Still unused: expiry, not a spent link, refused it.
    assert MagicLink.objects.get().used_at is None


def test_an_expired_link_is_refused_in_the_browser_flow(
    ann: Customer, request_link: RequestLink
) -> None:
    request_link(Client(), "ann@example.net")
    path = urlsplit(sign_in_link()).path
    MagicLink.objects.update(created_at=timezone.now() - timedelta(minutes=31))
    client = Client()
    assert client.post(path).status_code == 410
    assert client.get("/help/requests/").status_code == 302
    ann.refresh_from_db()
    assert ann.user_id is None


def test_a_forged_or_mangled_link_is_refused(ann: Customer, request_link: RequestLink) -> None:
    request_link(Client(), "ann@example.net")
    token = sign_in_link().rsplit("/", 2)[-2]
    nonce, stamp, signature = token.split(":")
    forged = [
        f"{nonce}:{stamp}:{'A' * len(signature)}",
        f"{nonce[:-1]}x:{stamp}:{signature}",
        "x" * 500,
        "nothing",
    ]
    for bad in forged:
        client = Client()
        assert client.post(f"/help/sign-in/l/{bad}/").status_code == 410, bad
        assert client.get("/help/requests/").status_code == 302
    # The real one still works afterwards.
    assert Client().post(f"/help/sign-in/l/{token}/").status_code == 302


def test_unknown_addresses_get_the_same_page_and_no_email(
    ann: Customer, request_link: RequestLink
) -> None:
    known = request_link(Client(), "ann@example.net")
    unknown = request_link(Client(), "nobody@example.net")
    assert len(mail.outbox) == 1
    assert known.replace("ann@example.net", "X") == unknown.replace("nobody@example.net", "X")
    assert MagicLink.objects.count() == 1


def test_a_bad_address_is_a_form_error() -> None:
    response = Client().post("/help/sign-in/link/", {"email": "not an address"})
    assert response.status_code == 200
    assert b"Enter a valid email address." in response.content
    assert mail.outbox == []


def test_using_a_link_spends_older_ones_too(ann: Customer, request_link: RequestLink) -> None:
    request_link(Client(), "ann@example.net")
    first = urlsplit(sign_in_link()).path
    request_link(Client(), "ann@example.net")
    second = urlsplit(sign_in_link()).path
    assert first != second
    assert Client().post(second).status_code == 302
    assert Client().post(first).status_code == 410


def test_requests_for_links_are_capped(ann: Customer, request_link: RequestLink) -> None:
    for _ in range(8):
        request_link(Client(), "ann@example.net")
    assert len(mail.outbox) == 5


def test_delivery_runs_once(ann: Customer, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        magic_link_request(email="ann@example.net", sign_in_url=SIGN_IN_URL)
    link = MagicLink.objects.get()
    assert magic_link_deliver(link_id=link.pk, sign_in_url=SIGN_IN_URL) is False
    assert len(mail.outbox) == 1


def test_the_second_sign_in_reuses_the_login(ann: Customer, request_link: RequestLink) -> None:
    for _ in range(2):
        request_link(Client(), "ann@example.net")
        assert Client().post(urlsplit(sign_in_link()).path).status_code == 302
    assert User.objects.filter(role=Role.CUSTOMER).count() == 1


def test_a_deactivated_login_gets_no_link(
    ann: Customer, ann_user: User, request_link: RequestLink
) -> None:
    ann_user.is_active = False
    ann_user.save(update_fields=["is_active"])
    request_link(Client(), "ann@example.net")
    assert mail.outbox == []


def test_the_username_is_unique_even_if_taken(ann: Customer, request_link: RequestLink) -> None:
    User.objects.create(username=f"customer-{ann.pk}", role=Role.AGENT)
    request_link(Client(), "ann@example.net")
    assert Client().post(urlsplit(sign_in_link()).path).status_code == 302
    ann.refresh_from_db()
    user = ann.user
    assert user is not None
    assert user.username == f"customer-{ann.pk}-1"
    assert user.role == Role.CUSTOMER
