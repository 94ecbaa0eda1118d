"""Outbound email: queue a reply with the message that carries it, send it in a task.

A row is written in the same transaction as the agent's reply (see
``receivers``), and the first attempt is enqueued on commit. Sending claims
the row first (QUEUED/RETRYING → SENDING in one UPDATE), so the task and the
mail worker's retry sweep can never send the same email twice at once. A
temporary refusal (4xx, connection trouble) is retried after the delays in
``CONCORD_EMAIL_RETRY_DELAYS``; a permanent one (5xx) fails at once.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import time
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import OperationalError
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from concord.automations.context import is_suppressed
from concord.channels.email.addresses import reply_address, split_address, subject_tag
from concord.channels.email.models import Mailbox, OutboundEmail, OutboundKind, OutboundStatus
from concord.channels.email.selectors import (
    acknowledgement_counts,
    conversation_thread_ids,
    latest_inbound,
)
from concord.common.errors import ValidationFailed
from concord.common.oncommit import on_commit_batched
from concord.conversations.models import Channel, Conversation, Message
from concord.conversations.services.attachments import attachment_open
from concord.customers.models import IdentityKind
from concord.customers.selectors import customer_email_identity, identity_undeliverable_since

logger = logging.getLogger(__name__)

# A claim older than this belonged to a sender that died mid-send.
STALE_CLAIM = timedelta(minutes=10)
# Replies on these channels are delivered by email.
_MAILED_CHANNELS = frozenset({Channel.EMAIL, Channel.WEB})


def _check_header_text(value: str, *, field: str) -> str:
    """Refuse line breaks: in a header they would start a header of the sender's choosing."""
    if "\r" in value or "\n" in value:
        raise ValidationFailed(f"The {field} contains a line break.", field=field)
    return value


def _new_message_id(mailbox: Mailbox) -> str:
    _, _, domain = split_address(mailbox.address)
    return f"concord.{uuid.uuid4().hex}@{domain or 'concord.localhost'}"


def _default_mailbox() -> Mailbox | None:
    return Mailbox.objects.filter(is_active=True).order_by("pk").first()


def _reply_subject(conversation: Conversation) -> str:
    subject = conversation.subject or "Your request"
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return f"{subject} {subject_tag(conversation_id=conversation.pk)}"


def outbound_queue_reply(*, message: Message) -> OutboundEmail | None:
    """Queue the email that carries a public reply on an email conversation.

    Runs inside the reply's transaction. A request made in the portal (web)
    gets the reply by email too, with a link back to the portal: nobody checks
    a portal for answers. Returns None for conversations on other channels,
    for imported history, or when no mailbox exists to send from.
    """
    conversation = message.conversation
    if conversation.channel not in _MAILED_CHANNELS or is_suppressed():
        # Imported history (demo data, a migration) was mailed when it happened.
        return None
    latest = latest_inbound(conversation=conversation)
    mailbox = latest.mailbox if latest is not None else _default_mailbox()
    if mailbox is None:
        logger.warning("No mailbox to send the reply on conversation %s from", conversation.pk)
        return None
    identity = customer_email_identity(customer_id=conversation.customer_id)
    to_address = (latest.sender if latest is not None and latest.sender else "") or (
        identity.value if identity is not None else ""
    )
    if not to_address:
        if conversation.channel == Channel.WEB:
            return None  # a help-centre request without an address: read there only
        raise ValidationFailed("The customer has no email address to reply to.", field="customer")
    author = message.author_user
    if author is not None:
        _check_header_text(author.get_full_name(), field="display name")
    subject = _check_header_text(_reply_subject(conversation), field="subject")
    thread = conversation_thread_ids(conversation=conversation)
    row = OutboundEmail.objects.create(
        mailbox=mailbox,
        conversation=conversation,
        message=message,
        kind=OutboundKind.REPLY,
        rfc_message_id=_new_message_id(mailbox),
        in_reply_to=latest.rfc_message_id if latest is not None else "",
        references=" ".join(thread[-20:]),
        to_address=to_address,
        subject=subject,
        created_at=message.created_at,
    )
    dead_since = identity_undeliverable_since(
        kind=IdentityKind.EMAIL, normalized=to_address.lower()
    )
    if dead_since is not None:
        row.status = OutboundStatus.FAILED
        row.last_error = (
            f"Not sent: {to_address} bounced permanently on "
            f"{dead_since:%Y-%m-%d}. Reach the customer another way."
        )
        row.save(update_fields=["status", "last_error"])
        return row
    _enqueue_on_commit(row.pk)
    return row


