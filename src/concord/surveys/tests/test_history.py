"""The customer's survey history for the 360° view; the periodic job is registered."""

from __future__ import annotations

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.common import scheduler
from concord.conversations.models import Conversation
from concord.conversations.services import conversation_assign
from concord.surveys.selectors import survey_history_for_customer
from concord.surveys.services import survey_answer
from concord.surveys.tests.conftest import Solver, make_definition
from concord.surveys.tests.helpers import invite

pytestmark = [pytest.mark.django_db, pytest.mark.urls("concord.surveys.tests.urls")]


def test_history_lists_the_customers_latest_answers_first(solve: Solver, supervisor: User) -> None:
    first = solve(hook=False)
    second = solve(hook=False, subject="Second request")
    other = solve(hook=False, email="lee@customer.test")
    survey_answer(token=invite(definition=make_definition("csat"), conversation=first)[1], score=2)
    survey_answer(token=invite(definition=make_definition("nps"), conversation=second)[1], score=9)
    survey_answer(token=invite(definition=make_definition("csat"), conversation=other)[1], score=5)

    history = survey_history_for_customer(user=supervisor, customer_id=first.customer_id, limit=10)
    assert [(r.kind, r.score) for r in history] == [("nps", 9), ("csat", 2)]
    assert history[0].conversation == second
    assert isinstance(history[0].conversation, Conversation)
    assert [
        r.kind
        for r in survey_history_for_customer(
            user=supervisor, customer_id=first.customer_id, limit=1
        )
    ] == ["nps"]


def test_the_relationship_survey_runs_hourly_in_the_worker() -> None:
    job = next(j for j in scheduler.registered() if j.name == "surveys.relationship_nps")
    assert job.every == 3600
    assert job.run() == 0  # no relationship rule: nothing to send


def test_history_leaves_out_answers_about_conversations_the_viewer_cannot_open(
    solve: Solver, agent: User, other_agent: User, billing: Team, support: Team, client: Client
) -> None:
    mine = solve(hook=False)
    theirs = solve(hook=False, subject="Refund for a double charge")
    conversation_assign(conversation=mine, team=support, assignee=agent, actor=agent)
    conversation_assign(conversation=theirs, team=billing, assignee=other_agent, actor=other_agent)
    survey_answer(token=invite(definition=make_definition("csat"), conversation=mine)[1], score=4)
    survey_answer(
        token=invite(definition=make_definition("nps"), conversation=theirs)[1],
        score=1,
        comment="Billing charged me twice",
    )

    seen = survey_history_for_customer(user=agent, customer_id=mine.customer_id)
    assert [(r.kind, r.score) for r in seen] == [("csat", 4)]
    assert [
        r.kind for r in survey_history_for_customer(user=other_agent, customer_id=mine.customer_id)
    ] == ["nps"]

    # The 360° page and the conversation sidebar, as the agent of the other team.
    client.force_login(agent)
    for url in (f"/app/customers/{mine.customer_id}/", f"/app/conversations/{mine.pk}/"):
        page = client.get(url).content.decode()
        assert 'data-survey-kind="csat"' in page, url
        assert "Billing charged me twice" not in page, url
        assert 'data-survey-kind="nps"' not in page, url
        assert f"/app/conversations/{theirs.pk}/" not in page, url


def test_the_history_partial_renders_for_the_workspace(solve: Solver, supervisor: User) -> None:
    from django.template.loader import render_to_string

    conversation = solve(hook=False)
    survey_answer(
        token=invite(definition=make_definition("gcr"), conversation=conversation)[1],
        score=0,
        comment="Still no parcel <b>at all</b>",
    )
    html = render_to_string(
        "surveys/_history.html",
        {
            "survey_history": survey_history_for_customer(
                user=supervisor, customer_id=conversation.customer_id
            )
        },
    )
    assert 'data-survey-kind="gcr"' in html
    assert ">No<" in html
    assert "&lt;b&gt;at all&lt;/b&gt;" in html
    assert f'href="/app/conversations/{conversation.pk}/"' in html
