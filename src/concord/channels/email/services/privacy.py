"""The email log's part of a customer's privacy export and erasure (see customers.privacy.hooks)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from concord.channels.email.models import InboundEmail, OutboundEmail
from concord.conversations.models import Message
from concord.customers.models import Customer, CustomerIdentity, IdentityKind
from concord.customers.privacy.hooks import (
    PrivacyContributor,
    PrivacyErased,
    privacy_contributor_register,
)


def emails_received_export(*, customer: Customer, conversation_ids: Iterable[int]) -> Any:
    return list(
        InboundEmail.objects.filter(conversation_id__in=conversation_ids)
        .order_by("received_at", "id")
        .values("sender", "envelope_from", "received_at", "status", "kind", "conversation_id")
    )


def emails_sent_export(*, customer: Customer, conversation_ids: Iterable[int]) -> Any:
    return list(
        OutboundEmail.objects.filter(conversation_id__in=conversation_ids)
        .order_by("created_at", "id")
        .values("kind", "to_address", "subject", "status", "sent_at", "conversation_id")
    )


def emails_received_erase(*, customer: Customer, conversation_ids: Iterable[int]) -> PrivacyErased:
    """Raw stored emails (whole MIME, headers and all) go, files after commit."""
    addresses = CustomerIdentity.objects.filter(
        customer=customer, kind=IdentityKind.EMAIL
    ).values_list("normalized", flat=True)
    from_them = Q()
    for address in addresses:
        from_them |= Q(sender__iexact=address) | Q(envelope_from__iexact=address)
    message_ids = Message.objects.filter(
        Q(conversation_id__in=conversation_ids) | Q(author_customer=customer)
    ).values("pk")
    inbound = InboundEmail.objects.filter(
        Q(conversation_id__in=conversation_ids) | Q(message_id__in=message_ids) | from_them
    )
    files = list(inbound.values_list("storage_name", flat=True))
    received, _ = inbound.delete()
    return PrivacyErased(count=received, files=files)


def emails_sent_erase(*, customer: Customer, conversation_ids: Iterable[int]) -> PrivacyErased:
    # Queued replies are never sent now; sent ones held the address and subject.
    sent, _ = OutboundEmail.objects.filter(conversation_id__in=conversation_ids).delete()
    return PrivacyErased(count=sent)


def register() -> None:
    privacy_contributor_register(
        PrivacyContributor(
            name="emails_received",
            counted_as="emails",
            export=emails_received_export,
            erase=emails_received_erase,
        )
    )
    privacy_contributor_register(
        PrivacyContributor(
            name="emails_sent",
            counted_as="emails",
            export=emails_sent_export,
            erase=emails_sent_erase,
        )
    )
