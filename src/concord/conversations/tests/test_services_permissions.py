"""Who may call the staff services, and when listeners hear about changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from pytest_django import DjangoCaptureOnCommitCallbacks

from concord.accounts.models import Role, Team, User
from concord.common.errors import Conflict, NotAllowed
from concord.common.testing import factories
from concord.conversations import services
from concord.conversations.models import Conversation, Event, Message, Status
from concord.conversations.signals import conversation_changed

pytestmark = pytest.mark.django_db

StaffCall = Callable[[Conversation, User, Conversation, User], object]

STAFF_CALLS: dict[str, StaffCall] = {
    "reply": lambda c, actor, other, agent: services.conversation_reply(
        conversation=c, actor=actor, body_text="hi"
    ),
    "note": lambda c, actor, other, agent: services.conversation_note(
        conversation=c, actor=actor, body_text="hi"
    ),
    "assign": lambda c, actor, other, agent: services.conversation_assign(
        conversation=c, actor=actor, assignee=agent
    ),
    "unassign": lambda c, actor, other, agent: services.conversation_assign(
        conversation=c, actor=actor, assignee=None, team=None
    ),
    "status": lambda c, actor, other, agent: services.conversation_set_status(
        conversation=c, actor=actor, status="solved"
    ),
    "priority": lambda c, actor, other, agent: services.conversation_set_priority(
        conversation=c, actor=actor, priority="urgent"
    ),
    "tag": lambda c, actor, other, agent: services.conversation_tag(
        conversation=c, actor=actor, tags=["x"]
    ),
    "untag": lambda c, actor, other, agent: services.conversation_untag(
        conversation=c, actor=actor, tags=["kept"]
    ),
    "merge": lambda c, actor, other, agent: services.conversation_merge(
        source=c, target=other, actor=actor
    ),
    "open": lambda c, actor, other, agent: services.conversation_open(
        channel="phone", customer=c.customer, body_text="logged", actor=actor
    ),
}


def snapshot() -> tuple[object, ...]:
    """Everything the staff services could change."""
    return (
        list(
            Conversation.objects.order_by("id").values_list(
                "status", "priority", "team_id", "assignee_id", "merged_into_id", "message_count"
            )
        ),
        list(Message.objects.order_by("id").values_list("id", "conversation_id")),
        list(Event.objects.order_by("id").values_list("id", "conversation_id")),
        list(Conversation.tags.through.objects.order_by("id").values_list("id", "tag_id")),
    )


@pytest.fixture
def portal_user() -> User:
    return factories.UserFactory.create(username="portal", role=Role.CUSTOMER)


@pytest.fixture
def inactive_agent(support: Team) -> User:
    user = factories.UserFactory.create(username="gone", role=Role.AGENT, is_active=False)
    support.members.add(user)
    return user


@pytest.mark.parametrize("call", STAFF_CALLS.keys())
@pytest.mark.parametrize("who", ["collaborator", "portal_user", "inactive_agent"])
def test_only_working_staff_may_call_staff_services(
    request: pytest.FixtureRequest, who: str, call: str, agent: User, support: Team
) -> None:
    actor: User = request.getfixturevalue(who)
    conv = factories.ConversationFactory.create(team=support, status=Status.OPEN)
    other = factories.ConversationFactory.create(team=support, status=Status.OPEN)
    services.conversation_tag(conversation=conv, actor=agent, tags=["kept"])
    before = snapshot()

    with pytest.raises(NotAllowed):
        STAFF_CALLS[call](conv, actor, other, agent)

    assert snapshot() == before


# --- the after-commit announcement ------------------------------------------------


@pytest.fixture
def heard() -> Iterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    def listener(sender: object, **kwargs: Any) -> None:
        received.append(kwargs)

    conversation_changed.connect(listener)
    yield received
    conversation_changed.disconnect(listener)


def test_changes_are_announced_only_after_commit(
    agent: User,
    support: Team,
    heard: list[dict[str, Any]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    conv = factories.ConversationFactory.create(team=support)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.conversation_reply(conversation=conv, actor=agent, body_text="On it")
        assert heard == []  # nothing leaks before the transaction commits

    assert len(callbacks) == 3
    written = list(Event.objects.filter(conversation=conv).values_list("id", flat=True))
    assert len(written) == 3
    # One change, one announcement carrying all its events.
    assert [h["conversation_id"] for h in heard] == [conv.pk]
    assert sorted(i for h in heard for i in h["event_ids"]) == sorted(written)


def test_opening_is_announced_for_the_new_conversation(
    heard: list[dict[str, Any]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        conv = services.conversation_open(
            channel="email", identity_kind="email", identity_value="a@b.com", body_text="Hi"
        )

    assert {h["conversation_id"] for h in heard} == {conv.pk}
    assert sorted(i for h in heard for i in h["event_ids"]) == sorted(
        Event.objects.filter(conversation=conv).values_list("id", flat=True)
    )


def test_a_failed_service_announces_nothing(
    agent: User,
    heard: list[dict[str, Any]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    conv = factories.ConversationFactory.create(status=Status.NEW)

    # The reply is written and recorded, then the impossible status rolls it all back.
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Conflict):
        services.conversation_reply(conversation=conv, actor=agent, body_text="x", status="closed")

    assert callbacks == []
    assert heard == []
    assert not Event.objects.exists()


def test_a_rolled_back_caller_announces_nothing(
    agent: User,
    heard: list[dict[str, Any]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    conv = factories.ConversationFactory.create(status=Status.OPEN)

    class Boom(Exception):
        pass

    def change_then_fail() -> None:
        with transaction.atomic():
            services.conversation_set_status(conversation=conv, actor=agent, status="solved")
            services.conversation_tag(conversation=conv, actor=agent, tags=["x"])
            raise Boom

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        change_then_fail()

    assert callbacks == []
    assert heard == []
    conv.refresh_from_db()
    assert conv.status == Status.OPEN
    assert not Event.objects.exists()
