"""Slack posts go through the guarded, retried webhook delivery queue."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from concord.common.errors import ValidationFailed
from concord.notifications.services import slack_channel_create, slack_post
from concord.webhooks.models import AllowedTarget, DeliveryStatus
from concord.webhooks.services import webhook_retry_due
from concord.webhooks.tests.server import Recorder, recording_server

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def slack() -> Iterator[Recorder]:
    with recording_server() as recorder:
        yield recorder


def test_it_posts_the_text_as_slack_expects(
    slack: Recorder, django_capture_on_commit_callbacks: OnCommit
) -> None:
    AllowedTarget.objects.create(entry="127.0.0.1")
    channel = slack_channel_create(name="#support-alerts", webhook_url=slack.url)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = slack_post(channel=channel, text="SLA breached on #42 “Jug”", dedupe_key="s:1")
    assert delivery is not None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.slack_channel == channel
    assert delivery.webhook is None
    [received] = slack.requests
    assert json.loads(received.body) == {"text": "SLA breached on #42 “Jug”"}
    assert received.headers["content-type"] == "application/json"
    assert "x-concord-signature" not in received.headers


def test_it_is_retried_and_deduplicated_like_a_webhook(
    slack: Recorder, django_capture_on_commit_callbacks: OnCommit
) -> None:
    AllowedTarget.objects.create(entry="127.0.0.1")
    slack.statuses = [503]
    channel = slack_channel_create(name="ops", webhook_url=slack.url)
    with django_capture_on_commit_callbacks(execute=True):
        first = slack_post(channel=channel, text="hello", dedupe_key="s:2")
        again = slack_post(channel=channel, text="hello", dedupe_key="s:2")
    assert first is not None
    assert again is not None
    assert first.pk == again.pk
    first.refresh_from_db()
    assert first.status == DeliveryStatus.RETRYING
    assert webhook_retry_due(now=timezone.now() + timedelta(seconds=11)) == 1
    first.refresh_from_db()
    assert (first.status, first.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert len(slack.requests) == 2


def test_a_private_slack_url_is_refused(
    slack: Recorder, django_capture_on_commit_callbacks: OnCommit
) -> None:
    channel = slack_channel_create(name="ops", webhook_url=slack.url)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = slack_post(channel=channel, text="hello", dedupe_key="s:3")
    assert delivery is not None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.REFUSED
    assert slack.requests == []


def test_a_turned_off_channel_posts_nothing(slack: Recorder) -> None:
    channel = slack_channel_create(name="ops", webhook_url=slack.url, is_active=False)
    assert slack_post(channel=channel, text="hello", dedupe_key="s:4") is None
    with pytest.raises(ValidationFailed):
        slack_channel_create(name="bad", webhook_url="ftp://hooks.example/")


def test_a_note_naming_a_team_reaches_its_slack_channel_once(
    slack: Recorder, django_capture_on_commit_callbacks: OnCommit
) -> None:
    from concord.accounts.models import Role
    from concord.common.testing import factories
    from concord.conversations.services import conversation_note, conversation_open

    AllowedTarget.objects.create(entry="127.0.0.1")
    billing = factories.TeamFactory.create(name="Billing", slug="billing")
    support = factories.TeamFactory.create(name="Support", slug="support")
    agent = factories.UserFactory.create(username="alex", role=Role.AGENT, first_name="Alex")
    support.members.add(agent)
    factories.UserFactory.create(username="support-lead", role=Role.AGENT)
    channel = slack_channel_create(name="#billing", webhook_url=slack.url)
    channel.teams.add(billing)
    other = slack_channel_create(name="#support", webhook_url=slack.url)
    other.teams.add(support)
    conversation = conversation_open(
        channel="email", identity_kind="email", identity_value="nora@example.com",
        subject="Charged twice", body_text="Twice!", team=support,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        conversation_note(
            conversation=conversation, actor=agent, body_text="@billing was this refunded?"
        )
    [received] = slack.requests
    text = json.loads(received.body)["text"]
    assert text.startswith("Alex mentioned @billing on <http")
    assert f"/app/conversations/{conversation.pk}/|#{conversation.pk} Charged twice>" in text
    assert text.endswith(": @billing was this refunded?")
    # A person's name is not a team's, and a note without @team posts nothing.
    with django_capture_on_commit_callbacks(execute=True):
        conversation_note(conversation=conversation, actor=agent, body_text="@support-lead look")
    assert len(slack.requests) == 1


def test_a_customer_subject_cannot_become_slack_markup(
    slack: Recorder, django_capture_on_commit_callbacks: OnCommit
) -> None:
    from concord.accounts.models import Role
    from concord.common.testing import factories
    from concord.conversations.services import conversation_note, conversation_open

    AllowedTarget.objects.create(entry="127.0.0.1")
    billing = factories.TeamFactory.create(name="Billing", slug="billing")
    agent = factories.UserFactory.create(username="alex", role=Role.AGENT)
    channel = slack_channel_create(name="#billing", webhook_url=slack.url)
    channel.teams.add(billing)
    conversation = conversation_open(
        channel="email", identity_kind="email", identity_value="mallory@example.com",
        subject="hi> <!channel> <https://evil.example|Reset your password",
        body_text="x",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        conversation_note(conversation=conversation, actor=agent, body_text="@billing <!here>")
    text = json.loads(slack.requests[0].body)["text"]
    assert "<!channel>" not in text
    assert "<!here>" not in text
    assert "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in text
