"""Issue 6's done-when on generated demo data, with mail through a real SMTP sink.

The demo is generated (its history runs no automations), then an agent solves
one of its open email conversations and answers a chat: the survey emails reach
the sink, their links record the answers, and a CES of 1 notifies the agent.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from concord.accounts.models import User
from concord.common.testing.commit import Committing
from concord.common.testing.mail import Sink
from concord.conversations.models import Conversation, Status
from concord.conversations.services import conversation_open, conversation_reply
from concord.demo.generate import generate
from concord.notifications.models import Notification
from concord.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db


def _link(message: Any, label: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(rf"^{re.escape(label)}: (\S+)", text, re.MULTILINE)
    assert match, text
    return urlsplit(match.group(1)).path


def test_on_demo_data_solving_sends_csat_and_a_ces_of_1_notifies_the_agent(
    sink: Sink, client: Client, committed: Committing
) -> None:
    # A fixed end time: the demo's stories depend on the weekday and the hour.
    generate(conversations=60, seed=1, now=datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    waiting = (
        Conversation.objects.filter(
            channel__in=["email", "web"],
            status__in=[Status.NEW, Status.OPEN, Status.PENDING],
            assignee__isnull=False,
        )
        .select_related("assignee")
        .first()
    )
    assert waiting is not None, "the demo has no open email or web conversation with an owner"
    agent: User = waiting.assignee  # type: ignore[assignment]

    with committed():
        conversation_reply(
            conversation=waiting, actor=agent, body_text="Sorted, thank you!", status="solved"
        )
    [csat_mail] = [r for r in sink.handler.received if r.message["Subject"] == "How did we do?"]
    page = client.get(_link(csat_mail.message, "4"))
    assert page.status_code == 200
    assert b"your answer is recorded" in page.content
    assert b"<form" in page.content  # the comment page
    answer = SurveyResponse.objects.get(conversation=waiting)
    assert (answer.kind, answer.score, answer.agent_id) == ("csat", 4, agent.pk)

    # A chat with another demo customer (the first is in its survey cool-down now),
    # answered and ended by the same agent.
    other = (
        Conversation.objects.filter(channel="email")
        .exclude(customer=waiting.customer)
        .select_related("customer")
        .first()
    )
    assert other is not None
    with committed():
        chat = conversation_open(
            channel="chat", body_text="Can I change my delivery address?", customer=other.customer
        )
    with committed():
        conversation_reply(
            conversation=chat, actor=agent, body_text="Done, it is changed.", status="solved"
        )
    [ces_mail] = [
        r for r in sink.handler.received if r.message["Subject"] == "Was it easy to get help?"
    ]
    with committed():
        assert client.get(_link(ces_mail.message, "1")).status_code == 200
    [alert] = Notification.objects.filter(recipient=agent, conversation=chat)
    assert alert.title.startswith("Low effort score (1/7)")
