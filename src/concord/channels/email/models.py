"""Mailboxes, every email that came in (raw, before parsing) and every email sent."""

from __future__ import annotations

from django.db import models

from concord.accounts.models import Team
from concord.conversations.models import Conversation, Message


class ImapSecurity(models.TextChoices):
    SSL = "ssl", "TLS from the start (port 993)"
    STARTTLS = "starttls", "STARTTLS (port 143)"
    NONE = "none", "None (loopback or test servers only)"


class Mailbox(models.Model):
    """A support address. Mail arrives by the built-in SMTP listener, IMAP, or both.

    Replies go out from ``address``; mail to ``local+anything@domain`` is
    accepted for the mailbox too (that is how the signed reply address works).
    """

    name = models.CharField(max_length=100)
    address = models.EmailField(unique=True)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="New conversations from this mailbox go to this team.",
    )
    is_active = models.BooleanField(default=True)
    send_acknowledgement = models.BooleanField(
        default=True, help_text="Answer a new request with an automatic 'we got it' email."
    )
    imap_enabled = models.BooleanField("poll by IMAP", default=False)
    imap_host = models.CharField(max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_security = models.CharField(
        max_length=8, choices=ImapSecurity.choices, default=ImapSecurity.SSL
    )
    imap_username = models.CharField(max_length=255, blank=True)
    # Stored as given: IMAP needs the password itself. Protect the database
    # (and its backups) like the mailbox it opens.
    imap_password = models.CharField(max_length=255, blank=True)
    imap_folder = models.CharField(max_length=255, default="INBOX")
    imap_last_polled_at = models.DateTimeField(null=True, blank=True)
    imap_last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "mailboxes"
        ordering = ["address"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received, waiting to be processed"
    PROCESSED = "processed", "Processed"
    QUARANTINED = "quarantined", "Quarantined"


class InboundKind(models.TextChoices):
    UNKNOWN = "", "Not processed yet"
    MESSAGE = "message", "Message from a person"
    AUTOMATIC = "automatic", "Automatic message (auto-reply, list)"
    BOUNCE = "bounce", "Bounce (delivery report)"
    COMPLAINT = "complaint", "Complaint (feedback report)"


class SenderSource(models.TextChoices):
    UNKNOWN = "", "None (a report, quarantined or not processed yet)"
    FROM = "from", "From"
    REPLY_TO = "reply-to", "Reply-To (From unusable)"
    SENDER = "sender", "Sender (From unusable)"
    ENVELOPE = "envelope", "Envelope sender, MAIL FROM (From unusable)"


class InboundEmail(models.Model):
    """One email as it arrived, stored before anything parses it.

    ``dedup_key`` is ``content:`` and a hash of the email without the headers
    added in transit (``services.raw.content_hash``); (mailbox, dedup_key) is
    unique, which is what makes delivery idempotent however often SMTP or IMAP
    hands us the same email, while two different emails that share a
    Message-ID are two rows. Rows stored by older versions are keyed
    ``mid:<Message-ID>`` or ``sha256:<hash of the raw bytes>``.
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="inbound")
    source = models.CharField(max_length=8)  # "smtp", "imap", "api"
    dedup_key = models.CharField(max_length=300)
    # The Message-ID header, normalised (no angle brackets); "" if it had none.
    rfc_message_id = models.CharField(max_length=300, blank=True, db_index=True)
    storage_name = models.CharField(max_length=255, unique=True)
    size = models.PositiveIntegerField()
    envelope_from = models.CharField(max_length=320, blank=True)
    sender = models.CharField(max_length=320, blank=True)  # From:, once parsed
    # Where ``sender`` came from. When it is not From, ``from_header`` keeps the
    # From header as written, so nobody mistakes the fallback for what it said.
    sender_source = models.CharField(
        max_length=8, choices=SenderSource.choices, blank=True, default=""
    )
    from_header = models.TextField(blank=True)
    envelope_to = models.TextField(blank=True)  # one address per line
    received_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    kind = models.CharField(max_length=10, choices=InboundKind.choices, blank=True, default="")
    reason = models.TextField(blank=True)  # why quarantined, or what was noted
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "dedup_key"], name="inbound_once"),
        ]
        indexes = [models.Index(fields=["status", "id"], name="inbound_queue")]
        verbose_name = "inbound email"

    def __str__(self) -> str:
        return f"{self.source} email {self.pk} ({self.status})"


class OutboundKind(models.TextChoices):
    REPLY = "reply", "Agent reply"
    ACKNOWLEDGEMENT = "ack", "Automatic acknowledgement"
    CONSULT = "consult", "Consult to an outside address"


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"


class OutboundEmail(models.Model):
    """An email Concord sends: built from the message at send time, sent by a task."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="outbound")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A consult's question or the owner's follow-up, mailed to the consult's
    # outside address (``conversation`` is the consult's, ``message`` empty).
    consult = models.ForeignKey(
        "collaboration.Consult",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    consult_reply = models.ForeignKey(
        "collaboration.ConsultReply",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(max_length=8, choices=OutboundKind.choices)
    rfc_message_id = models.CharField(max_length=300, unique=True)
    in_reply_to = models.CharField(max_length=300, blank=True)
    references = models.TextField(blank=True)  # space-separated, oldest first
    to_address = models.EmailField(max_length=320)
    subject = models.CharField(max_length=400)
    status = models.CharField(
        max_length=8, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # when a sender took it
    claimed_by = models.CharField(max_length=100, blank=True)  # "host:pid" of that sender
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_address", "kind", "created_at"], name="outbound_rate"),
            models.Index(fields=["conversation", "created_at"], name="outbound_thread"),
            models.Index(fields=["status", "next_attempt_at"], name="outbound_due"),
        ]
        verbose_name = "outbound email"

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_address} ({self.status})"