@dataclass(frozen=True)
class Acknowledgement:
    """The automatic "we have your request" email for a new conversation."""

    conversation: Conversation
    mailbox: Mailbox
    to_address: str
    in_reply_to: str


def outbound_queue_acknowledgement(
    *, conversation: Conversation, mailbox: Mailbox, to_address: str, in_reply_to: str
) -> OutboundEmail | None:
    """One acknowledgement, within the per-sender hourly limit (None when over it)."""
    queued = outbound_queue_acknowledgements(
        acknowledgements=[Acknowledgement(conversation, mailbox, to_address, in_reply_to)]
    )
    return queued[0] if queued else None


def outbound_queue_acknowledgements(
    *, acknowledgements: Sequence[Acknowledgement]
) -> list[OutboundEmail]:
    """Queue acknowledgements within the per-sender hourly limit; one send task for all.

    The limit counts what this call queues too, so a sender writing ten
    times in one batch gets as many acknowledgements as ten separate emails.
    """
    if not acknowledgements:
        return []
    limit = settings.CONCORD_EMAIL_ACK_LIMIT_PER_HOUR
    now = timezone.now()
    sent = acknowledgement_counts(
        addresses={a.to_address for a in acknowledgements}, since=now - timedelta(hours=1)
    )
    rows: list[OutboundEmail] = []
    for ack in acknowledgements:
        if sent.get(ack.to_address, 0) >= limit:
            logger.info(
                "Acknowledgement to %s skipped: hourly limit of %s reached", ack.to_address, limit
            )
            continue
        sent[ack.to_address] = sent.get(ack.to_address, 0) + 1
        conversation = ack.conversation
        subject = " ".join(
            f"{conversation.subject} {subject_tag(conversation_id=conversation.pk)}".split()
        )
        rows.append(
            OutboundEmail(
                mailbox=ack.mailbox,
                conversation=conversation,
                kind=OutboundKind.ACKNOWLEDGEMENT,
                rfc_message_id=_new_message_id(ack.mailbox),
                in_reply_to=ack.in_reply_to,
                references=ack.in_reply_to,
                to_address=ack.to_address,
                subject=_check_header_text(f"Re: {subject}"[:400], field="subject"),
                created_at=now,
            )
        )
    made = OutboundEmail.objects.bulk_create(rows)
    _enqueue_on_commit(*(row.pk for row in made))
    return made


# Emails per send task: one SMTP connection each (see outbound_send_many).
SEND_BATCH = 50


def _enqueue_sends(ids: list[int]) -> None:
    from concord.channels.email.tasks import send_outbound, send_outbound_many

    for start in range(0, len(ids), SEND_BATCH):
        chunk = ids[start : start + SEND_BATCH]
        if len(chunk) == 1:
            send_outbound.enqueue(outbound_id=chunk[0])
        else:
            send_outbound_many.enqueue(outbound_ids=chunk)


def _enqueue_on_commit(*outbound_ids: int) -> None:
    # Inside common.oncommit.batched_on_commit (an announcement's chunk), the
    # emails of the whole transaction go out in tasks of SEND_BATCH.
    on_commit_batched(key="email.outbound", items=outbound_ids, flush=_enqueue_sends)


def outbound_mark_bounced(*, outbound: OutboundEmail, detail: str) -> None:
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        status=OutboundStatus.BOUNCED, last_error=detail[:2000]
    )


def outbound_retry(*, outbound: OutboundEmail) -> None:
    """An admin's "try again now" on a failed email."""
    OutboundEmail.objects.filter(
        pk=outbound.pk, status__in=[OutboundStatus.FAILED, OutboundStatus.RETRYING]
    ).update(status=OutboundStatus.RETRYING, next_attempt_at=timezone.now())


