"""Inbound email: store the raw message, then turn it into conversation service calls.

Storing and processing are separate steps on purpose. ``inbound_store`` only
writes the raw bytes and one row, so the SMTP listener and the IMAP poller
can acknowledge mail quickly and nothing is lost if parsing later fails.
``inbound_process`` does everything else in one transaction, guarded by the
row's status, so running it twice (a worker killed and restarted) has the
effect of running it once.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from concord.channels.email.addresses import (
    conversation_from_address,
    conversation_from_subject,
    strip_subject_tag,
    usable_address,
)
from concord.channels.email.models import (
    InboundEmail,
    InboundKind,
    InboundStatus,
    Mailbox,
    SenderSource,
)
from concord.channels.email.parsing import EmailRejected, ParsedEmail, parse_email
from concord.channels.email.reports import DeliveryReport
from concord.channels.email.selectors import (
    conversation_for_message_ids,
    mailbox_addresses,
    mailbox_for_recipient,
    outbound_by_message_id,
)
from concord.channels.email.services.outbound import (
    outbound_mark_bounced,
    outbound_queue_acknowledgement,
)
from concord.channels.email.services.raw import (
    content_hash,
    dedup_key,
    legacy_keys,
    raw_delete,
    raw_read,
    raw_save,
)
from concord.channels.email.trimmer import trim_html, trim_reply
from concord.common.errors import ServiceError
from concord.conversations.models import Channel, Conversation, Message
from concord.conversations.selectors import conversation_find
from concord.conversations.services import (
    attachment_discard,
    attachment_store,
    conversation_open,
    conversation_record_delivery_failure,
    message_receive,
)
from concord.customers.models import Customer, IdentityKind
from concord.customers.services import customer_identity_mark_undeliverable, customer_resolve

logger = logging.getLogger(__name__)

# A message whose processing started this often without finishing (the worker
# died each time: out of memory, killed) is quarantined instead of retried forever.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Stored:
    inbound: InboundEmail
    created: bool  # False: we already had this email (same content, see dedup_key)


def inbound_store(
    *,
    mailbox: Mailbox,
    raw: bytes,
    source: str,
    envelope_from: str = "",
    envelope_to: Sequence[str] = (),
    at: datetime | None = None,
) -> Stored:
    """Keep the raw email, once per mailbox, before anything parses it.

    Once means once per content (``dedup_key``): the same email delivered
    again is recognised, a different email that reuses a Message-ID is stored.
    """
    key, message_id = dedup_key(raw)
    existing = _stored_already(mailbox=mailbox, raw=raw, key=key, message_id=message_id)
    if existing is not None:
        return Stored(inbound=existing, created=False)
    storage_name = raw_save(raw)
    try:
        with transaction.atomic():
            inbound = InboundEmail.objects.create(
                mailbox=mailbox,
                source=source,
                dedup_key=key,
                rfc_message_id=message_id,
                storage_name=storage_name,
                size=len(raw),
                envelope_from=envelope_from[:320],
                envelope_to="\n".join(envelope_to),
                received_at=at or timezone.now(),
            )
    except IntegrityError:
        # Another listener or poller stored the same email a moment ago.
        raw_delete(storage_name)
        return Stored(
            inbound=InboundEmail.objects.get(mailbox=mailbox, dedup_key=key), created=False
        )
    except BaseException:
        raw_delete(storage_name)
        raise
    return Stored(inbound=inbound, created=True)


def _stored_already(
    *, mailbox: Mailbox, raw: bytes, key: str, message_id: str
) -> InboundEmail | None:
    """This email, if the mailbox has it: by its key, or by the keys of older versions.

    Rows stored before content keys were keyed ``mid:<Message-ID>`` (the same
    email only if the stored copy's content matches) or ``sha256:<raw bytes>``.
    One query either way.
    """
    by_id, by_bytes = legacy_keys(raw, message_id)
    rows = {
        row.dedup_key: row
        for row in InboundEmail.objects.filter(
            mailbox=mailbox, dedup_key__in=[k for k in (key, by_id, by_bytes) if k]
        )
    }
    if key in rows:
        return rows[key]
    if by_bytes in rows:
        return rows[by_bytes]
    legacy = rows.get(by_id) if by_id else None
    if legacy is not None:
        try:
            if f"content:{content_hash(raw_read(legacy.storage_name))}" == key:
                return legacy
        except OSError:  # its raw copy is gone: nothing to compare with
            pass
    return None


def inbound_process(*, inbound_id: int, at: datetime | None = None) -> InboundEmail:
    """Parse a stored email and record it: a message, an automatic answer, a bounce.

    Whatever goes wrong with one email quarantines that email with the reason;
    it never stops the ones after it.
    """
    with transaction.atomic():
        inbound = InboundEmail.objects.select_for_update().get(pk=inbound_id)
        if inbound.status != InboundStatus.RECEIVED:
            return inbound
        if inbound.attempts >= MAX_ATTEMPTS:
            return _quarantine(inbound, _NEVER_FINISHED.format(attempts=inbound.attempts))
        # Committed before the work starts, so a crash mid-way still counts.
        inbound.attempts += 1
        inbound.save(update_fields=["attempts"])
    with transaction.atomic():
        locked = _lock_received([inbound_id])
        return _process_one(locked[0], at=at) if locked else _reload(inbound_id)


def inbound_process_batch(*, inbound_ids: Sequence[int], at: datetime | None = None) -> int:
    """Process several stored emails with one commit; returns how many were handled.

    Each email is still all or nothing (a savepoint of its own, quarantined on
    its own when it fails), but a busy mailbox pays for one commit per batch
    instead of two per email. An email that was in a batch that never finished
    (the worker died) has ``attempts`` above zero and is processed alone next
    time, so one poisonous email cannot take its batch down with it repeatedly.
    """
    with transaction.atomic():
        rows = _lock_received(inbound_ids)
        fresh = [row.pk for row in rows if row.attempts == 0]
        retried = [row.pk for row in rows if row.attempts > 0]
        if fresh:
            InboundEmail.objects.filter(pk__in=fresh).update(attempts=F("attempts") + 1)
    if fresh:
        with transaction.atomic():
            for inbound in _lock_received(fresh):
                _process_one(inbound, at=at)
    for inbound_id in retried:
        inbound_process(inbound_id=inbound_id, at=at)
    return len(rows)


_NEVER_FINISHED = (
    "Processing started {attempts} times and never finished (the worker stopped each "
    "time); reprocess it once the cause is fixed."
)


def _lock_received(inbound_ids: Sequence[int]) -> list[InboundEmail]:
    return list(
        # of=self: PostgreSQL cannot lock the nullable side (team) of the join.
        InboundEmail.objects.select_for_update(of=("self",))
        .select_related("mailbox", "mailbox__team")
        .filter(pk__in=list(inbound_ids), status=InboundStatus.RECEIVED)
        .order_by("id")
    )


def _reload(inbound_id: int) -> InboundEmail:
    return InboundEmail.objects.get(pk=inbound_id)


def _process_one(inbound: InboundEmail, *, at: datetime | None) -> InboundEmail:
    """Record one locked, received email inside a savepoint; quarantine it if that fails."""
    stored_files: list[str] = []
    try:
        with transaction.atomic():
            parsed = parse_email(
                raw=raw_read(inbound.storage_name),
                max_message_bytes=settings.CONCORD_EMAIL_MAX_MESSAGE_BYTES,
                max_attachment_bytes=settings.CONCORD_EMAIL_MAX_ATTACHMENT_BYTES,
            )
            _record(inbound=inbound, parsed=parsed, at=at, stored_files=stored_files)
            inbound.status = InboundStatus.PROCESSED
            inbound.processed_at = timezone.now()
            inbound.save(update_fields=_PROCESSED_FIELDS)
            return inbound
    except EmailRejected as rejected:
        reason = rejected.reason
    except ServiceError as refused:
        reason = f"Refused by Concord: {refused.message}"
    except Exception as error:
        logger.exception("Inbound email %s could not be processed", inbound.pk)
        reason = f"Unexpected error: {type(error).__name__}: {error}"[:2000]
    attachment_discard(storage_names=stored_files)
    # The savepoint rolled back what _record set on the row in the database,
    # not on this object: reload it before writing the quarantine.
    return _quarantine(_reload(inbound.pk), reason)


_PROCESSED_FIELDS = [
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


def inbound_reprocess(*, inbound: InboundEmail) -> InboundEmail:
    """Try a quarantined email again (after a fix or a configuration change)."""
    with transaction.atomic():
        locked = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
        if locked.status != InboundStatus.QUARANTINED:
            return locked
        locked.status = InboundStatus.RECEIVED
        locked.reason = ""
        locked.attempts = 0
        locked.save(update_fields=["status", "reason", "attempts"])
    return inbound_process(inbound_id=inbound.pk)


def _quarantine(inbound: InboundEmail, reason: str) -> InboundEmail:
    logger.warning("Inbound email %s quarantined: %s", inbound.pk, reason)
    inbound.status = InboundStatus.QUARANTINED
    inbound.reason = reason
    inbound.processed_at = timezone.now()
    inbound.save(update_fields=["status", "reason", "processed_at"])
    return inbound


def _record(
    *, inbound: InboundEmail, parsed: ParsedEmail, at: datetime | None, stored_files: list[str]
) -> None:
    if parsed.report is not None:
        _record_report(inbound=inbound, report=parsed.report, at=at)
        return
    sender, source, notes = _sender(inbound=inbound, parsed=parsed)
    if not sender:
        raise EmailRejected(
            "The email has no sender address (no usable From:, Reply-To:, Sender: or "
            f"envelope sender; From: {parsed.from_header or 'none'})."
        )
    if mailbox_for_recipient(address=sender, addresses=mailbox_addresses()) is not None:
        # Answering it would mail ourselves: the start of a loop (a forwarding
        # rule pointing back, or a bounce of our own acknowledgement).
        raise EmailRejected(
            f"The sender {sender} is one of Concord's own mailboxes; not recorded, "
            "to avoid a mail loop."
        )
    customer, _ = customer_resolve(
        kind=IdentityKind.EMAIL, value=sender, name=_display_name(parsed.from_name), at=at
    )
    inbound.sender = sender[:320]
    inbound.sender_source = source
    inbound.from_header = parsed.from_header if source != SenderSource.FROM else ""
    conversation, thread_notes = _thread(inbound=inbound, parsed=parsed, customer=customer)
    notes += thread_notes
    automatic = bool(parsed.auto_submitted)
    trimmed = trim_reply(text=parsed.text)
    body_text, body_html = _bodies(parsed=parsed, text=trimmed.text, trimmed=bool(trimmed.quoted))
    if parsed.skipped:
        # Said in the message itself, so the agent (and the customer) know a file is missing.
        left_out = "\n".join(
            f"[Not kept: “{part.filename or 'an attachment'}” ({part.size} bytes): {part.reason}]"
            for part in parsed.skipped
        )
        body_text = f"{body_text}\n\n{left_out}"
        body_html = None if body_html is None else f"{body_html}<p>{escape(left_out)}</p>"
    if source != SenderSource.FROM:
        # Said in the message itself, so the agent sees whose address this really is.
        body_text = f"{body_text}\n\n[{notes[0]}]"
        body_html = None if body_html is None else f"{body_html}<p>{escape(notes[0])}</p>"
    if conversation is None:
        opened = conversation_open(
            channel=Channel.EMAIL,
            customer=customer,
            subject=_subject(parsed.subject),
            body_text=body_text,
            body_html=body_html,
            team=inbound.mailbox.team,
            external_id=parsed.message_id,
            quoted_text=trimmed.quoted,
            automatic=automatic,
            at=at,
        )
        message = opened.messages.get()
    else:
        message = message_receive(
            conversation=conversation,
            body_text=body_text,
            body_html=body_html,
            channel=Channel.EMAIL,
            external_id=parsed.message_id,
            quoted_text=trimmed.quoted,
            automatic=automatic,
            at=at,
        )
    _store_attachments(message=message, parsed=parsed, at=at, stored_files=stored_files)
    notes += [
        f"Not kept: “{part.filename}” ({part.size} bytes): {part.reason}" for part in parsed.skipped
    ]
    if automatic:
        notes.append(f"Automatic message ({parsed.auto_submitted}); not answered.")
    inbound.kind = InboundKind.AUTOMATIC if automatic else InboundKind.MESSAGE
    inbound.conversation = message.conversation
    inbound.message = message
    inbound.reason = "\n".join(notes)
    new_conversation = message.conversation.message_count == 1 and conversation is None
    if new_conversation and not automatic and inbound.mailbox.send_acknowledgement:
        outbound_queue_acknowledgement(
            conversation=message.conversation,
            mailbox=inbound.mailbox,
            to_address=sender,
            in_reply_to=parsed.message_id,
        )


_FALLBACKS = (
    (SenderSource.REPLY_TO, "Reply-To"),
    (SenderSource.SENDER, "Sender"),
    (SenderSource.ENVELOPE, "the envelope sender (MAIL FROM)"),
)


def _sender(*, inbound: InboundEmail, parsed: ParsedEmail) -> tuple[str, str, list[str]]:
    """(address, where it came from, notes): From if it is or can be made an address.

    Else Reply-To, then Sender, then the envelope sender; the first note then
    names the From header as written and the fallback used, so the fallback
    is never mistaken for what From said. ("", "", notes) when none is usable.
    """
    notes: list[str] = []
    written = parsed.from_spec or parsed.from_address
    # The first mailbox of From as written; else the first the strict reading accepts.
    for spec in dict.fromkeys(s for s in (parsed.from_spec, parsed.from_address) if s):
        address = usable_address(spec)
        if address:
            if address != spec.lower():
                notes.append(f"The From address {spec} was read as {address}.")
            return address, SenderSource.FROM, notes
    if not parsed.from_header:
        what = "The email has no From header"
    elif written:
        what = (
            f"The From address “{written}” (From: {parsed.from_header}) is not one Concord can use"
        )
    else:
        what = f"The From header “{parsed.from_header}” could not be read as an address"
    candidates = (parsed.reply_to_spec, parsed.sender_spec, inbound.envelope_from)
    for (source, label), candidate in zip(_FALLBACKS, candidates, strict=True):
        address = usable_address(candidate) if candidate else ""
        if address:
            notes.insert(0, f"{what}; the sender was taken from {label}: {address}.")
            return address, source, notes
    return "", "", notes


def _display_name(name: str) -> str:
    """A display name worth keeping as the customer's name: not an address, not empty."""
    name = name.strip().strip("'\"").strip()
    return "" if _ADDRESS_LIKE.search(name) else name[:200]


_ADDRESS_LIKE = re.compile(r"\S@\S")


def _subject(subject: str) -> str:
    limit = settings.CONCORD_MAX_SUBJECT_LENGTH
    return strip_subject_tag(subject)[:limit] or "(no subject)"


def _bodies(*, parsed: ParsedEmail, text: str, trimmed: bool) -> tuple[str, str | None]:
    """The text and HTML to record, within the size limit the services enforce.

    When the trimmer folded away quoted history, the HTML loses it too
    (``trim_html``); when the HTML trimmer finds no history of its own, the
    trimmed text is shown instead. Nothing is lost either way: the quoted
    part is kept on the message and the raw email is kept.
    """
    limit = settings.CONCORD_MAX_MESSAGE_BYTES
    html = parsed.html if parsed.html.strip() else None
    if html is not None and trimmed:
        folded = trim_html(html=html)
        html = folded.html if folded.quoted else None
    if html is not None and len(html.encode("utf-8")) > limit:
        html = None
    text = text.strip()
    if len(text.encode("utf-8")) > limit:
        note = "\n\n[Shortened here: the full text is in the original email.]"
        text = text.encode("utf-8")[: limit - 200].decode("utf-8", "ignore") + note
    if not text and html is None:
        text = "(The email had no text.)" if not parsed.attachments else "(Attachments only.)"
    return text, html


def _thread(
    *, inbound: InboundEmail, parsed: ParsedEmail, customer: Customer
) -> tuple[Conversation | None, list[str]]:
    """The conversation this email continues, if its sender is that conversation's customer.

    Headers first (In-Reply-To, then References newest first), then a signed
    reply address, then a signed subject tag. A match whose customer is
    someone else is refused: quoting another person's ticket number must
    never put a stranger's words into their conversation.
    """
    notes: list[str] = []
    found = conversation_for_message_ids(
        message_ids=[*parsed.in_reply_to, *reversed(parsed.references)], customer_id=customer.pk
    )
    candidates: list[Conversation | int] = [found] if found is not None else []
    recipients = [*parsed.to, *parsed.cc, *parsed.delivered_to, *inbound.envelope_to.split()]
    candidates += [cid for cid in map(conversation_from_address, recipients) if cid is not None]
    from_subject = conversation_from_subject(parsed.subject)
    if from_subject is not None:
        candidates.append(from_subject)
    for candidate in candidates:
        conversation = (
            candidate
            if isinstance(candidate, Conversation)
            else conversation_find(conversation_id=candidate)
        )
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


def _record_report(*, inbound: InboundEmail, report: DeliveryReport, at: datetime | None) -> None:
    """A bounce or complaint: tell the conversation whose email failed, and mark dead addresses."""
    inbound.kind = InboundKind.BOUNCE if report.kind == "bounce" else InboundKind.COMPLAINT
    original = outbound_by_message_id(message_id=report.original_message_id)
    conversation = original.conversation if original is not None else None
    if conversation is None and report.original_message_id:
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
    if conversation is None:
        inbound.reason += "\nNo conversation sent the email this report is about."
