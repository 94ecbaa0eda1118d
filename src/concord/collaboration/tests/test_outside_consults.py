"""Consults to an outside address: who may be asked, the answer from outside, API and page.

Delivery over real sockets is in ``channels/email/tests/test_consults.py``;
here the collaboration side: validation, the outside answer as an answer,
and what the API and the conversation page show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.channels.email.models import Mailbox, OutboundEmail, OutboundKind
from concord.channels.email.services.mailboxes import mailbox_create
from concord.collaboration.models import Consult, ConsultStatus
from concord.collaboration.services import consult_open, consult_reply_external
from concord.common.errors import NotFound, ValidationFailed
from concord.conversations.models import Conversation, EventKind
from concord.conversations.services import conversation_open
from concord.customers.services import customer_create
from concord.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(support: Team) -> Mailbox:
    return mailbox_create(name="Acme Support", address="support@acme.test", team=support)


@pytest.fixture
def conversation(support: Team, agent: User, mailbox: Mailbox) -> Conversation:
    nora = customer_create(name="Nora Quinn", identities=[("email", "nora@example.com")])
    opened = conversation_open(
        channel="email", customer=nora, subject="Lost parcel", body_text="Where?", team=support
    )
    opened.assignee = agent
    opened.save(update_fields=["assignee"])
    return opened


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"email": "not an address"}, "not an email address"),
        ({"email": "carrier@example.com", "team": True}, "not both"),
    ],
)
def test_bad_outside_consults_are_refused(
    conversation: Conversation, agent: User, billing: Team, kwargs: dict[str, object], message: str
) -> None:
    if kwargs.pop("team", None):
        kwargs["team"] = billing
    with pytest.raises(ValidationFailed, match=message):
        consult_open(conversation=conversation, actor=agent, question="Where?", **kwargs)  # type: ignore[arg-type]
    assert not Consult.objects.exists()


def test_without_a_mailbox_an_outside_consult_is_refused_whole(
    conversation: Conversation, agent: User, mailbox: Mailbox
) -> None:
    Mailbox.objects.update(is_active=False)
    with pytest.raises(ValidationFailed, match="No mailbox"):
        consult_open(
            conversation=conversation, actor=agent, email="c@example.com", question="Where?"
        )
    assert not Consult.objects.exists()
    assert not conversation.events.filter(kind=EventKind.CONSULT_ASKED).exists()


def test_an_outside_answer_is_a_first_answer(conversation: Conversation, agent: User) -> None:
    consult = consult_open(
        conversation=conversation,
        actor=agent,
        email="Carrier@Example.com",
        question="Parcel 7 status?",
        due_at=timezone.now() + timedelta(hours=1),
    )
    assert consult.email == "carrier@example.com"
    row = OutboundEmail.objects.get(consult=consult)
    assert (row.kind, row.to_address, row.message) == (
        OutboundKind.CONSULT,
        "carrier@example.com",
        None,
    )
    late = timezone.now() + timedelta(hours=2)
    consult_reply_external(
        consult_id=consult.pk, sender="Carrier@Example.com", body="Delivered.", at=late
    )
    consult.refresh_from_db()
    assert consult.status == ConsultStatus.ANSWERED
    assert consult.first_answer_at == late
    assert consult.breached_at == late  # answered after the due time
    assert conversation.events.filter(kind=EventKind.CONSULT_ANSWERED).count() == 1
    assert Notification.objects.filter(recipient=agent, kind="consult").count() == 1
    # A second answer is recorded, not a second first answer.
    consult_reply_external(consult_id=consult.pk, sender="x@example.com", body="Signed.")
    assert conversation.events.filter(kind=EventKind.CONSULT_ANSWERED).count() == 1
    assert consult.replies.count() == 2


def test_only_outside_consults_take_answers_by_email(
    conversation: Conversation, agent: User, billing: Team
) -> None:
    inside = consult_open(conversation=conversation, actor=agent, team=billing, question="Q?")
    with pytest.raises(NotFound):
        consult_reply_external(consult_id=inside.pk, sender="a@example.com", body="Hi")
    assert inside.replies.count() == 0


def test_the_api_asks_an_outside_address_and_shows_the_answer(
    api_client: Callable[[User], Client], agent: User, conversation: Conversation
) -> None:
    owner = api_client(agent)
    asked = owner.post(
        f"/api/v1/conversations/{conversation.pk}/consults",
        {"email": "carrier@example.com", "question": "Parcel 7?"},
        content_type="application/json",
    )
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert (body["email"], body["team"], body["user"]) == ("carrier@example.com", None, None)
    consult_reply_external(consult_id=body["id"], sender="ops@example.com", body="On its way.")
    shown = owner.get(f"/api/v1/consults/{body['id']}").json()
    assert shown["replies"][0]["author"] is None
    assert shown["replies"][0]["author_email"] == "ops@example.com"
    refused = owner.post(
        f"/api/v1/conversations/{conversation.pk}/consults",
        {"email": "nope", "question": "Parcel 7?"},
        content_type="application/json",
    )
    assert refused.status_code == 422


def test_the_page_asks_an_outside_address_and_shows_answers_by_email(
    client: Client, agent: User, conversation: Conversation
) -> None:
    client.force_login(agent)
    response = client.post(
        f"/app/conversations/{conversation.pk}/consults/",
        {"email": "carrier@example.com", "question": "Parcel 7?", "hold": "on"},
    )
    assert response.status_code == 302
    consult = Consult.objects.get()
    assert consult.email == "carrier@example.com"
    consult_reply_external(consult_id=consult.pk, sender="ops@example.com", body="On its way.")
    page = client.get(f"/app/conversations/{conversation.pk}/").content.decode()
    assert "Or an outside email address" in page
    assert "By email:" in page
    assert "by email ·" in page
    assert "Sent from ops@example.com, not the address asked (carrier@example.com)." in page