def _pid_namespace() -> str:
    """This process's pid namespace: two containers sharing a host name have different ones."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "-"


def claim_host() -> str:
    return f"{socket.gethostname()}/{_pid_namespace()}"


def _claimant() -> str:
    """Who is sending: host, pid namespace and process, so a restart can tell a dead sender's
    claims (and never mistakes a live sender in another container for a dead one)."""
    return f"{claim_host()}:{os.getpid()}"[:100]


def outbound_dead_claimants() -> list[str]:
    """Claimants on this host whose process is gone (killed mid-send).

    Their emails are taken up again at once, not after STALE_CLAIM: the SMTP
    server never acknowledged them, or the sender would have marked them sent
    (it does so before hanging up). A reused process id only delays the
    retake to STALE_CLAIM.
    """
    host = claim_host()
    claimants = (
        OutboundEmail.objects.filter(
            status=OutboundStatus.SENDING, claimed_by__startswith=f"{host}:"
        )
        .values_list("claimed_by", flat=True)
        .distinct()
    )
    dead = []
    for claimant in claimants:
        pid = claimant.rpartition(":")[2]
        if pid.isdigit() and not _alive(int(pid)):
            dead.append(claimant)
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def outbound_due_ids(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Emails the retry sweep should send now: due retries, queued ones whose task was lost,
    and those a dead sender had claimed."""
    moment = now or timezone.now()
    due = Q(status=OutboundStatus.RETRYING, next_attempt_at__lte=moment)
    lost = Q(status=OutboundStatus.QUEUED, created_at__lte=moment - timedelta(minutes=2))
    dead = Q(status=OutboundStatus.SENDING) & (
        Q(claimed_at__lte=moment - STALE_CLAIM) | Q(claimed_by__in=outbound_dead_claimants())
    )
    return list(
        OutboundEmail.objects.filter(due | lost | dead)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )


def _claim(outbound_id: int, now: datetime, *, retake: Collection[str] = ()) -> bool:
    claimable = Q(status__in=[OutboundStatus.QUEUED, OutboundStatus.RETRYING]) | Q(
        status=OutboundStatus.SENDING, claimed_at__lte=now - STALE_CLAIM
    )
    if retake:
        claimable |= Q(status=OutboundStatus.SENDING, claimed_by__in=list(retake))
    return (
        OutboundEmail.objects.filter(claimable, pk=outbound_id).update(
            status=OutboundStatus.SENDING, claimed_at=now, claimed_by=_claimant()
        )
        == 1
    )


def _retake_dead(outbound_id: int, now: datetime) -> bool:
    """Claim an email left "sending" by a process that died on this host (a re-run task)."""
    claimant = (
        OutboundEmail.objects.filter(pk=outbound_id, status=OutboundStatus.SENDING)
        .values_list("claimed_by", flat=True)
        .first()
    )
    if not claimant or claimant not in outbound_dead_claimants():
        return False
    return _claim(outbound_id, now, retake=[claimant])


