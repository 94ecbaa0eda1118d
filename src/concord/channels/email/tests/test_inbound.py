"""Inbound email through the services: storing once, threading, automatic mail, quarantine."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage

from concord.accounts.models import User
from concord.channels.email.addresses import reply_address, subject_tag
from concord.channels.email.models import (
    InboundEmail,
    InboundKind,
    InboundStatus,
    Mailbox,
    OutboundEmail,
    OutboundKind,
)
from concord.channels.email.services.inbound import (
    inbound_process,
    inbound_reprocess,
    inbound_store,
)
from concord.channels.email.tests.conftest import build_email, deliver
from concord.conversations.models import Conversation, EventKind, Message, Status
from concord.conversations.services import conversation_reply

pytestmark = pytest.mark.django_db


def _message(inbound: InboundEmail) -> Message:
    assert inbound.message is not None, inbound.reason
    return inbound.message


def test_a_new_email_opens_a_conversation_for_its_sender(mailbox: Mailbox) -> None:
    inbound = deliver(mailbox, build_email(message_id="<first@customer.test>"))

    assert inbound.status == InboundStatus.PROCESSED
    assert inbound.kind == InboundKind.MESSAGE
    conversation = _message(inbound).conversation
    assert conversation.channel == "email"
    assert conversation.subject == "My order has not arrived"
    assert conversation.team == mailbox.team
    assert conversation.customer.name == "Dana Miller"
    assert conversation.customer.identities.get().normalized == "dana@customer.test"
    assert _message(inbound).external_id == "first@customer.test"
    assert "order 4411" in _message(inbound).body_text
    ack = OutboundEmail.objects.get(conversation=conversation)
    assert ack.kind == OutboundKind.ACKNOWLEDGEMENT
    assert ack.to_address == "dana@customer.test"
    assert ack.in_reply_to == "first@customer.test"


def test_the_same_email_twice_is_stored_and_recorded_once(mailbox: Mailbox) -> None:
    raw = build_email(message_id="<twice@customer.test>").as_bytes()
    first = inbound_store(mailbox=mailbox, raw=raw, source="smtp")
    again = inbound_store(mailbox=mailbox, raw=raw, source="imap")

    assert first.created
    assert not again.created
    assert again.inbound.pk == first.inbound.pk
    inbound_process(inbound_id=first.inbound.pk)
    inbound_process(inbound_id=first.inbound.pk)  # a second run changes nothing
    assert Message.objects.count() == 1
    assert InboundEmail.objects.count() == 1


def test_mail_without_message_id_is_deduplicated_by_content(mailbox: Mailbox) -> None:
    email = build_email()
    del email["Message-ID"]
    raw = email.as_bytes()
    assert inbound_store(mailbox=mailbox, raw=raw, source="imap").created
    assert not inbound_store(mailbox=mailbox, raw=raw, source="imap").created
    other = raw.replace(b"Can you check?", b"Can you check today?")
    assert inbound_store(mailbox=mailbox, raw=other, source="imap").created


def test_the_raw_email_is_kept_as_received(mailbox: Mailbox) -> None:
    raw = build_email().as_bytes()
    inbound = deliver(mailbox, raw)
    with default_storage.open(inbound.storage_name, "rb") as handle:
        assert handle.read() == raw
    assert inbound.size == len(raw)


def _opened(mailbox: Mailbox) -> tuple[Conversation, str]:
    inbound = deliver(mailbox, build_email(message_id="<start@customer.test>"))
    return _message(inbound).conversation, "start@customer.test"


def test_a_reply_to_our_email_threads_by_in_reply_to(mailbox: Mailbox, agent: User) -> None:
    conversation, _ = _opened(mailbox)
    reply = conversation_reply(conversation=conversation, actor=agent, body_text="Checking now.")
    sent = OutboundEmail.objects.get(message=reply)

    answer = deliver(
        mailbox,
        build_email(
            subject="Re: My order has not arrived",
            body="Thanks!",
            in_reply_to=f"<{sent.rfc_message_id}>",
            references=f"<start@customer.test> <{sent.rfc_message_id}>",
        ),
    )
    assert _message(answer).conversation == conversation
    assert Conversation.objects.count() == 1


def test_a_reply_threads_by_references_alone(mailbox: Mailbox) -> None:
    conversation, first_id = _opened(mailbox)
    answer = deliver(mailbox, build_email(subject="More", references=f"<{first_id}>"))
    assert _message(answer).conversation == conversation


def test_a_reply_threads_by_signed_reply_address(mailbox: Mailbox) -> None:
    conversation, _ = _opened(mailbox)
    address = reply_address(mailbox_address=mailbox.address, conversation_id=conversation.pk)
    answer = deliver(mailbox, build_email(to=address, subject="something else entirely"))
    assert _message(answer).conversation == conversation


def test_a_reply_threads_by_signed_subject_tag(mailbox: Mailbox) -> None:
    conversation, _ = _opened(mailbox)
    tag = subject_tag(conversation_id=conversation.pk)
    answer = deliver(mailbox, build_email(subject=f"Re: anything {tag}"))
    assert _message(answer).conversation == conversation


def test_a_forged_subject_tag_opens_a_new_conversation(mailbox: Mailbox) -> None:
    conversation, _ = _opened(mailbox)
    answer = deliver(mailbox, build_email(subject=f"Re: [#{conversation.pk}-000000]"))
    assert _message(answer).conversation != conversation


@pytest.mark.parametrize(
    "how",
    ["subject", "address", "headers"],
)
def test_a_stranger_quoting_someone_elses_ticket_opens_a_new_conversation(
    mailbox: Mailbox, how: str
) -> None:
    conversation, first_id = _opened(mailbox)
    options: dict[str, Any] = {"sender": "Eve <eve@elsewhere.test>"}
    if how == "subject":
        options["subject"] = f"Re: {subject_tag(conversation_id=conversation.pk)}"
    elif how == "address":
        options["to"] = reply_address(
            mailbox_address=mailbox.address, conversation_id=conversation.pk
        )
    else:
        options["in_reply_to"] = f"<{first_id}>"
    answer = deliver(mailbox, build_email(**options))

    landed = _message(answer).conversation
    assert landed != conversation
    assert landed.customer.identities.get().normalized == "eve@elsewhere.test"
    assert conversation.messages.count() == 1
    assert f"#{conversation.pk}" in answer.reason


def test_a_reply_to_a_solved_conversation_reopens_it(mailbox: Mailbox, agent: User) -> None:
    conversation, first_id = _opened(mailbox)
    conversation_reply(conversation=conversation, actor=agent, body_text="Fixed.", status="solved")
    deliver(mailbox, build_email(in_reply_to=f"<{first_id}>", body="It is broken again."))
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.events.filter(kind=EventKind.REOPENED).count() == 1


AUTOMATIC_HEADERS = [
    {"Auto-Submitted": "auto-replied"},
    {"Auto-Submitted": "auto-generated"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
    {"X-Auto-Response-Suppress": "All"},
    {"X-Loop": "helpdesk@elsewhere.test"},
    {"X-Autoreply": "yes"},
]


@pytest.mark.parametrize("headers", AUTOMATIC_HEADERS, ids=lambda h: next(iter(h.items()))[0])
def test_an_automatic_answer_is_recorded_but_changes_nothing(
    mailbox: Mailbox, agent: User, headers: dict[str, str]
) -> None:
    conversation, first_id = _opened(mailbox)
    conversation_reply(
        conversation=conversation, actor=agent, body_text="Any news?", status="pending"
    )
    outbound_before = OutboundEmail.objects.count()

    inbound = deliver(
        mailbox,
        build_email(subject="Out of office", in_reply_to=f"<{first_id}>", headers=headers),
    )
    assert inbound.kind == InboundKind.AUTOMATIC
    message = _message(inbound)
    assert message.automatic
    assert message.conversation == conversation
    conversation.refresh_from_db()
    assert conversation.status == Status.PENDING  # a machine never reopens
    assert OutboundEmail.objects.count() == outbound_before  # and is never answered
    assert conversation.events.filter(kind=EventKind.AUTOMATIC_RECEIVED).count() == 1


def test_auto_submitted_no_is_a_person(mailbox: Mailbox) -> None:
    inbound = deliver(mailbox, build_email(headers={"Auto-Submitted": "no"}))
    assert inbound.kind == InboundKind.MESSAGE
    assert OutboundEmail.objects.filter(kind=OutboundKind.ACKNOWLEDGEMENT).count() == 1


def test_an_out_of_office_with_nothing_to_thread_opens_no_acknowledged_conversation(
    mailbox: Mailbox,
) -> None:
    inbound = deliver(
        mailbox,
        build_email(subject="Automatic reply: Away", headers={"Auto-Submitted": "auto-replied"}),
    )
    assert _message(inbound).automatic
    assert not OutboundEmail.objects.exists()


def test_acknowledgements_are_limited_per_sender_per_hour(mailbox: Mailbox) -> None:
    for number in range(6):
        deliver(mailbox, build_email(subject=f"Request {number}"))
    assert Conversation.objects.count() == 6
    assert OutboundEmail.objects.filter(kind=OutboundKind.ACKNOWLEDGEMENT).count() == 3


def test_quoted_history_is_folded_away_but_kept(mailbox: Mailbox) -> None:
    body = (
        "Yes, the new address is 12 Elm Street.\n\n"
        "On Mon, 23 Nov 2026 at 10:00, Acme Support <support@acme.test> wrote:\n"
        "> Which address should we ship to?\n> Thanks\n"
    )
    message = _message(deliver(mailbox, build_email(body=body)))
    assert message.body_text == "Yes, the new address is 12 Elm Street."
    assert "Which address should we ship to?" in message.quoted_text


def test_attachments_and_inline_images_are_stored_by_generated_names(mailbox: Mailbox) -> None:
    email = build_email()
    email.add_alternative(
        '<p>See the photo:</p><img src="cid:photo1@customer.test">', subtype="html"
    )
    html_part = email.get_body(preferencelist=("html",))
    assert html_part is not None
    html_part.add_related(
        b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image", "png", cid="<photo1@customer.test>"
    )
    email.add_attachment(
        b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="../../etc/passwd.pdf"
    )

    message = _message(deliver(mailbox, email))
    files = {a.original_name: a for a in message.attachments.all()}
    assert "passwd.pdf" in files  # the path the sender gave is gone
    pdf = files["passwd.pdf"]
    assert pdf.content_type == "application/pdf"
    assert pdf.storage_name.startswith("attachments/")
    assert "passwd" not in pdf.storage_name
    inline = [a for a in files.values() if a.content_id == "photo1@customer.test"]
    assert len(inline) == 1
    assert inline[0].content_type == "image/png"


def test_an_attachment_over_the_cap_is_left_out_and_said_so(
    mailbox: Mailbox, settings: Any
) -> None:
    settings.CONCORD_EMAIL_MAX_ATTACHMENT_BYTES = 2048
    email = build_email()
    email.add_attachment(
        b"x" * 5000, maintype="application", subtype="octet-stream", filename="big.bin"
    )
    email.add_attachment(b"small", maintype="text", subtype="plain", filename="small.txt")
    inbound = deliver(mailbox, email)
    assert [a.original_name for a in _message(inbound).attachments.all()] == ["small.txt"]
    assert "big.bin" in inbound.reason
    assert "Not kept: “big.bin” (5000 bytes)" in _message(inbound).body_text


def test_an_email_without_a_sender_is_quarantined_with_the_reason(mailbox: Mailbox) -> None:
    email = build_email()
    del email["From"]
    inbound = deliver(mailbox, email)
    assert inbound.status == InboundStatus.QUARANTINED
    assert "sender" in inbound.reason
    assert not Message.objects.exists()


def test_an_unexpected_failure_quarantines_only_that_email(mailbox: Mailbox) -> None:
    broken = inbound_store(
        mailbox=mailbox, raw=build_email(subject="one").as_bytes(), source="smtp"
    )
    fine = inbound_store(mailbox=mailbox, raw=build_email(subject="two").as_bytes(), source="smtp")
    default_storage.delete(broken.inbound.storage_name)  # the raw file vanished

    assert inbound_process(inbound_id=broken.inbound.pk).status == InboundStatus.QUARANTINED
    assert inbound_process(inbound_id=fine.inbound.pk).status == InboundStatus.PROCESSED
    broken.inbound.refresh_from_db()
    assert "FileNotFoundError" in broken.inbound.reason
    assert Message.objects.count() == 1


def test_a_quarantined_email_can_be_reprocessed(mailbox: Mailbox) -> None:
    email = build_email()
    del email["From"]
    email["Reply-To"] = "dana@customer.test"
    raw = email.as_bytes().replace(b"Reply-To", b"X-Was-Reply-To")
    inbound = deliver(mailbox, raw)
    assert inbound.status == InboundStatus.QUARANTINED
    # The operator fixes the cause (here: writes the raw file with a sender) and retries.
    with default_storage.open(inbound.storage_name, "wb") as handle:
        handle.write(raw.replace(b"X-Was-Reply-To", b"From"))
    assert inbound_reprocess(inbound=inbound).status == InboundStatus.PROCESSED
    assert Message.objects.count() == 1


def test_processing_that_never_finishes_is_quarantined_after_three_starts(
    mailbox: Mailbox,
) -> None:
    stored = inbound_store(mailbox=mailbox, raw=build_email().as_bytes(), source="smtp")
    InboundEmail.objects.filter(pk=stored.inbound.pk).update(attempts=3)
    result = inbound_process(inbound_id=stored.inbound.pk)
    assert result.status == InboundStatus.QUARANTINED
    assert "never finished" in result.reason


def test_mail_from_our_own_mailbox_is_quarantined_not_answered(mailbox: Mailbox) -> None:
    inbound = deliver(mailbox, build_email(sender="Acme Support <support+r1-abc@acme.test>"))
    assert inbound.status == InboundStatus.QUARANTINED
    assert "mail loop" in inbound.reason
    assert not OutboundEmail.objects.exists()
    assert not Conversation.objects.exists()
