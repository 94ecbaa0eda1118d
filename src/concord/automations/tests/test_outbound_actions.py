"""Trigger actions that reach outside: notify users, Slack, webhooks (real local HTTP)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from django.core import mail

from concord.accounts.models import User
from concord.automations.tests.conftest import make_trigger
from concord.common.testing import factories
from concord.conversations.models import Conversation
from concord.notifications.models import Notification
from concord.notifications.services import slack_channel_create
from concord.webhooks.models import AllowedTarget, DeliveryStatus, WebhookDelivery
from concord.webhooks.services import sign, webhook_create
from concord.webhooks.tests.server import Recorder, recording_server

pytestmark = pytest.mark.django_db

Open = Callable[..., Conversation]


@pytest.fixture
def local_server() -> Iterator[Recorder]:
    with recording_server() as recorder:
        AllowedTarget.objects.create(entry="127.0.0.1/32", note="the test's own server")
        yield recorder


def test_notify_the_assignee_and_the_account_owner(
    open_conversation: Open, agent: User, supervisor: User
) -> None:
    organization = factories.OrganizationFactory.create(name="Globex", account_owner=supervisor)
    make_trigger(
        name="Tell people",
        events=["created"],
        actions=[
            ("assign", agent.username, ""),
            ("notify", "assignee, account_owner", "New: {{ conversation.subject }}"),
        ],
    )
    customer = factories.CustomerFactory.create(name="Gina", organization=organization)
    conversation = open_conversation(customer=customer, identity_kind=None, identity_value=None)
    notes = Notification.objects.filter(conversation=conversation, kind="other")
    assert sorted(n.recipient.username for n in notes) == sorted(
        [agent.username, supervisor.username]
    )
    assert all(n.body == "New: My parcel never arrived" for n in notes)
    # The trigger's assignment is an assignment like any other: it tells the assignee too.
    assigned = Notification.objects.get(conversation=conversation, kind="assigned")
    assert assigned.recipient == agent
    emailed = [u for u in (agent, supervisor) if u.email] + ([agent] if agent.email else [])
    assert len(mail.outbox) == len(emailed)


def test_slack_action_posts_text(open_conversation: Open, local_server: Recorder) -> None:
    slack_channel_create(name="support-alerts", webhook_url=local_server.url)
    make_trigger(
        name="Slack",
        events=["created"],
        actions=[("slack", "support-alerts", "New request #{{ conversation.id }}")],
    )
    conversation = open_conversation()
    assert len(local_server.requests) == 1
    body = json.loads(local_server.requests[0].body)
    assert body == {"text": f"New request #{conversation.pk}"}


def test_webhook_action_sends_a_signed_payload_once(
    open_conversation: Open, local_server: Recorder
) -> None:
    hook = webhook_create(name="crm", url=local_server.url)
    make_trigger(name="Hook", events=["created"], actions=[("webhook", "crm", "")])
    conversation = open_conversation()
    assert len(local_server.requests) == 1
    request = local_server.requests[0]
    timestamp = int(request.headers["x-concord-timestamp"])
    assert request.headers["x-concord-signature"] == sign(
        secret=hook.secret, timestamp=timestamp, body=request.body
    )
    envelope = json.loads(request.body)
    assert envelope["event"] == "automation.created"
    assert envelope["data"]["conversation"]["id"] == conversation.pk
    assert envelope["data"]["event"]["kind"] == "created"
    assert envelope["data"]["rule"] == "Hook"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_webhook_to_a_private_address_without_allow_list_is_refused(
    open_conversation: Open,
) -> None:
    with recording_server() as recorder:
        webhook_create(name="internal", url=recorder.url)
        make_trigger(name="Hook", events=["created"], actions=[("webhook", "internal", "")])
        open_conversation()
        assert recorder.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.REFUSED


def test_customer_text_cannot_become_slack_markup(
    open_conversation: Open, local_server: Recorder
) -> None:
    slack_channel_create(name="alerts", webhook_url=local_server.url)
    make_trigger(
        name="Slack",
        events=["created"],
        actions=[("slack", "alerts", "<https://example.com|Open> {{ conversation.subject }}")],
    )
    open_conversation(subject="<!channel> <https://evil.example|Reset password> & more")
    text = json.loads(local_server.requests[0].body)["text"]
    # The admin's own link stays a link; the customer's words stay words.
    assert text == (
        "<https://example.com|Open> &lt;!channel&gt; "
        "&lt;https://evil.example|Reset password&gt; &amp; more"
    )
