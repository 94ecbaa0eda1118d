"""A customer with something in every place personal data is kept, made by the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile

from concord.accounts.models import User
from concord.automations.context import suppressed
from concord.channels.phone.services.records import call_record_upsert
from concord.conversations.models import Attachment, Conversation
from concord.conversations.services import (
    attachment_store,
    conversation_open,
    conversation_reply,
    conversation_set_status,
    message_receive,
)
from concord.customers.models import Customer
from concord.customers.services import customer_identity_add, external_record_upsert
from concord.metrics.tests.helpers import T0, definition
from concord.portal.services import portal_user_for_customer
from concord.surveys.services import survey_answer
from concord.surveys.tests.helpers import invite

EMAIL = "ann.example@example.net"
PHONE = "+49 30 1234567"
NAME = "Ann Example"


@dataclass
class Scene:
    ann: Customer
    conversation: Conversation
    attachments: list[Attachment]
    bob: Customer
    bob_conversation: Conversation


def build(agent: User) -> Scene:
    with suppressed():
        conversation = conversation_open(
            channel="email",
            subject="My passport scan for Ann Example",
            body_text="Here is my passport, my address is 1 Main Street.",
            identity_kind="email",
            identity_value=EMAIL,
            customer_name=NAME,
            at=T0,
        )
        ann = conversation.customer
        customer_identity_add(customer=ann, kind="phone", value=PHONE)
        follow = message_receive(
            conversation=conversation,
            body_text="And the scan itself.",
            channel="email",
            at=T0 + timedelta(minutes=1),
        )
        theirs = attachment_store(
            message=follow,
            uploaded_file=ContentFile(b"%PDF passport of Ann", name="passport.pdf"),
            content_type="application/pdf",
            at=T0 + timedelta(minutes=1),
        )
        reply = conversation_reply(
            conversation=conversation,
            actor=agent,
            body_text="Thanks Ann, we have your passport.",
            at=T0 + timedelta(minutes=10),
        )
        ours = attachment_store(
            message=reply,
            uploaded_file=ContentFile(b"label for 1 Main Street", name="label.txt"),
            content_type="text/plain",
            at=T0 + timedelta(minutes=10),
        )
        conversation_set_status(
            conversation=conversation, actor=agent, status="solved", at=T0 + timedelta(hours=1)
        )
        _, token = invite(definition=definition("csat"), conversation=conversation, agent=agent)
        survey_answer(
            token=token, score=5, comment="Ann here: lovely service", now=T0 + timedelta(hours=2)
        )
        call_record_upsert(
            external_id="call-ann-1",
            direction="inbound",
            customer_phone=PHONE,
            queued_at=T0 + timedelta(days=1),
            answered_at=T0 + timedelta(days=1, seconds=30),
            ended_at=T0 + timedelta(days=1, minutes=5),
            talk_seconds=240,
            agent=agent,
            summary="Ann asked about her passport",
            recording_url="https://pbx.example.com/rec/1",
            at=T0 + timedelta(days=1, minutes=5),
        )
        external_record_upsert(
            customer=ann,
            source="shop",
            external_id="order-1",
            reference="A-1",
            data={"ship_to": "1 Main Street"},
        )
        portal_user_for_customer(customer=ann, email=EMAIL)
        bob_conversation = conversation_open(
            channel="email",
            subject="Bob's question",
            body_text="Hello from Bob",
            identity_kind="email",
            identity_value="bob@example.org",
            customer_name="Bob",
            at=T0 + timedelta(hours=3),
        )
    ann.refresh_from_db()
    return Scene(
        ann=ann,
        conversation=conversation,
        attachments=[theirs, ours],
        bob=bob_conversation.customer,
        bob_conversation=bob_conversation,
    )
