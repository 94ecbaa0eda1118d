"""Notifications that arrive by themselves: assignment, a reply, a mention, an SLA warning."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.common.testing import factories
from concord.conversations.models import Conversation
from concord.conversations.services import (
    conversation_assign,
    conversation_note,
    conversation_open,
    conversation_record_sla_alarm,
    message_receive,
)
from concord.customers.services import customer_create
from concord.notifications.models import Notification
from concord.notifications.selectors import mention_candidates, mention_handles, mentioned_users
from concord.notifications.services import (
    notification_preferences_set,
    notify_conversation_events,
)

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: OnCommit) -> OnCommit:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def conversation(committed: OnCommit, support: Team) -> Conversation:
    nora = customer_create(name="Nora Quinn", identities=[("email", "nora@example.com")])
    with committed():
        return conversation_open(
            channel="email", customer=nora, subject="Cracked jug", body_text="Help", team=support
        )


def kinds(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_assignment_notifies_the_assignee_not_the_one_who_assigned_themselves(
    committed: OnCommit,
    conversation: Conversation,
    agent: User,
    supervisor: User,
    support: Team,
) -> None:
    with committed():
        conversation_assign(conversation=conversation, actor=supervisor, assignee=agent)
    row = Notification.objects.get(recipient=agent)
    assert (row.kind, row.title) == ("assigned", f"Assigned to you: #{conversation.pk} Cracked jug")
    assert row.body == "Assigned by sam."
    assert row.read_at is None
    support.members.add(supervisor)
    with committed():
        conversation_assign(conversation=conversation, actor=supervisor, assignee=supervisor)
    assert kinds(supervisor) == []  # their own doing


def test_a_customer_reply_notifies_the_assignee_in_the_app_only_by_default(
    committed: OnCommit, conversation: Conversation, agent: User
) -> None:
    with committed():
        conversation_assign(conversation=conversation, actor=agent, assignee=agent)
    mail.outbox.clear()
    with committed():
        message_receive(conversation=conversation, body_text="It is still cracked.")
    row = Notification.objects.get(recipient=agent, kind="customer_replied")
    assert row.title == f"Nora Quinn replied: #{conversation.pk} Cracked jug"
    assert row.body == "It is still cracked."
    assert mail.outbox == []


def test_a_mention_notifies_people_and_teams_who_may_see_it(
    committed: OnCommit,
    conversation: Conversation,
    agent: User,
    supervisor: User,
    other_agent: User,
    support: Team,
) -> None:
    dana = factories.UserFactory.create(username="dana", role="agent")
    support.members.add(dana)
    with committed():
        conversation_note(
            conversation=conversation,
            actor=agent,
            body_text="@sam can we refund? Also @support; nora@example.com is nobody. @bea?",
        )
    assert kinds(supervisor) == ["mentioned"]
    assert kinds(dana) == ["mentioned"]  # through @support
    assert kinds(agent) == []  # the author, though in @support
    # Bea is in Billing: she cannot open a Support conversation, so a
    # notification would only lead her to a 404 (consults are the way in).
    assert kinds(other_agent) == []
    note = Notification.objects.get(recipient=supervisor)
    assert note.title == f"alex mentioned you: #{conversation.pk} Cracked jug"


def test_an_sla_warning_notifies_the_assignee(
    committed: OnCommit, conversation: Conversation, agent: User
) -> None:
    with committed():
        conversation_assign(conversation=conversation, actor=agent, assignee=agent)
        conversation_record_sla_alarm(
            conversation=conversation,
            kind="sla_warning",
            target="first_response",
            due_at=timezone.now() + timedelta(minutes=30),
        )
    row = Notification.objects.get(recipient=agent, kind="sla_warning")
    assert row.title.startswith("The first response target is about to be missed")
    assert row.body.startswith("Due ")
    assert row.body.endswith("(UTC, UTC).")  # the assignee's zone (none chosen: the installation's)


def test_an_sla_warning_reads_in_the_assignees_zone(
    committed: OnCommit, conversation: Conversation, agent: User
) -> None:
    from datetime import UTC, datetime

    agent.time_zone = "Asia/Tokyo"
    agent.save(update_fields=["time_zone"])
    with committed():
        conversation_assign(conversation=conversation, actor=agent, assignee=agent)
        conversation_record_sla_alarm(
            conversation=conversation,
            kind="sla_warning",
            target="resolution",
            due_at=datetime(2027, 1, 8, 15, 0, tzinfo=UTC),
        )
    row = Notification.objects.get(recipient=agent, kind="sla_warning")
    assert row.body == "Due Sat 09 Jan 2027, 00:00 (JST, Asia/Tokyo)."


def test_each_user_chooses_per_kind(
    committed: OnCommit, conversation: Conversation, agent: User, supervisor: User
) -> None:
    notification_preferences_set(user=agent, choices={"assigned": "none"})
    notification_preferences_set(user=supervisor, choices={"mentioned": "email"})
    mail.outbox.clear()
    with committed():
        conversation_assign(conversation=conversation, actor=supervisor, assignee=agent)
        conversation_note(conversation=conversation, actor=agent, body_text="Over to @sam.")
    assert kinds(agent) == []
    row = Notification.objects.get(recipient=supervisor)
    assert row.read_at is not None  # email only: kept, not unread
    assert [m.to for m in mail.outbox] == [[supervisor.email]] if supervisor.email else True


def test_the_same_events_never_notify_twice(
    committed: OnCommit, conversation: Conversation, agent: User, supervisor: User
) -> None:
    with committed():
        conversation_assign(conversation=conversation, actor=supervisor, assignee=agent)
    event_ids = list(conversation.events.filter(kind="assigned").values_list("pk", flat=True))
    assert notify_conversation_events(conversation_id=conversation.pk, event_ids=event_ids) == 0
    assert kinds(agent) == ["assigned"]


def test_mentions_are_read_as_people_write_them(agent: User, support: Team) -> None:
    assert mention_handles(text="@alex, see (@support). Mail a@b.com. @Alex again.") == [
        "alex",
        "support",
    ]
    assert mentioned_users(text="thanks @ALEX.") == [agent]
    assert ("alex", "alex (@alex)") in mention_candidates(prefix="al")
    assert ("support", "Support team (@support)") in mention_candidates(prefix="@sup")


def test_preferences_refuse_unknown_kinds_and_deliveries(agent: User) -> None:
    from concord.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="not a kind"):
        notification_preferences_set(user=agent, choices={"gossip": "both"})
    with pytest.raises(ValidationFailed, match="not a way"):
        notification_preferences_set(user=agent, choices={"assigned": "pigeon"})


def test_email_only_without_an_address_still_reaches_the_app(
    committed: OnCommit, conversation: Conversation, agent: User, supervisor: User
) -> None:
    agent.email = ""
    agent.save(update_fields=["email"])
    notification_preferences_set(user=agent, choices={"assigned": "email"})
    with committed():
        conversation_assign(conversation=conversation, actor=supervisor, assignee=agent)
    row = Notification.objects.get(recipient=agent, kind="assigned")
    assert row.read_at is None
