"""The request list and a request's thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.conversations.models import Conversation, Status
from concord.conversations.services import (
    conversation_assign,
    conversation_note,
    conversation_open,
    conversation_reply,
    conversation_set_status,
)
from concord.customers.models import Customer, Organization
from concord.customers.services import customer_create, customer_update
from concord.portal.services import portal_user_for_customer

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User], Client]


def _open(customer: Customer, subject: str = "Where is my order?") -> Conversation:
    return conversation_open(
        channel="email", customer=customer, subject=subject, body_text="It has not arrived."
    )


def test_the_list_shows_status_and_the_team_working_on_it(
    ann: Customer, ann_user: User, admin_user: User, billing: Team, signed_in: SignedIn
) -> None:
    waiting = _open(ann, "Refund for order 1001")
    conversation_assign(conversation=waiting, actor=admin_user, team=billing)
    conversation_reply(
        conversation=waiting, actor=admin_user, body_text="Which card?", status=Status.PENDING
    )
    fresh = _open(ann, "Parcel lost")
    body = signed_in(ann_user).get("/help/requests/").content.decode()
    assert "Refund for order 1001" in body
    assert "Awaiting your reply" in body
    assert "Billing" in body
    assert "Parcel lost" in body
    assert "Received" in body
    rows = {
        row.split("</a>")[0].rsplit(">", 1)[-1]: row
        for row in body.split('class="request-row"')[1:]
    }
    assert "Handled by </span>Billing" in rows["Refund for order 1001"]
    # No team yet: the customer reads "Support", not a blank.
    assert "Handled by </span>Support" in rows["Parcel lost"]
    assert "Awaiting your reply" in rows["Refund for order 1001"]
    assert body.index("Parcel lost") < body.index("Refund for order 1001")  # newest first
    assert fresh.pk != waiting.pk


def test_the_list_shows_only_own_and_shared_organization_requests(
    acme: Organization, ann: Customer, ann_user: User, ben: Customer, signed_in: SignedIn
) -> None:
    customer_update(customer=ann, organization=acme)
    colleague = customer_create(
        name="Cleo Colleague", identities=[("email", "cleo@acme.test")], organization=acme
    )
    _open(ann, "Mine")
    _open(colleague, "Colleague's")
    _open(ben, "Stranger's")
    body = signed_in(ann_user).get("/help/requests/").content.decode()
    assert "Mine" in body
    assert "Colleague&#x27;s" in body
    assert "Shared by Cleo Colleague" in body
    assert "Stranger" not in body


def test_the_list_query_count_does_not_grow_with_rows(
    ann: Customer,
    ann_user: User,
    signed_in: SignedIn,
    django_assert_max_num_queries: Any,
    billing: Team,
    admin_user: User,
) -> None:
    client = signed_in(ann_user)
    for n in range(3):
        _open(ann, f"Few {n}")
    with django_assert_max_num_queries(6):
        assert client.get("/help/requests/").status_code == 200
    for n in range(20):
        conversation_assign(conversation=_open(ann, f"Many {n}"), actor=admin_user, team=billing)
    with django_assert_max_num_queries(6):
        response = client.get("/help/requests/")
    assert response.content.decode().count('class="request-row"') == 23


def test_the_list_pages_by_cursor(ann: Customer, ann_user: User, signed_in: SignedIn) -> None:
    for n in range(30):
        _open(ann, f"Request number {n:02d}")
    client = signed_in(ann_user)
    first = client.get("/help/requests/").content.decode()
    assert first.count('class="request-row"') == 25
    assert "Older requests" in first
    cursor = first.split("?after=")[1].split('"')[0]
    second = client.get(f"/help/requests/?after={cursor}").content.decode()
    assert second.count('class="request-row"') == 5
    assert "Request number 00" in second
    # A made-up cursor starts over instead of failing.
    assert client.get("/help/requests/?after=garbage").status_code == 200


def test_the_thread_shows_public_messages_and_never_internal_notes(
    ann: Customer, ann_user: User, agent: User, signed_in: SignedIn
) -> None:
    conversation = _open(ann)
    conversation_reply(conversation=conversation, actor=agent, body_text="It ships tomorrow.")
    conversation_note(conversation=conversation, actor=agent, body_text="SECRET-NOTE warehouse")
    body = signed_in(ann_user).get(f"/help/requests/{conversation.pk}/").content.decode()
    assert "It has not arrived." in body
    assert "It ships tomorrow." in body
    assert "SECRET-NOTE" not in body
    assert "warehouse" not in body


def test_hostile_message_content_is_inert(
    ann: Customer, ann_user: User, agent: User, signed_in: SignedIn
) -> None:
    conversation = conversation_open(
        channel="email",
        customer=ann,
        subject="<script>alert(1)</script>",
        body_html='<p>hi<img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a></p>'
        "<svg><script>alert(4)</script></svg>",
    )
    response = signed_in(ann_user).get(f"/help/requests/{conversation.pk}/")
    body = response.content.decode()
    assert "<script>alert" not in body
    assert "onerror" not in body
    assert "javascript:" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_reply_reopens_a_solved_request(
    ann: Customer, ann_user: User, agent: User, signed_in: SignedIn
) -> None:
    conversation = _open(ann)
    conversation_reply(conversation=conversation, actor=agent, body_text="Fixed.")
    conversation_set_status(conversation=conversation, actor=agent, status=Status.SOLVED)
    response = signed_in(ann_user).post(
        f"/help/requests/{conversation.pk}/", {"body": "Still broken, sorry."}
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    last = conversation.messages.order_by("-id").first()
    assert last is not None
    assert last.body_text == "Still broken, sorry."
    assert last.channel == "web"
    assert last.author_customer_id == ann.pk


def test_an_empty_reply_is_a_form_error(ann: Customer, ann_user: User, signed_in: SignedIn) -> None:
    conversation = _open(ann)
    response = signed_in(ann_user).post(f"/help/requests/{conversation.pk}/", {"body": "  "})
    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert conversation.messages.count() == 1


def test_a_reply_to_a_closed_request_opens_a_follow_up(
    ann: Customer, ann_user: User, agent: User, signed_in: SignedIn
) -> None:
    conversation = _open(ann)
    conversation_set_status(conversation=conversation, actor=agent, status=Status.SOLVED)
    conversation_set_status(conversation=conversation, actor=agent, status=Status.CLOSED)
    response = signed_in(ann_user).post(f"/help/requests/{conversation.pk}/", {"body": "Again"})
    follow_up = Conversation.objects.get(follow_up_of=conversation)
    assert response["Location"] == f"/help/requests/{follow_up.pk}/"


def test_a_colleague_may_read_a_shared_request_but_not_reply(
    acme: Organization, ann: Customer, signed_in: SignedIn
) -> None:
    customer_update(customer=ann, organization=acme)
    colleague = customer_create(
        name="Cleo", identities=[("email", "cleo@acme.test")], organization=acme
    )
    cleo = portal_user_for_customer(customer=colleague)
    conversation = _open(ann)
    client = signed_in(cleo)
    page = client.get(f"/help/requests/{conversation.pk}/")
    assert page.status_code == 200
    assert b"only they can reply" in page.content
    assert b"Send reply" not in page.content
    response = client.post(f"/help/requests/{conversation.pk}/", {"body": "Me too"})
    assert response.status_code == 403
    assert conversation.messages.count() == 1
