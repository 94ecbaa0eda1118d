"""Privacy requests: the export holds everything, the erasure removes PII and keeps the facts."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from concord.accounts.models import User
from concord.channels.email.models import OutboundEmail
from concord.channels.phone.models import CallRecord
from concord.common.errors import Conflict, NotAllowed
from concord.common.testing.commit import Committing
from concord.conversations.models import Attachment, Conversation, Event, Message
from concord.customers.models import Customer, CustomerIdentity, PrivacyRequest
from concord.customers.privacy import (
    ERASED_TEXT,
    customer_erase,
    customer_export,
    customer_get_for_privacy,
)
from concord.customers.services import customer_resolve
from concord.customers.tests.privacy_scene import EMAIL, NAME, PHONE, build
from concord.metrics.selectors import csat, first_response_time, volume
from concord.metrics.selectors.calls import average_handle_time
from concord.metrics.tests.helpers import period
from concord.notifications.models import Notification
from concord.notifications.services import notification_send, slack_channel_create
from concord.portal.models import MagicLink
from concord.surveys.models import SurveyResponse
from concord.webhooks.models import WebhookDelivery
from concord.webhooks.services import slack_queue, webhook_create, webhook_queue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


def _figures() -> dict[str, Any]:
    query = period(days=7)
    return {
        "volume": volume(query=query),
        "csat": csat(query=query),
        "frt": first_response_time(query=query),
        "aht": average_handle_time(query=query),
    }


def test_the_export_holds_messages_surveys_calls_records_and_files(
    agent: User, admin_user: User
) -> None:
    scene = build(agent)

    archive = customer_export(customer=scene.ann, actor=admin_user)

    with zipfile.ZipFile(archive.file) as zipped:
        data = json.loads(zipped.read("customer.json"))
        names = set(zipped.namelist())
        files = {
            a.original_name: zipped.read(f"attachments/{a.pk}/{a.original_name}")
            for a in scene.attachments
        }
    assert data["customer"]["name"] == NAME
    assert {i["value"] for i in data["identities"]} == {EMAIL, PHONE}
    # The email conversation, and the phone conversation the call was filed in.
    assert len(data["conversations"]) == 2
    (conversation,) = [c for c in data["conversations"] if c["id"] == scene.conversation.pk]
    assert conversation["subject"] == "My passport scan for Ann Example"
    texts = [m["text"] for m in conversation["messages"]]
    assert "Here is my passport, my address is 1 Main Street." in texts
    assert "Thanks Ann, we have your passport." in texts
    assert {m["by"] for m in conversation["messages"]} >= {"customer", "staff"}
    assert any(e["kind"] == "status_changed" for e in conversation["events"])
    assert data["surveys"][0]["answer"]["comment"] == "Ann here: lovely service"
    assert data["calls"][0]["summary"] == "Ann asked about her passport"
    assert data["records"][0]["data"] == {"ship_to": "1 Main Street"}
    assert data["portal_account"]["email"] == EMAIL
    assert files == {
        "passport.pdf": b"%PDF passport of Ann",
        "label.txt": b"label for 1 Main Street",
    }
    assert len(names) == 3
    # Nothing about Bob.
    assert "Bob" not in json.dumps(data)
    # Who exported, when: recorded.
    request = PrivacyRequest.objects.get(customer=scene.ann)
    assert (request.kind, request.actor) == ("export", admin_user)


def test_erasure_removes_personal_data_and_files(
    agent: User, admin_user: User, committed: Committing
) -> None:
    scene = build(agent)
    ann = scene.ann
    stored = [a.storage_name for a in scene.attachments]
    portal_user_id = ann.user_id
    assert portal_user_id is not None
    assert all(default_storage.exists(name) for name in stored)

    with committed():  # files are deleted once the erasure commits
        result = customer_erase(customer=ann, actor=admin_user)

    ann.refresh_from_db()
    assert str(ann) == f"Erased customer #{ann.pk}"
    assert (ann.name, ann.notes, ann.user_id) == ("", "", None)
    assert ann.erased_at == result.erased_at
    assert not CustomerIdentity.objects.filter(customer=ann).exists()
    assert not User.objects.filter(pk=portal_user_id).exists()
    assert not ann.records.exists()
    assert not MagicLink.objects.filter(customer=ann).exists()
    conversation = Conversation.objects.get(pk=scene.conversation.pk)
    assert conversation.subject == ""
    bodies = Message.objects.filter(conversation=conversation)
    assert {m.body_text for m in bodies} == {ERASED_TEXT}
    assert not Attachment.objects.filter(message__conversation=conversation).exists()
    assert not any(default_storage.exists(name) for name in stored)
    assert not OutboundEmail.objects.filter(conversation=conversation).exists()
    assert SurveyResponse.objects.get(customer=ann).comment == ""
    call = CallRecord.objects.get(customer=ann)
    assert (call.customer_phone, call.summary, call.recording_url) == ("", "", "")

    # Nothing of Ann is left in any text column of these tables.
    everything = json.dumps(
        [
            list(Message.objects.values_list("body_text", "body_html", "quoted_text")),
            list(Conversation.objects.filter(customer=ann).values_list("subject")),
            list(
                Event.objects.filter(conversation=conversation).values_list(
                    "old_value", "new_value"
                )
            ),
            list(CallRecord.objects.values_list("summary", "customer_phone")),
        ]
    )
    for word in ("passport", "Main Street", EMAIL, "Ann"):
        assert word not in everything.replace("Bob", "")

    # Bob is untouched.
    scene.bob.refresh_from_db()
    assert scene.bob.name == "Bob"
    assert Message.objects.filter(
        conversation=scene.bob_conversation, body_text="Hello from Bob"
    ).exists()


def test_erasure_keeps_the_metrics(agent: User, admin_user: User) -> None:
    scene = build(agent)
    before = _figures()
    assert before["volume"].value == 3  # Ann's email and phone conversations, Bob's
    assert before["aht"].sample_size == 1
    assert before["csat"].sample_size == 1
    assert before["frt"].sample_size == 2  # the email reply and the answered call

    customer_erase(customer=scene.ann, actor=admin_user)

    assert _figures() == before
    assert Conversation.objects.filter(customer=scene.ann).count() == 2


def test_erasure_records_who_and_when(agent: User, admin_user: User) -> None:
    scene = build(agent)
    result = customer_erase(customer=scene.ann, actor=admin_user)

    request = PrivacyRequest.objects.get(customer=scene.ann, kind="erasure")
    assert (request.actor, request.actor_name, request.at) == (admin_user, "ada", result.erased_at)
    assert request.summary["attachments"] == 2
    event = Event.objects.get(conversation=scene.conversation, kind="customer_erased")
    assert (event.actor_user, event.created_at) == (admin_user, result.erased_at)


def test_a_later_email_from_the_same_address_is_a_new_customer(
    agent: User, admin_user: User
) -> None:
    scene = build(agent)
    customer_erase(customer=scene.ann, actor=admin_user)

    again, created = customer_resolve(kind="email", value=EMAIL)

    assert created
    assert again.pk != scene.ann.pk
    assert not Conversation.objects.filter(customer=again).exists()


def test_erasing_twice_is_a_conflict(agent: User, admin_user: User) -> None:
    scene = build(agent)
    customer_erase(customer=scene.ann, actor=admin_user)
    with pytest.raises(Conflict):
        customer_erase(customer=scene.ann, actor=admin_user)


@pytest.mark.parametrize("role", ["supervisor", "agent"])
def test_only_admins_reach_a_customer_for_privacy(
    role: str, agent: User, supervisor: User, admin_user: User
) -> None:
    scene = build(agent)
    user = {"supervisor": supervisor, "agent": agent}[role]

    assert customer_get_for_privacy(user=user, customer_id=scene.ann.pk) is None
    assert customer_get_for_privacy(user=admin_user, customer_id=scene.ann.pk) == scene.ann
    with pytest.raises(NotAllowed):
        customer_erase(customer=scene.ann, actor=user)
    with pytest.raises(NotAllowed):
        customer_export(customer=scene.ann, actor=user)
    assert not PrivacyRequest.objects.exists()
    assert Customer.objects.get(pk=scene.ann.pk).name == NAME


def test_copies_in_notifications_and_stored_deliveries_are_blanked(
    agent: User, admin_user: User
) -> None:
    scene = build(agent)
    conversation = scene.conversation
    notification_send(
        recipients=[agent],
        title=f"New message from {NAME}: {conversation.subject}",
        body="Here is my passport",
        conversation=conversation,
        email=False,
    )
    hook = webhook_create(name="CRM", url="https://crm.example.com/hook")
    webhook_queue(
        webhook=hook,
        event="automation.created",
        payload={"conversation": {"id": conversation.pk, "subject": conversation.subject}},
        dedupe_key="privacy-test-hook",
    )
    bob_delivery = webhook_queue(
        webhook=hook,
        event="automation.created",
        payload={"conversation": {"id": scene.bob_conversation.pk, "subject": "Bob's question"}},
        dedupe_key="privacy-test-bob",
    )
    channel = slack_channel_create(name="support", webhook_url="https://hooks.slack.com/x")
    slack_queue(channel=channel, payload={"text": f"VIP {EMAIL} wrote"}, dedupe_key="slack-1")

    customer_erase(customer=scene.ann, actor=admin_user)

    stored = json.dumps(
        [
            list(Notification.objects.values_list("title", "body")),
            list(WebhookDelivery.objects.exclude(pk=bob_delivery.pk).values_list("payload")),
        ]
    )
    for word in (NAME, EMAIL, "passport"):
        assert word not in stored
    bob_delivery.refresh_from_db()
    assert bob_delivery.payload["conversation"]["subject"] == "Bob's question"
