"""Recording prepared emails: customers, conversations, messages, files, acknowledgements.

``record_messages`` takes any number of emails and records them through
the conversation services' batch call (``messages_receive_many``), so one
email and a batch of fifty go the same way; a batch costs a few statements
more than one email instead of fifty times as many.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import Field
from django.utils import timezone

from concord.channels.email.addresses import conversation_from_address, conversation_from_subject
from concord.channels.email.models import (
    InboundEmail,
    InboundKind,
    InboundStatus,
    OutboundKind,
    SenderSource,
)
from concord.channels.email.parsing import EmailRejected, ParsedEmail
from concord.channels.email.reports import DeliveryReport
from concord.channels.email.selectors import (
    conversation_for_message_ids,
    conversation_ids_for_message_ids,
    mailbox_for_recipient,
    outbound_by_message_id,
)
from concord.channels.email.services.outbound import (
    Acknowledgement,
    outbound_mark_bounced,
    outbound_queue_acknowledgements,
)
from concord.channels.email.services.prepare import Prepared, subject_for
from concord.common.errors import ServiceError
from concord.conversations.models import Channel, Conversation, Message
from concord.conversations.services import (
    Inbound,
    attachment_store,
    conversation_record_delivery_failure,
    messages_receive_many,
)
from concord.customers.models import Customer, IdentityKind
from concord.customers.services import customer_identity_mark_undeliverable, customers_resolve_many

PROCESSED_FIELDS = [
    "status",
    "processed_at",
    "kind",
    "reason",
    "sender",
    "sender_source",
    "from_header",
    "conversation",
    "message",
]


def check_sender(*, prepared: Prepared, addresses: dict[str, int]) -> None:
    """Raise ``EmailRejected`` for an email nobody can be answered at, or one from ourselves."""
    if not prepared.sender:
        raise EmailRejected(
            "The email has no sender address (no usable From:, Reply-To:, Sender: or "
            f"envelope sender; From: {prepared.parsed.from_header or 'none'})."
        )
    if mailbox_for_recipient(address=prepared.sender, addresses=addresses) is not None:
        # Answering it would mail ourselves: the start of a loop (a forwarding
        # rule pointing back, or a bounce of our own acknowledgement).
        raise EmailRejected(
            f"The sender {prepared.sender} is one of Concord's own mailboxes; not recorded, "
            "to avoid a mail loop."
        )


def record_messages(
    *,
    entries: Sequence[tuple[InboundEmail, Prepared]],
    at: datetime | None,
    stored_files: list[str],
) -> None:
    """Record locked, received emails whose sender passed ``check_sender``, in order.

    Raises on the first failure, leaving the caller's savepoint to undo the
    batch; ``stored_files`` names the attachment files written so far.
    """
    customers = customers_resolve_many(
        kind=IdentityKind.EMAIL, people=[(p.sender, p.name) for _, p in entries], at=at
    )
    by_headers = conversation_ids_for_message_ids(
        wanted=[
            ([*p.parsed.in_reply_to, *reversed(p.parsed.references)], customer.pk)
            for (_, p), customer in zip(entries, customers, strict=True)
        ]
    )
    candidates = [
        _candidates(inbound=inbound, parsed=p.parsed, by_headers=found)
        for (inbound, p), found in zip(entries, by_headers, strict=True)
    ]
    known = Conversation.objects.in_bulk({pk for found in candidates for pk in found})
    items: list[Inbound] = []
    notes: list[list[str]] = []
    for (inbound, prepared), customer, found in zip(entries, customers, candidates, strict=True):
        parsed = prepared.parsed
        inbound.sender = prepared.sender[:320]
        inbound.sender_source = prepared.source
        inbound.from_header = parsed.from_header if prepared.source != SenderSource.FROM else ""
        conversation, thread_notes = _thread(candidates=found, known=known, customer=customer)
        notes.append([*prepared.notes, *thread_notes])
        items.append(
            Inbound(
                channel=Channel.EMAIL,
                customer=customer,
                body_text=prepared.body_text,
                body_html=prepared.body_html,
                subject=subject_for(parsed.subject),
                team=inbound.mailbox.team,
                conversation=conversation,
                external_id=parsed.message_id,
                quoted_text=prepared.quoted,
                automatic=bool(parsed.auto_submitted),
            )
        )
    messages = messages_receive_many(items=items, at=at)
    acknowledgements: list[Acknowledgement] = []
    now = timezone.now()
    for (inbound, prepared), item, message, said in zip(
        entries, items, messages, notes, strict=True
    ):
        parsed = prepared.parsed
        _store_attachments(message=message, parsed=parsed, at=at, stored_files=stored_files)
        if item.automatic:
            said.append(f"Automatic message ({parsed.auto_submitted}); not answered.")
        inbound.kind = InboundKind.AUTOMATIC if item.automatic else InboundKind.MESSAGE
        inbound.conversation = message.conversation
        inbound.message = message
        inbound.reason = "\n".join(said)
        inbound.status = InboundStatus.PROCESSED
        inbound.processed_at = now
        if (
            item.conversation is None
            and not item.automatic
            and inbound.mailbox.send_acknowledgement
        ):
            acknowledgements.append(
                Acknowledgement(
                    conversation=message.conversation,
                    mailbox=inbound.mailbox,
                    to_address=prepared.sender,
                    in_reply_to=parsed.message_id,
                )
            )
    _save_processed([inbound for inbound, _ in entries])
    outbound_queue_acknowledgements(acknowledgements=acknowledgements)


def _save_processed(rows: Sequence[InboundEmail]) -> None:
    """Write the recorded outcome of each row: one statement, run for every row.

    Not ``bulk_update``: its CASE per field and row took longer to build
    than everything else in a batch.
    """
    fields = [
        field
        for name in PROCESSED_FIELDS
        if isinstance(field := InboundEmail._meta.get_field(name), Field)
    ]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.get_attname())} = %s" for field in fields)
    table = quote(InboundEmail._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608 - names from the model
            [
                [
                    *(
                        field.get_db_prep_save(getattr(row, field.attname), connection)
                        for field in fields
                    ),
                    row.pk,
                ]
                for row in rows
            ],
        )


def _candidates(*, inbound: InboundEmail, parsed: ParsedEmail, by_headers: int | None) -> list[int]:
    """Conversations the email names, in the order they count.

    Headers first (In-Reply-To, then References newest first), then a signed
    reply address, then a signed subject tag.
    """
    found = [by_headers] if by_headers is not None else []
    recipients = [*parsed.to, *parsed.cc, *parsed.delivered_to, *inbound.envelope_to.split()]
    found += [cid for cid in map(conversation_from_address, recipients) if cid is not None]
    from_subject = conversation_from_subject(parsed.subject)
    if from_subject is not None:
        found.append(from_subject)
    return found


def _thread(
    *, candidates: list[int], known: dict[int, Conversation], customer: Customer
) -> tuple[Conversation | None, list[str]]:
    """The first candidate conversation whose customer is the sender, if any.

    A match whose customer is someone else is refused: quoting another
    person's ticket number must never put a stranger's words into their
    conversation.
    """
    notes: list[str] = []
    for candidate in candidates:
        conversation = known.get(candidate)
        if conversation is None:
            continue
        if conversation.customer_id == customer.pk:
            return conversation, notes
        notes.append(
            f"Refers to conversation #{conversation.pk}, but the sender is not its "
            "customer; a new conversation was opened."
        )
    return None, notes[:1]


def _store_attachments(
    *, message: Message, parsed: ParsedEmail, at: datetime | None, stored_files: list[str]
) -> None:
    for number, part in enumerate(parsed.attachments, start=1):
        name = part.filename or f"attachment-{number}{_extension(part.content_type)}"
        stored = attachment_store(
            message=message,
            uploaded_file=ContentFile(part.payload, name=name),
            content_type=part.content_type,
            content_id=part.content_id if part.inline else "",
            at=at or message.created_at,
        )
        stored_files.append(stored.storage_name)


def _extension(content_type: str) -> str:
    return mimetypes.guess_extension(content_type) or ".bin"


def record_report(*, inbound: InboundEmail, report: DeliveryReport, at: datetime | None) -> None:
    """A bounce or complaint: tell the conversation whose email failed, and mark dead addresses."""
    inbound.kind = InboundKind.BOUNCE if report.kind == "bounce" else InboundKind.COMPLAINT
    original = outbound_by_message_id(message_id=report.original_message_id)
    conversation = original.conversation if original is not None else None
    if original is not None and original.kind == OutboundKind.CONSULT:
        # A supplier's address failed, not the customer's: the consult panel
        # shows the email bounced; the conversation's history is not the place.
        conversation = None
    elif conversation is None and report.original_message_id:
        conversation = conversation_for_message_ids(message_ids=[report.original_message_id])
    what = "complaint (marked as spam)" if report.kind == "complaint" else report.action or "bounce"
    detail = " ".join(part for part in (what, report.status, report.diagnostic) if part)
    if conversation is not None:
        conversation_record_delivery_failure(
            conversation=conversation,
            detail=detail,
            message=original.message if original is not None else None,
            at=at,
        )
        inbound.conversation = conversation
    # "failed" with a 4.x.x status is a server that gave up after days of
    # retrying: that email is lost, though the address may work another time.
    given_up = report.permanent or report.action == "failed" or report.kind == "complaint"
    if original is not None and given_up:
        outbound_mark_bounced(outbound=original, detail=detail)
    dead: list[str] = []
    if report.kind == "bounce" and report.permanent:
        addresses = list(report.recipients) or ([original.to_address] if original else [])
        for address in addresses:
            try:
                identity = customer_identity_mark_undeliverable(
                    kind=IdentityKind.EMAIL, value=address, at=at
                )
            except ServiceError:
                continue  # a malformed address in a report names nobody we know
            if identity is not None:
                dead.append(address)
    inbound.reason = detail + (f"\nMarked undeliverable: {', '.join(dead)}" if dead else "")
    if original is not None and original.consult_id is not None:
        inbound.reason += f"\nAbout the email of consult #{original.consult_id}."
    elif conversation is None:
        inbound.reason += "\nNo conversation sent the email this report is about."
