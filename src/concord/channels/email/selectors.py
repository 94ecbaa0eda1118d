"""Reads for the email channel: mailboxes by address, threading look-ups, delivery states."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db.models import Count, QuerySet

from concord.channels.email.addresses import split_address
from concord.channels.email.models import (
    InboundEmail,
    InboundStatus,
    Mailbox,
    OutboundEmail,
    OutboundKind,
)
from concord.conversations.models import Channel, Conversation, Message


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


def mailboxes_by_id(*, mailbox_ids: Iterable[int]) -> dict[int, Mailbox]:
    return Mailbox.objects.select_related("team").in_bulk(list(mailbox_ids))


def mailboxes_to_poll() -> QuerySet[Mailbox]:
    return Mailbox.objects.filter(is_active=True, imap_enabled=True).exclude(imap_host="")


def inbound_waiting_ids(*, limit: int = 100, max_bytes: int | None = None) -> list[int]:
    """Stored emails not yet processed, oldest first (what the mail worker does next).

    At most ``limit`` of them and, when given, no more than ``max_bytes`` of
    raw email together (but always at least one): a batch is parsed into
    memory at once, so fifty emails of 20 MB each must not be one batch.
    """
    rows = (
        InboundEmail.objects.filter(status=InboundStatus.RECEIVED)
        .order_by("id")
        .values_list("pk", "size")[:limit]
    )
    ids: list[int] = []
    total = 0
    for pk, size in rows:
        total += size
        if ids and max_bytes is not None and total > max_bytes:
            break
        ids.append(pk)
    return ids


def conversation_for_message_ids(
    *, message_ids: Sequence[str], customer_id: int | None = None
) -> Conversation | None:
    """The conversation an email's In-Reply-To/References point at.

    Concord's own Message-IDs (replies and acknowledgements it sent) are
    checked first, then the ids of emails customers sent us. A Message-ID is
    not unique (mailers reuse them), so among the emails that carry one, a
    conversation of ``customer_id`` wins over a newer one of someone else.
    """
    (found,) = conversation_ids_for_message_ids(wanted=[(message_ids, customer_id)])
    return None if found is None else Conversation.objects.filter(pk=found).first()


def conversation_ids_for_message_ids(
    *, wanted: Sequence[tuple[Sequence[str], int | None]]
) -> list[int | None]:
    """``conversation_for_message_ids`` for many emails: (ids, customer id) each, two queries.

    Returns conversation ids aligned with ``wanted``.
    """
    lists = [[value for value in ids if value][:100] for ids, _ in wanted]
    every = {value for ids in lists for value in ids}
    if not every:
        return [None] * len(wanted)
    # Newest first, so the first row seen for an id is the one that counts.
    sent: dict[str, tuple[tuple[datetime, int], int | None]] = {}
    for rfc_id, conversation_id, created_at, pk in (
        # A consult's email went to a supplier, not the customer: an answer
        # to it is threaded by its signed address, never into the conversation.
        OutboundEmail.objects.filter(rfc_message_id__in=every)
        .exclude(kind=OutboundKind.CONSULT)
        .order_by("-created_at", "-id")
        .values_list("rfc_message_id", "conversation_id", "created_at", "id")
    ):
        sent.setdefault(rfc_id, ((created_at, pk), conversation_id))
    theirs: dict[str, list[tuple[tuple[datetime, int], int, int]]] = {}
    for external_id, conversation_id, customer, created_at, pk in (
        Message.objects.filter(channel=Channel.EMAIL, external_id__in=every)
        .order_by("-created_at", "-id")
        .values_list(
            "external_id", "conversation_id", "conversation__customer_id", "created_at", "id"
        )
    ):
        theirs.setdefault(external_id, []).append(((created_at, pk), conversation_id, customer))
    found: list[int | None] = []
    for ids, (_, customer_id) in zip(lists, wanted, strict=True):
        ours = [sent[value] for value in ids if value in sent]
        if ours:
            found.append(max(ours, key=lambda row: row[0])[1])
            continue
        rows = [row for value in ids for row in theirs.get(value, [])]
        mine = [row for row in rows if customer_id is not None and row[2] == customer_id]
        best = max(mine or rows, key=lambda row: row[0], default=None)
        found.append(None if best is None else best[1])
    return found


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


def acknowledgement_counts(*, addresses: Iterable[str], since: datetime) -> dict[str, int]:
    """Acknowledgements sent to each of these addresses since then (absent: none)."""
    return dict(
        OutboundEmail.objects.filter(
            to_address__in=list(addresses), kind=OutboundKind.ACKNOWLEDGEMENT, created_at__gte=since
        )
        .order_by()
        .values_list("to_address")
        .annotate(sent=Count("id"))
    )


def inbound_notes(*, message_ids: Iterable[int]) -> dict[int, str]:
    """What the mail worker noted about the emails these messages came from, by message id.

    For agents only (the timeline): a sender taken from Reply-To instead of
    an unusable From, files not kept, a ticket number quoted by a stranger.
    """
    ids = list(message_ids)
    if not ids:
        return {}
    return dict(
        InboundEmail.objects.filter(message_id__in=ids)
        .exclude(reason="")
        .values_list("message_id", "reason")
    )


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


def consult_delivery_states(*, consult_ids: Iterable[int]) -> dict[int, OutboundEmail]:
    """The newest email sent for each of these outside consults, by consult id (one query)."""
    ids = list(consult_ids)
    if not ids:
        return {}
    found: dict[int, OutboundEmail] = {}
    rows = (
        OutboundEmail.objects.filter(consult_id__in=ids, kind=OutboundKind.CONSULT)
        .order_by("-created_at", "-id")
        .only("consult_id", "status", "last_error", "sent_at", "to_address")
    )
    for row in rows:
        if row.consult_id is not None:
            found.setdefault(row.consult_id, row)
    return found
