"""Reads for the email channel: mailboxes by address, threading look-ups, delivery states."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db.models import QuerySet

from concord.channels.email.addresses import split_address
from concord.channels.email.models import (
    InboundEmail,
    InboundStatus,
    Mailbox,
    OutboundEmail,
    OutboundKind,
)
from concord.conversations.models import Channel, Conversation, Message
from concord.conversations.selectors import conversation_by_external_ids


def mailbox_addresses() -> dict[str, int]:
    """Active mailboxes by base address (``local@domain``, lower-case) → id."""
    return {
        address.lower(): pk
        for pk, address in Mailbox.objects.filter(is_active=True).values_list("pk", "address")
    }


def mailbox_for_recipient(*, address: str, addresses: dict[str, int]) -> int | None:
    """The mailbox id an envelope recipient belongs to; ``local+tag@`` counts as ``local@``."""
    base, _, domain = split_address(address)
    return addresses.get(f"{base}@{domain}")


def mailbox_get(*, mailbox_id: int) -> Mailbox:
    return Mailbox.objects.select_related("team").get(pk=mailbox_id)


def mailboxes_to_poll() -> QuerySet[Mailbox]:
    return Mailbox.objects.filter(is_active=True, imap_enabled=True).exclude(imap_host="")


def inbound_waiting_ids(*, limit: int = 100) -> list[int]:
    """Stored emails not yet processed, oldest first (what the mail worker does next)."""
    return list(
        InboundEmail.objects.filter(status=InboundStatus.RECEIVED)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )


def conversation_for_message_ids(
    *, message_ids: Sequence[str], customer_id: int | None = None
) -> Conversation | None:
    """The conversation an email's In-Reply-To/References point at.

    Concord's own Message-IDs (replies and acknowledgements it sent) are
    checked first, then the ids of emails customers sent us. A Message-ID is
    not unique (mailers reuse them), so among the emails that carry one, a
    conversation of ``customer_id`` wins over a newer one of someone else.
    """
    ids = [value for value in message_ids if value][:100]
    if not ids:
        return None
    sent = (
        OutboundEmail.objects.filter(rfc_message_id__in=ids)
        .select_related("conversation")
        .order_by("-created_at", "-id")
        .first()
    )
    if sent is not None:
        return sent.conversation
    if customer_id is not None:
        theirs = (
            Message.objects.filter(
                channel=Channel.EMAIL, external_id__in=ids, conversation__customer_id=customer_id
            )
            .select_related("conversation")
            .order_by("-created_at", "-id")
            .first()
        )
        if theirs is not None:
            return theirs.conversation
    return conversation_by_external_ids(channel=Channel.EMAIL, external_ids=ids)


def outbound_by_message_id(*, message_id: str) -> OutboundEmail | None:
    if not message_id:
        return None
    return (
        OutboundEmail.objects.select_related("conversation")
        .filter(rfc_message_id=message_id)
        .first()
    )


def conversation_thread_ids(*, conversation: Conversation) -> list[str]:
    """Message-IDs of the conversation's emails, oldest first, for References."""
    inbound = InboundEmail.objects.filter(conversation=conversation).exclude(rfc_message_id="")
    outbound = OutboundEmail.objects.filter(conversation=conversation, kind=OutboundKind.REPLY)
    dated = [*inbound.values_list("received_at", "rfc_message_id")]
    dated += [*outbound.values_list("created_at", "rfc_message_id")]
    return [message_id for _, message_id in sorted(dated)]


def latest_inbound(*, conversation: Conversation) -> InboundEmail | None:
    """The newest email the customer sent in this conversation (to answer and address)."""
    return (
        InboundEmail.objects.filter(conversation=conversation, kind="message")
        .select_related("mailbox")
        .order_by("-received_at", "-id")
        .first()
    )


def acknowledgements_since(*, address: str, since: datetime) -> int:
    return OutboundEmail.objects.filter(
        to_address=address, kind=OutboundKind.ACKNOWLEDGEMENT, created_at__gte=since
    ).count()


def delivery_states(*, message_ids: Iterable[int]) -> dict[int, OutboundEmail]:
    """The email that carries each of these messages, by message id (for the timeline)."""
    ids = list(message_ids)
    if not ids:
        return {}
    return {
        row.message_id: row
        for row in OutboundEmail.objects.filter(message_id__in=ids).only(
            "message_id", "status", "attempts", "next_attempt_at", "last_error", "sent_at"
        )
        if row.message_id is not None
    }
