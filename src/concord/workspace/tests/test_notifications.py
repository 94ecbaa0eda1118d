"""The notifications page and the unread count in the navigation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import timezone

from concord.accounts.models import Role, User
from concord.common.testing import factories
from concord.conversations.models import Conversation
from concord.notifications.models import Notification
from concord.notifications.services import notification_send
from concord.workspace.tests.conftest import Opener

SignIn = Callable[[User], Client]


def notify(user: User, title: str, **kwargs: Any) -> Notification:
    [row] = notification_send(recipients=[user], title=title, body="", email=False, **kwargs)
    return row


def test_the_page_lists_only_the_users_own_with_links(
    as_user: SignIn, agent: User, other_agent: User, open_conv: Opener
) -> None:
    conversation: Conversation = open_conv(subject="Cracked jug")
    notify(agent, "Assigned to you", conversation=conversation)
    notify(other_agent, "Someone else's alarm")
    html = as_user(agent).get("/app/notifications/").content.decode()
    assert "Assigned to you" in html
    assert f'href="/app/conversations/{conversation.pk}/"' in html
    assert "Someone else" not in html


def test_the_navigation_loads_the_unread_count(as_user: SignIn, agent: User) -> None:
    client = as_user(agent)
    page = client.get("/app/customers/").content.decode()
    assert 'hx-get="/app/notifications/count/"' in page
    assert client.get("/app/notifications/count/").content.decode().strip() == ""
    notify(agent, "One")
    notify(agent, "Two")
    badge = client.get("/app/notifications/count/").content.decode().strip()
    assert badge == '<span class="count">2<span class="visually-hidden"> unread</span></span>'


def test_mark_read_and_mark_all_read(as_user: SignIn, agent: User) -> None:
    client = as_user(agent)
    first = notify(agent, "A")
    notify(agent, "B")
    notify(agent, "C")
    response = client.post(f"/app/notifications/{first.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == "/app/notifications/"
    first.refresh_from_db()
    assert first.read_at is not None
    html = client.get("/app/notifications/").content.decode()
    assert html.count("(unread)") == 2
    assert client.post("/app/notifications/read/").status_code == 302
    assert Notification.objects.filter(recipient=agent, read_at__isnull=True).count() == 0


def test_marking_someone_elses_notification_is_a_404(
    as_user: SignIn, agent: User, other_agent: User
) -> None:
    theirs = notify(other_agent, "Private")
    assert as_user(agent).post(f"/app/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post(as_user: SignIn, agent: User) -> None:
    mine = notify(agent, "Mine")
    assert as_user(agent).get(f"/app/notifications/{mine.pk}/read/").status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


def test_visitors_sign_in_and_customers_are_refused(client: Client, db: None) -> None:
    response = client.get("/app/notifications/")
    assert response.status_code == 302
    assert "/app/login/" in response["Location"]
    client.force_login(factories.UserFactory.create(username="cora", role=Role.CUSTOMER))
    assert client.get("/app/notifications/").status_code == 403


def test_the_list_costs_the_same_for_many(
    as_user: SignIn,
    agent: User,
    open_conv: Opener,
    django_assert_max_num_queries: Callable[[int], Any],
) -> None:
    conversation = open_conv()
    for i in range(30):
        notify(agent, f"N{i}", conversation=conversation if i % 2 else None, now=timezone.now())
    client = as_user(agent)
    with django_assert_max_num_queries(6):
        response = client.get("/app/notifications/")
    assert response.content.decode().count("(unread)") == 30


def test_each_user_chooses_how_each_kind_reaches_them(as_user: SignIn, agent: User) -> None:
    client = as_user(agent)
    page = client.get("/app/notifications/settings/").content.decode()
    assert 'name="kind-assigned" value="both" checked' in page
    assert 'name="kind-customer_replied" value="in_app" checked' in page
    response = client.post(
        "/app/notifications/settings/",
        {
            "kind-assigned": "none",
            "kind-customer_replied": "email",
            "kind-mentioned": "both",
            "kind-sla_warning": "in_app",
            "kind-other": "both",
        },
    )
    assert response.status_code == 302
    page = client.get("/app/notifications/settings/").content.decode()
    assert 'name="kind-assigned" value="none" checked' in page
    assert 'name="kind-sla_warning" value="in_app" checked' in page
    refused = client.post("/app/notifications/settings/", {"kind-assigned": "pigeon"}, follow=True)
    assert "Nothing was changed" in refused.content.decode()
    assert 'name="kind-assigned" value="none" checked' in refused.content.decode()


def test_the_mention_list_names_staff_and_teams_for_staff_only(
    as_user: SignIn, agent: User, support: Any
) -> None:
    client = as_user(agent)
    found = client.get("/app/mentions/", {"q": "al"}).json()["results"]
    assert {"handle": "alex", "label": "alex (@alex)"} in found
    teams = client.get("/app/mentions/", {"q": "sup"}).json()["results"]
    assert {"handle": "support", "label": "Support team (@support)"} in teams
    customer = factories.UserFactory.create(username="cust", role=Role.CUSTOMER)
    assert as_user(customer).get("/app/mentions/", {"q": "a"}).status_code == 403
    assert not any(
        r["handle"] == "cust" for r in as_user(agent).get("/app/mentions/").json()["results"]
    )
