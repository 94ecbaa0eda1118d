"""In-app notifications and their emails: who gets what, once, and who may see it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail

from concord.accounts.models import User
from concord.common.errors import NotFound, ValidationFailed
from concord.common.testing import factories
from concord.notifications.models import EmailState, Notification
from concord.notifications.selectors import notifications_for, unread_count
from concord.notifications.services import (
    notification_mark_all_read,
    notification_mark_read,
    notification_send,
)

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[Any]]


def send(on_commit: OnCommit, **kwargs: Any) -> list[Notification]:
    kwargs.setdefault("title", "SLA alarm")
    kwargs.setdefault("body", "First reply due in 10 minutes.")
    with on_commit(execute=True):
        return notification_send(**kwargs)


def test_each_recipient_gets_a_row_and_an_email(
    agent: User, other_agent: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    conversation = factories.ConversationFactory.create(subject="Cracked jug")
    rows = send(
        django_capture_on_commit_callbacks,
        recipients=[agent, other_agent, agent],
        conversation=conversation,
    )
    assert sorted(r.recipient.username for r in rows) == ["alex", "bea"]
    assert {r.url for r in rows} == {f"/app/conversations/{conversation.pk}/"}
    assert sorted(m.to[0] for m in mail.outbox) == [agent.email, other_agent.email]
    message = mail.outbox[0]
    assert message.subject == "SLA alarm"
    assert "First reply due in 10 minutes." in message.body
    assert f"Conversation #{conversation.pk}: Cracked jug" in message.body
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}


def test_no_email_without_an_address_or_when_not_asked(
    agent: User, other_agent: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    other_agent.email = ""
    other_agent.save(update_fields=["email"])
    send(django_capture_on_commit_callbacks, recipients=[agent, other_agent])
    assert [m.to for m in mail.outbox] == [[agent.email]]
    send(django_capture_on_commit_callbacks, recipients=[agent], email=False, title="Quiet")
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=agent).count() == 2


def test_a_line_break_cannot_reach_the_subject(
    agent: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    [row] = send(
        django_capture_on_commit_callbacks, recipients=[agent], title="Hi\r\nBcc: x@evil.example"
    )
    assert row.title == "Hi Bcc: x@evil.example"
    assert mail.outbox[0].bcc == []
    with pytest.raises(ValidationFailed):
        notification_send(recipients=[agent], title=" \n ", body="")


def test_the_same_cause_notifies_once(
    agent: User, other_agent: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    first = send(django_capture_on_commit_callbacks, recipients=[agent], dedupe_key="sla:9")
    again = send(
        django_capture_on_commit_callbacks, recipients=[agent, other_agent], dedupe_key="sla:9"
    )
    assert len(first) == 1
    assert [r.recipient for r in again] == [other_agent]  # only the one not yet told
    assert Notification.objects.filter(recipient=agent).count() == 1
    assert len(mail.outbox) == 2


def test_marking_read_counts_down(
    agent: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    rows = [
        send(django_capture_on_commit_callbacks, recipients=[agent], title=f"N{i}")[0]
        for i in range(3)
    ]
    assert unread_count(user=agent) == 3
    assert notification_mark_read(user=agent, notification_ids=[rows[0].pk]) == 1
    assert notification_mark_read(user=agent, notification_ids=[rows[0].pk]) == 0
    assert unread_count(user=agent) == 2
    assert notification_mark_all_read(user=agent) == 2
    assert unread_count(user=agent) == 0


def test_a_user_sees_and_marks_only_their_own(
    agent: User, other_agent: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    [mine] = send(django_capture_on_commit_callbacks, recipients=[agent], title="Mine")
    [theirs] = send(django_capture_on_commit_callbacks, recipients=[other_agent], title="Theirs")
    assert [n.title for n in notifications_for(user=agent, limit=10)] == ["Mine"]
    with pytest.raises(NotFound):
        notification_mark_read(user=agent, notification_ids=[theirs.pk])
    with pytest.raises(NotFound):
        notification_mark_read(user=agent, notification_ids=[mine.pk, theirs.pk])
    # Nothing changed, not even the caller's own row in the refused batch.
    assert Notification.objects.filter(read_at__isnull=False).count() == 0
    notification_mark_all_read(user=agent)
    assert unread_count(user=other_agent) == 1


def test_newest_first_within_the_limit(
    agent: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    for i in range(4):
        send(django_capture_on_commit_callbacks, recipients=[agent], title=f"N{i}", email=False)
    assert [n.title for n in notifications_for(user=agent, limit=2)] == ["N3", "N2"]