def _is_temporary(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    # Connection refused, reset, timeouts, a server that hung up: try later.
    return isinstance(error, (smtplib.SMTPServerDisconnected, OSError, socket.timeout))


def outbound_send(*, outbound_id: int, retake: Collection[str] = ()) -> OutboundEmail:
    """Send one queued email now; idempotent (a sent or claimed email is left alone)."""
    rows = outbound_send_many(outbound_ids=[outbound_id], retake=retake)
    if not rows:
        raise OutboundEmail.DoesNotExist(f"Outbound email {outbound_id} does not exist.")
    return rows[0]


def outbound_send_many(
    *, outbound_ids: Sequence[int], retake: Collection[str] = ()
) -> list[OutboundEmail]:
    """Send queued emails over one SMTP connection, each claimed and marked on its own.

    Each email is marked sent as soon as the server accepted it, before the
    next one and before hanging up: a sender killed between two emails leaves
    nothing in doubt, and only a kill in the instant between the server's
    "250" and that write can make an email go twice.
    """
    rows: list[OutboundEmail] = []
    connection: BaseEmailBackend | None = None
    try:
        for outbound_id in outbound_ids:
            now = timezone.now()
            if not _claim(outbound_id, now, retake=retake) and not _retake_dead(outbound_id, now):
                current = OutboundEmail.objects.filter(pk=outbound_id).first()
                if current is not None:  # None: rolled back with its savepoint
                    rows.append(current)
                continue
            row = OutboundEmail.objects.select_related(
                "mailbox", "conversation", "message", "message__author_user"
            ).get(pk=outbound_id)
            row.attempts += 1
            try:
                email = build_email(outbound=row)
                if connection is None:
                    connection = get_connection(fail_silently=False)
                    connection.open()
                connection.send_messages([email])
            except Exception as error:
                _failed(row, error)
                if connection is not None:  # a broken session is not reused
                    _close(connection)
                    connection = None
            else:
                row.status = OutboundStatus.SENT
                row.sent_at = timezone.now()
                row.next_attempt_at = None
                row.last_error = ""
            _save_outcome(row)
            rows.append(row)
    finally:
        if connection is not None:
            _close(connection)
    return rows


def _save_outcome(row: OutboundEmail) -> None:
    """Record what the server said, trying again while another writer holds the database.

    After a "250" this write is what keeps the email from going twice: giving
    up on a busy database (SQLite's lock, under load) would leave it claimed
    and, once the claim went stale, send it again.
    """
    fields = ["status", "attempts", "last_error", "next_attempt_at", "sent_at"]
    for wait in (0.5, 1.0, 2.0, 4.0):
        try:
            row.save(update_fields=fields)
            return
        except OperationalError:
            logger.warning("Email %s: the database is busy; recording its outcome again", row.pk)
            time.sleep(wait)
    row.save(update_fields=fields)


def _close(connection: BaseEmailBackend) -> None:
    try:
        connection.close()
    except Exception:  # hanging up on a dead server is not an error
        logger.debug("Closing the SMTP connection failed", exc_info=True)


def _failed(row: OutboundEmail, error: Exception) -> None:
    delays = settings.CONCORD_EMAIL_RETRY_DELAYS
    temporary = _is_temporary(error)
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    if temporary and row.attempts <= len(delays):
        row.status = OutboundStatus.RETRYING
        row.next_attempt_at = timezone.now() + timedelta(seconds=delays[row.attempts - 1])
    else:
        row.status = OutboundStatus.FAILED
        row.next_attempt_at = None
    logger.warning(
        "Email %s to conversation %s: attempt %s failed (%s)",
        row.pk,
        row.conversation_id,
        row.attempts,
        "will retry" if row.status == OutboundStatus.RETRYING else "gave up",
    )


def build_email(*, outbound: OutboundEmail) -> EmailMultiAlternatives:
    """The email for a queued row: threading headers, signed Reply-To, text and HTML."""
    if outbound.kind == OutboundKind.CONSULT:  # to an outside address, not the customer
        from concord.channels.email.services.consults import build_consult_email

        return build_consult_email(outbound=outbound)
    mailbox = outbound.mailbox
    conversation = outbound.conversation
    message = outbound.message
    author = message.author_user if message is not None else None
    display = mailbox.name
    if author is not None and author.get_full_name():
        display = f"{author.get_full_name()} ({mailbox.name})"
    _check_header_text(display, field="display name")
    _check_header_text(outbound.subject, field="subject")
    local, _, domain = mailbox.address.partition("@")
    from_header = str(Address(display_name=display, username=local, domain=domain))
    headers = {"Message-ID": f"<{outbound.rfc_message_id}>"}
    if outbound.in_reply_to:
        headers["In-Reply-To"] = f"<{outbound.in_reply_to}>"
    references = [f"<{ref}>" for ref in outbound.references.split() if ref]
    if references:
        headers["References"] = " ".join(references)
    context = {
        "conversation": conversation,
        "message": message,
        "mailbox": mailbox,
        "portal_url": (
            settings.CONCORD_BASE_URL
            + reverse("portal:request", kwargs={"conversation_id": conversation.pk})
            if conversation.channel == Channel.WEB
            else ""
        ),
    }
    if outbound.kind == OutboundKind.ACKNOWLEDGEMENT:
        # RFC 3834: an automatic answer says so, and other robots must not answer it.
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
        text = render_to_string("email_channel/acknowledgement.txt", context)
        html = render_to_string("email_channel/acknowledgement.html", context)
    else:
        text = render_to_string("email_channel/reply.txt", context)
        html = render_to_string("email_channel/reply.html", context)
    email = EmailMultiAlternatives(
        subject=outbound.subject,
        body=text,
        from_email=from_header,
        to=[outbound.to_address],
        reply_to=[reply_address(mailbox_address=mailbox.address, conversation_id=conversation.pk)],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    if message is not None:
        for attachment in message.attachments.all():
            with attachment_open(attachment=attachment) as handle:
                email.attach(attachment.original_name, handle.read(), attachment.content_type)
    return email
