"""A customer's time zone: chosen on the account page, or reported by the browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from django.test import Client

from concord.accounts.models import User
from concord.accounts.services import user_set_time_zone
from concord.conversations.services import conversation_open
from concord.customers.models import Customer

SignedIn = Callable[[User], Client]


def test_the_header_links_the_customers_name_to_the_account_page(
    ann_user: User, signed_in: SignedIn
) -> None:
    page = signed_in(ann_user).get("/help/requests/").content.decode()
    assert 'class="site-nav__user" href="/help/account/#time-zone"' in page


def test_a_customer_saves_a_zone_on_the_account_page(ann_user: User, signed_in: SignedIn) -> None:
    client = signed_in(ann_user)
    response = client.post("/help/account/time-zone/", {"time_zone": "America/Chicago"})
    assert response["Location"] == "/help/account/?zone=saved#time-zone"
    ann_user.refresh_from_db()
    assert ann_user.time_zone == "America/Chicago"
    page = client.get(response["Location"]).content.decode()
    assert "Your time zone is saved." in page
    assert "<strong>America/Chicago</strong>" in page


def test_an_unknown_zone_is_refused_on_the_account_page(
    ann_user: User, signed_in: SignedIn
) -> None:
    response = signed_in(ann_user).post("/help/account/time-zone/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "is not an IANA time zone. Choose one from the list." in response.content.decode()
    ann_user.refresh_from_db()
    assert ann_user.time_zone == ""


def test_the_portal_page_reports_the_browsers_zone_while_blank(
    ann_user: User, signed_in: SignedIn
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(ann_user)
    page = client.get("/help/requests/").content.decode()
    assert 'data-url="/help/account/time-zone/default/"' in page
    token = page.split('data-csrf="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/help/account/time-zone/default/",
        {"time_zone": "Pacific/Auckland"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 204
    ann_user.refresh_from_db()
    assert ann_user.time_zone == "Pacific/Auckland"
    assert "accounts/time_zone.js" not in client.get("/help/requests/").content.decode()


def test_the_portal_shows_times_in_the_customers_zone(
    ann: Customer, ann_user: User, signed_in: SignedIn
) -> None:
    # 23:30 UTC on the 15th is 08:30 on the 16th in Tokyo.
    conversation = conversation_open(
        channel="web", customer=ann, body_text="Help", at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
    )
    user_set_time_zone(user=ann_user, time_zone="Asia/Tokyo")
    client = signed_in(ann_user)
    thread = client.get(f"/help/requests/{conversation.pk}/").content.decode()
    assert 'title="2026-01-16 08:30 JST (Asia/Tokyo)">Jan. 16, 2026, 08:30</time>' in thread
    listing = client.get("/help/requests/").content.decode()
    assert "JST (Asia/Tokyo)" in listing
