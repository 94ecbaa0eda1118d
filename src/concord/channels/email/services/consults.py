"""Consults to outside addresses: the question (and follow-ups) out, the answers back.

Collaboration announces an outside consult (``collaboration.signals``); the
receiver queues an ``OutboundEmail`` of kind "consult" in the same
transaction, sent by the usual outbound path (claims, retries, one SMTP
connection per batch). Its Reply-To is the consult's signed address
(``addresses.consult_address``); an email that arrives for that address is
an answer in the consult, never a message in the customer's conversation.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from email.headerregistry import Address

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from concord.channels.email.addresses import consult_address, consult_from_address, split_address
from concord.channels.email.models import (
    InboundEmail,
    InboundKind,
    InboundStatus,
    Mailbox,
    OutboundEmail,
    OutboundKind,
    OutboundStatus,
)
from concord.channels.email.selectors import latest_inbound
from concord.channels.email.services.outbound import _enqueue_on_commit
from concord.channels.email.services.prepare import Prepared
from concord.collaboration.models import Consult, ConsultReply
from concord.collaboration.services import consult_reply_external
from concord.common.errors import ValidationFailed
from concord.customers.models import IdentityKind
from concord.customers.selectors import identity_undeliverable_since

logger = logging.getLogger(__name__)


def _header_safe(value: str, *, field: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValidationFailed(f"The {field} contains a line break.", field=field)
    return value


def outbound_queue_consult(*, consult: Consult, reply: ConsultReply | None) -> OutboundEmail:
    """Queue the email carrying an outside consult's question, or a follow-up (``reply``).

    Runs inside the consult's transaction: without a mailbox to send from the
    consult is refused rather than kept unsent.
    """
    latest = latest_inbound(conversation=consult.conversation)
    mailbox = (
        latest.mailbox
        if latest is not None
        else Mailbox.objects.filter(is_active=True).order_by("pk").first()
    )
    if mailbox is None:
        raise ValidationFailed("No mailbox to send the consult from.", field="email")
    earlier = list(
        OutboundEmail.objects.filter(consult=consult, kind=OutboundKind.CONSULT)
        .order_by("created_at", "id")
        .values_list("rfc_message_id", flat=True)
    )
    subject = f"A question from {mailbox.name} (consult #{consult.pk})"
    if reply is not None:
        subject = f"Re: {subject}"
    _, _, domain = split_address(mailbox.address)
    row = OutboundEmail.objects.create(
        mailbox=mailbox,
        conversation=consult.conversation,
        consult=consult,
        consult_reply=reply,
        kind=OutboundKind.CONSULT,
        rfc_message_id=f"concord.{uuid.uuid4().hex}@{domain or 'concord.localhost'}",
        in_reply_to=earlier[-1] if earlier else "",
        references=" ".join(earlier[-20:]),
        to_address=consult.email,
        subject=_header_safe(subject[:400], field="subject"),
        created_at=reply.created_at if reply is not None else consult.created_at,
    )
    dead_since = identity_undeliverable_since(kind=IdentityKind.EMAIL, normalized=consult.email)
    if dead_since is not None:
        row.status = OutboundStatus.FAILED
        row.last_error = f"Not sent: {consult.email} bounced permanently on {dead_since:%Y-%m-%d}."
        row.save(update_fields=["status", "last_error"])
        return row
    _enqueue_on_commit(row.pk)
    return row


def build_consult_email(*, outbound: OutboundEmail) -> EmailMultiAlternatives:
    """Who asks, the question (or the follow-up) and how to answer; never the customer's words."""
    consult = outbound.consult
    if consult is None:
        raise ValidationFailed("A consult email without its consult.", field="consult")
    mailbox = outbound.mailbox
    asker = consult.asked_by
    display = mailbox.name
    if asker.get_full_name():
        display = f"{asker.get_full_name()} ({mailbox.name})"
    _header_safe(display, field="display name")
    _header_safe(outbound.subject, field="subject")
    local, _, domain = mailbox.address.partition("@")
    headers = {"Message-ID": f"<{outbound.rfc_message_id}>"}
    if outbound.in_reply_to:
        headers["In-Reply-To"] = f"<{outbound.in_reply_to}>"
    references = [f"<{ref}>" for ref in outbound.references.split() if ref]
    if references:
        headers["References"] = " ".join(references)
    follow_up = outbound.consult_reply
    context = {
        "consult": consult,
        "asker": asker.get_full_name() or asker.get_username(),
        "mailbox": mailbox,
        "text": follow_up.body if follow_up is not None else consult.question,
        "follow_up": follow_up is not None,
    }
    email = EmailMultiAlternatives(
        subject=outbound.subject,
        body=render_to_string("email_channel/consult.txt", context),
        from_email=str(Address(display_name=display, username=local, domain=domain)),
        to=[outbound.to_address],
        reply_to=[consult_address(mailbox_address=mailbox.address, consult_id=consult.pk)],
        headers=headers,
    )
    email.attach_alternative(render_to_string("email_channel/consult.html", context), "text/html")
    return email


def consult_addressed(*, inbound: InboundEmail, prepared: Prepared) -> int | None:
    """The consult a correctly signed consult address among the recipients names, if any.

    The same recipients the conversation addresses are read from; a forged
    or altered signature names nothing, and the email is processed as any other.
    """
    parsed = prepared.parsed
    recipients = [*parsed.to, *parsed.cc, *parsed.delivered_to, *inbound.envelope_to.split()]
    for address in recipients:
        consult_id = consult_from_address(address)
        if consult_id is not None:
            return consult_id
    return None


def record_consult_answer(
    *, inbound: InboundEmail, prepared: Prepared, consult_id: int, at: datetime | None
) -> None:
    """An email to a consult's address: an answer in the consult (trimmed), not a message.

    An automatic reply (out of office) is kept on the inbound row only: it
    is not an answer and must not stop the consult's clock. Raises a service
    error for a consult that is gone or closed (the caller quarantines).
    """
    parsed = prepared.parsed
    inbound.sender = prepared.sender[:320]
    inbound.sender_source = prepared.source
    inbound.from_header = parsed.from_header
    notes = list(prepared.notes)
    if parsed.auto_submitted:
        inbound.kind = InboundKind.AUTOMATIC
        notes.append(
            f"Automatic reply ({parsed.auto_submitted}) to consult #{consult_id}; "
            "not recorded as an answer."
        )
    else:
        reply = consult_reply_external(
            consult_id=consult_id, sender=prepared.sender, body=prepared.body_text, at=at
        )
        inbound.kind = InboundKind.MESSAGE
        notes.insert(0, f"Answer to consult #{consult_id} (consult reply {reply.pk}).")
        if parsed.attachments:
            notes.append("Attachments are not kept on consult answers; see the original email.")
    # No conversation on the row: the customer's replies are addressed from
    # the conversation's inbound emails, and this one is not the customer's.
    inbound.reason = "\n".join(notes)
    inbound.status = InboundStatus.PROCESSED
    inbound.processed_at = timezone.now()
    inbound.save(
        update_fields=[
            "status",
            "processed_at",
            "kind",
            "reason",
            "sender",
            "sender_source",
            "from_header",
        ]
    )
