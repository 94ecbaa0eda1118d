"""Consults: the owner asks a department, keeps the conversation, and hears the answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.collaboration.models import ConsultStatus
from concord.collaboration.selectors import (
    consult_get_for_user,
    consult_portal_lines,
    consult_queue,
    consults_for_conversation,
)
from concord.collaboration.services import consult_close, consult_open, consult_reply
from concord.common.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from concord.common.testing import factories
from concord.conversations.models import Conversation
from concord.conversations.selectors import (
    conversation_get_for_user,
    conversation_visible_to,
    conversation_worked_by,
)
from concord.conversations.services import conversation_open
from concord.customers.services import customer_create
from concord.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(support: Team, agent: User) -> Conversation:
    nora = customer_create(name="Nora Quinn", identities=[("email", "nora@example.com")])
    return conversation_open(
        channel="email",
        customer=nora,
        subject="Charged twice",
        body_text="My card was charged twice.",
        team=support,
    )


def test_an_agent_asks_billing_and_keeps_the_conversation(
    conversation: Conversation, agent: User, other_agent: User, collaborator: User, billing: Team
) -> None:
    consult = consult_open(
        conversation=conversation,
        actor=agent,
        team=billing,
        question="Was the second charge refunded?",
        hold=True,
        due_at=timezone.now() + timedelta(hours=4),
    )
    conversation.refresh_from_db()
    assert conversation.status == "on_hold"
    assert (conversation.team, conversation.assignee) == (consult.conversation.team, None)
    asked = Notification.objects.filter(kind="consult").values_list(
        "recipient__username", flat=True
    )
    assert sorted(asked) == ["bea", "carl"]  # Billing's members
    assert list(consult_queue(user=collaborator)) == [consult]
    assert list(consult_queue(user=agent)) == []


def test_the_department_answers_and_the_owner_hears_it(
    conversation: Conversation, agent: User, collaborator: User, billing: Team
) -> None:
    consult = consult_open(conversation=conversation, actor=agent, team=billing, question="Refund?")
    reply = consult_reply(consult=consult, actor=collaborator, body="Yes, on the 3rd.")
    consult.refresh_from_db()
    assert consult.status == ConsultStatus.ANSWERED
    assert consult.first_answer_at == reply.created_at
    told = Notification.objects.filter(recipient=agent, kind="consult").get()
    assert told.title == f"carl answered about #{conversation.pk}"
    # A follow-up from the owner waits for an answer again, and tells Billing.
    consult_reply(consult=consult, actor=agent, body="Which card?")
    consult.refresh_from_db()
    assert consult.status == ConsultStatus.OPEN
    assert consult.first_answer_at == reply.created_at  # the first answer stays the first
    [thread] = consults_for_conversation(user=agent, conversation_id=conversation.pk)
    assert [r.body for r in thread.replies.all()] == [
        "Yes, on the 3rd.",
        "Which card?",
    ]
    consult_close(consult=consult, actor=agent)
    with pytest.raises(Conflict):
        consult_reply(consult=consult, actor=collaborator, body="Too late")
    # The history holds the facts (not the words): asked, first answered, closed.
    history = list(
        conversation.events.filter(kind__startswith="consult_").values_list(
            "kind", "actor_user__username", "old_value", "new_value"
        )
    )
    assert history == [
        ("consult_asked", "alex", str(consult.pk), "Billing"),
        ("consult_answered", "carl", str(consult.pk), "Billing"),
        ("consult_closed", "alex", str(consult.pk), "Billing"),
    ]


def test_a_consulted_conversation_counts_as_escalated(
    conversation: Conversation, agent: User, billing: Team
) -> None:
    from concord.metrics.models import ConversationFacts

    consult_open(conversation=conversation, actor=agent, team=billing, question="Refund?")
    assert ConversationFacts.objects.get(conversation=conversation).escalated


def test_a_collaborator_reads_only_what_was_consulted_and_works_none_of_it(
    conversation: Conversation, agent: User, collaborator: User, billing: Team, support: Team
) -> None:
    other = conversation_open(
        channel="email",
        customer=conversation.customer,
        subject="Another thing",
        body_text="Hi",
        team=support,
    )
    assert not conversation_visible_to(user=collaborator).exists()
    customer_create(name="Someone Else", identities=[("email", "else@example.com")])
    consult_open(conversation=conversation, actor=agent, team=billing, question="Refund?")
    assert list(conversation_visible_to(user=collaborator)) == [conversation]
    assert not conversation_worked_by(user=collaborator).exists()
    # The customer's context comes with it, and only that customer's.
    from concord.customers.selectors import customer_visible_to

    assert list(customer_visible_to(user=collaborator)) == [conversation.customer]
    with pytest.raises(NotFound):
        conversation_get_for_user(user=collaborator, conversation_id=other.pk)
    with pytest.raises(NotAllowed):
        conversation_get_for_user(user=collaborator, conversation_id=conversation.pk, to_work=True)


def test_an_agent_of_the_consulted_team_reads_it_but_does_not_get_it_in_their_inbox(
    conversation: Conversation, agent: User, other_agent: User, billing: Team
) -> None:
    assert not conversation_visible_to(user=other_agent).filter(pk=conversation.pk).exists()
    consult_open(conversation=conversation, actor=agent, team=billing, question="Refund?")
    assert conversation_visible_to(user=other_agent).filter(pk=conversation.pk).exists()
    assert not conversation_worked_by(user=other_agent).filter(pk=conversation.pk).exists()


def test_who_may_see_and_answer_a_consult(
    conversation: Conversation,
    agent: User,
    collaborator: User,
    other_agent: User,
    supervisor: User,
    billing: Team,
) -> None:
    dana = factories.UserFactory.create(username="dana", role="agent")
    consult = consult_open(
        conversation=conversation, actor=agent, user=other_agent, question="Refund?"
    )
    assert consult_get_for_user(user=other_agent, consult_id=consult.pk) == consult
    assert consult_get_for_user(user=supervisor, consult_id=consult.pk) == consult
    for outsider in (collaborator, dana):  # not asked, not an owner
        with pytest.raises(NotFound):
            consult_get_for_user(user=outsider, consult_id=consult.pk)
    with pytest.raises(NotAllowed):
        consult_reply(consult=consult, actor=collaborator, body="Me too")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"question": "   "}, "The question is empty"),
        ({"question": "Q", "team": None}, "Choose a team or a person"),
        ({"question": "Q", "due_in": -1}, "must be due after now"),
    ],
)
def test_bad_consults_are_refused(
    conversation: Conversation, agent: User, billing: Team, kwargs: dict[str, object], message: str
) -> None:
    team = kwargs.pop("team", billing)
    due_in = kwargs.pop("due_in", None)
    due = timezone.now() + timedelta(hours=int(str(due_in))) if due_in is not None else None
    with pytest.raises(ValidationFailed, match=message):
        consult_open(
            conversation=conversation,
            actor=agent,
            team=team,  # type: ignore[arg-type]
            due_at=due,
            question=str(kwargs["question"]),
        )


def test_only_those_who_work_the_conversation_ask(
    conversation: Conversation, collaborator: User, other_agent: User, billing: Team
) -> None:
    with pytest.raises(NotAllowed):
        consult_open(conversation=conversation, actor=collaborator, team=billing, question="Q")
    with pytest.raises(NotFound):  # a Billing agent cannot see Support's conversation
        consult_open(conversation=conversation, actor=other_agent, team=billing, question="Q")


def test_the_customer_is_told_who_is_checking_unless_the_team_is_internal(
    conversation: Conversation, agent: User, billing: Team, support: Team
) -> None:
    legal = factories.TeamFactory.create(name="Legal", slug="legal", consult_hidden=True)
    consult = consult_open(conversation=conversation, actor=agent, team=billing, question="Q")
    consult_open(conversation=conversation, actor=agent, team=legal, question="Q")
    assert consult_portal_lines(conversation_id=conversation.pk) == [
        "The Billing team is checking this for you."
    ]
    billing.consult_notice = "Our {team} specialists are looking into your payment."
    billing.save(update_fields=["consult_notice"])
    assert consult_portal_lines(conversation_id=conversation.pk) == [
        "Our Billing specialists are looking into your payment."
    ]
    consult_close(consult=consult, actor=agent)
    assert consult_portal_lines(conversation_id=conversation.pk) == []


def test_an_agent_of_a_consulted_team_neither_closes_nor_follows_up(
    conversation: Conversation, agent: User, other_agent: User, billing: Team
) -> None:
    legal = factories.TeamFactory.create(name="Legal", slug="legal")
    consult_open(conversation=conversation, actor=agent, team=billing, question="Refund?")
    to_legal = consult_open(conversation=conversation, actor=agent, team=legal, question="OK?")
    # Bea (Billing) reads the conversation and so Legal's consult too, but owns neither.
    with pytest.raises(NotAllowed):
        consult_close(consult=to_legal, actor=other_agent)
    with pytest.raises(NotAllowed):
        consult_reply(consult=to_legal, actor=other_agent, body="Follow-up")
