"""Done-when, on the demo surveys: solving sends a CSAT email to a real SMTP sink; its link
records the answer and shows the comment page; a CES of 1 notifies the agent."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from concord.accounts.models import User
from concord.common.testing.commit import Committing
from concord.common.testing.mail import Sink
from concord.notifications.models import Notification
from concord.surveys import demo
from concord.surveys.models import SurveyDefinition, SurveyResponse
from concord.surveys.tests.conftest import Solver

pytestmark = [pytest.mark.django_db, pytest.mark.urls("concord.surveys.tests.urls")]


def _link(sink_message: Any, label: str) -> str:
    text = sink_message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(rf"^{re.escape(label)}: (\S+)", text, re.MULTILINE)
    assert match, text
    return match.group(1)


def test_solving_sends_the_demo_csat_email_and_its_link_records_the_answer(
    sink: Sink, settings: Any, solve: Solver, agent: User, client: Client
) -> None:
    settings.CONCORD_BASE_URL = "http://help.acme.test"
    demo.seed(now=timezone.now())
    definitions = SurveyDefinition.objects.count()
    demo.seed(now=timezone.now())  # a second run adds nothing
    assert SurveyDefinition.objects.count() == definitions >= 2

    conversation = solve(channel="email")
    [received] = sink.handler.received
    email = received.message
    assert received.rcpt_tos == ["dana@customer.test"]
    assert email["Subject"] == "How did we do?"
    assert email["Auto-Submitted"] == "auto-generated"
    html = email.get_body(preferencelist=("html",))
    assert html is not None
    assert html.get_content().count('data-score="') == 5

    url = _link(email, "5")
    assert url.startswith("http://help.acme.test/survey/")
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    assert b"your answer is recorded" in page.content
    response = SurveyResponse.objects.get()
    assert (response.kind, response.score) == ("csat", 5)
    assert (response.conversation_id, response.agent_id) == (conversation.pk, agent.pk)


def test_a_ces_of_1_on_the_demo_chat_survey_notifies_the_agent(
    sink: Sink, solve: Solver, agent: User, client: Client, committed: Committing
) -> None:
    demo.seed(now=timezone.now())
    solve(channel="chat", email="lee@customer.test", customer_name="Lee")
    [received] = sink.handler.received
    assert received.message["Subject"] == "Was it easy to get help?"
    with committed():
        page = client.get(urlsplit(_link(received.message, "1")).path)
    assert page.status_code == 200
    assert SurveyResponse.objects.get().kind == "ces"
    [note] = Notification.objects.all()
    assert note.recipient == agent
    assert note.title.startswith("Low effort score (1/7)")
    # The agent's notification email went out through the same SMTP server.
    assert [r.rcpt_tos for r in sink.handler.received][1] == [agent.email]
