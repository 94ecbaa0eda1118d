"""A bad answer reaches the right person at once: agent, account owner, or a reopened case."""

from __future__ import annotations

import pytest

from concord.accounts.models import Role, User
from concord.common.testing import factories
from concord.common.testing.commit import Committing
from concord.conversations.models import Conversation, Status
from concord.customers.models import Customer, Organization
from concord.notifications.models import Notification
from concord.surveys.models import SurveySettings
from concord.surveys.services import survey_answer
from concord.surveys.tests.conftest import Solver, make_definition
from concord.surveys.tests.helpers import invite

pytestmark = [pytest.mark.django_db, pytest.mark.urls("concord.surveys.tests.urls")]


@pytest.fixture
def conversation(solve: Solver) -> Conversation:
    return solve(hook=False)


@pytest.fixture
def owner(db: None) -> User:
    return factories.UserFactory.create(username="olivia", role=Role.SUPERVISOR)


def _in_org(conversation: Conversation, *, tier: str, owner: User | None) -> Organization:
    organization = Organization.objects.create(name="Globex", tier=tier, account_owner=owner)
    Customer.objects.filter(pk=conversation.customer_id).update(organization=organization)
    return organization


def test_a_low_effort_score_notifies_the_conversations_agent(
    conversation: Conversation,
    agent: User,
    other_agent: User,
    owner: User,
    committed: Committing,
) -> None:
    _in_org(conversation, tier="vip", owner=owner)
    _, token = invite(definition=make_definition("ces"), conversation=conversation)
    with committed():
        survey_answer(token=token, score=2)
    [note] = Notification.objects.all()
    assert note.recipient == agent
    assert note.conversation == conversation
    assert note.title.startswith("Low effort score (2/7)")
    # A changed answer, still low, does not notify again.
    survey_answer(token=token, score=1)
    assert Notification.objects.count() == 1


def test_an_acceptable_effort_score_notifies_nobody(
    conversation: Conversation, agent: User
) -> None:
    _, token = invite(definition=make_definition("ces"), conversation=conversation)
    survey_answer(token=token, score=3)
    assert not Notification.objects.exists()


def test_the_effort_threshold_is_configurable(conversation: Conversation, agent: User) -> None:
    SurveySettings.objects.create(pk=1, ces_alert_at_or_below=3)
    _, token = invite(definition=make_definition("ces"), conversation=conversation)
    survey_answer(token=token, score=3)
    assert Notification.objects.get().recipient == agent


def test_an_nps_detractor_at_a_key_account_notifies_its_owner(
    conversation: Conversation, agent: User, owner: User
) -> None:
    _in_org(conversation, tier="vip", owner=owner)
    _, token = invite(definition=make_definition("nps"), conversation=conversation)
    survey_answer(token=token, score=6)
    [note] = Notification.objects.all()
    assert note.recipient == owner
    assert note.title == "NPS detractor at Globex: 6/10"


@pytest.mark.parametrize(("tier", "score"), [("standard", 0), ("premium", 3), ("vip", 7)])
def test_no_owner_alert_for_other_tiers_or_passives(
    conversation: Conversation, owner: User, tier: str, score: int
) -> None:
    _in_org(conversation, tier=tier, owner=owner)
    _, token = invite(definition=make_definition("nps"), conversation=conversation)
    survey_answer(token=token, score=score)
    assert not Notification.objects.exists()


def test_key_account_tiers_are_configurable(conversation: Conversation, owner: User) -> None:
    SurveySettings.objects.create(pk=1, key_account_tiers=["premium", "vip"])
    _in_org(conversation, tier="premium", owner=owner)
    _, token = invite(definition=make_definition("nps"), conversation=conversation)
    survey_answer(token=token, score=2)
    assert Notification.objects.get().recipient == owner


def test_a_key_account_without_an_owner_notifies_nobody(conversation: Conversation) -> None:
    _in_org(conversation, tier="vip", owner=None)
    _, token = invite(definition=make_definition("nps"), conversation=conversation)
    survey_answer(token=token, score=1)
    assert not Notification.objects.exists()


def test_a_low_csat_reopens_the_conversation_when_set_to(
    conversation: Conversation, committed: Committing
) -> None:
    SurveySettings.objects.create(pk=1, csat_low_reopens=True)
    assert conversation.status == Status.SOLVED
    _, token = invite(definition=make_definition("csat"), conversation=conversation)
    with committed():
        response = survey_answer(token=token, score=2)
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert response.followed_up_at is not None
    assert conversation.events.filter(kind="reopened").count() == 1
    # Solved again, a changed low answer does not reopen it a second time.
    from concord.conversations.services import conversation_set_status

    conversation_set_status(conversation=conversation, actor=conversation.assignee, status="solved")  # type: ignore[arg-type]
    survey_answer(token=token, score=1)
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED


def test_a_low_csat_leaves_the_conversation_solved_by_default(
    conversation: Conversation,
) -> None:
    _, token = invite(definition=make_definition("csat"), conversation=conversation)
    survey_answer(token=token, score=1)
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED
    assert not Notification.objects.exists()
