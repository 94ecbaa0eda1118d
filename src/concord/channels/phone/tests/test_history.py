"""Calls in the customer's history: the selectors and the "Calls" block the workspace shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string

from concord.accounts.models import Team, User
from concord.automations.context import suppressed
from concord.channels.phone.selectors import calls_for_conversation, calls_for_customer
from concord.channels.phone.tests.helpers import PHONE, T0, record, record_missed
from concord.conversations.selectors import conversation_recent_for_customer
from concord.conversations.services import conversation_merge, conversation_open

pytestmark = pytest.mark.django_db


def test_a_call_is_in_the_customers_history(agent: User, support: Team) -> None:
    call = record(agent=agent, team=support).call
    history = conversation_recent_for_customer(user=agent, customer=call.customer)
    assert [c.pk for c in history] == [call.conversation_id]
    assert [c.pk for c in calls_for_customer(user=agent, customer_id=call.customer_id)] == [call.pk]


def test_the_customer_page_lists_calls_newest_first_as_far_as_the_user_sees(
    agent: User, other_agent: User, support: Team, billing: Team
) -> None:
    first = record(team=support).call
    missed = record_missed(team=support, queued_at=T0 + timedelta(days=1)).call
    billing_call = record(team=billing, queued_at=T0 + timedelta(days=2)).call
    customer = first.customer_id
    assert [c.pk for c in calls_for_customer(user=agent, customer_id=customer)] == [
        missed.pk,
        first.pk,
    ]
    assert [c.pk for c in calls_for_customer(user=other_agent, customer_id=customer)] == [
        billing_call.pk
    ]


def test_a_conversation_shows_its_calls_and_those_of_conversations_merged_into_it(
    agent: User,
) -> None:
    first = record(summary="Asked for a refund.").call
    later = record_missed(queued_at=T0 + timedelta(hours=3)).call
    with suppressed():
        conversation_merge(source=later.conversation, target=first.conversation, actor=agent, at=T0)
    calls = calls_for_conversation(user=agent, conversation=first.conversation)
    assert [c.pk for c in calls] == [first.pk, later.pk]


def test_the_calls_block_shows_each_call(agent: User, support: Team) -> None:
    answered = record(
        agent=agent,
        team=support,
        summary="Wants the invoice re-sent.",
        recording_url="https://pbx.example/recordings/1.mp3",
    ).call
    missed = record_missed(team=support, queued_at=T0 + timedelta(hours=1)).call
    with suppressed():
        email = conversation_open(
            channel="email", customer=answered.customer, body_text="Also by email.", at=T0
        )
    about_email = record(conversation_id=email.pk, queued_at=T0 + timedelta(hours=2)).call
    html = render_to_string(
        "phone/_calls.html",
        {"calls": calls_for_customer(user=agent, customer_id=answered.customer_id)},
    )
    assert html.count("data-call-id=") == 3
    assert f"From {PHONE}" in html
    assert "answered after 45 s" in html
    assert "5 min · 1 min · 1 min 30 s" in html
    assert "Wants the invoice re-sent." in html
    assert 'href="https://pbx.example/recordings/1.mp3" rel="noopener noreferrer"' in html
    assert "missed: hung up after 2 min in the queue" in html
    assert f'data-call-id="{missed.pk}" class="call-missed"' in html
    assert f"/app/conversations/{about_email.conversation_id}/" in html
    # On a conversation's own page its calls need no link back to it.
    own = render_to_string(
        "phone/_calls.html",
        {
            "calls": calls_for_conversation(user=agent, conversation=email),
            "conversation": email,
        },
    )
    assert own.count("data-call-id=") == 1
    assert f"/app/conversations/{email.pk}/" not in own


def test_no_calls_says_so(agent: User) -> None:
    assert "No calls." in render_to_string("phone/_calls.html", {"calls": []})
