"""Calls' part of a customer's privacy export and erasure (see customers.privacy.hooks)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from concord.channels.phone.models import CallRecord, CallRecordChange
from concord.customers.models import Customer
from concord.customers.privacy.hooks import (
    PrivacyContributor,
    PrivacyErased,
    privacy_contributor_register,
)

# Call fields that hold what the customer said or where to reach them.
_CALL_PERSONAL = ("customer_phone", "customer_phone_normalized", "summary", "recording_url")


def calls_export(*, customer: Customer, conversation_ids: Iterable[int]) -> Any:
    return list(
        CallRecord.objects.filter(customer=customer)
        .order_by("queued_at", "id")
        .values(
            "external_id",
            "direction",
            "customer_phone",
            "conversation_id",
            "queued_at",
            "answered_at",
            "ended_at",
            "talk_seconds",
            "hold_seconds",
            "wrap_up_seconds",
            "abandoned",
            "summary",
            "recording_url",
        )
    )


def calls_erase(*, customer: Customer, conversation_ids: Iterable[int]) -> PrivacyErased:
    """Numbers, summaries and recording links go; times and metrics facts stay."""
    calls = CallRecord.objects.filter(customer=customer)
    call_ids = list(calls.values_list("pk", flat=True))
    count = calls.update(**dict.fromkeys(_CALL_PERSONAL, ""))
    changes = list(CallRecordChange.objects.filter(call_id__in=call_ids))
    for change in changes:
        change.fields = {k: v for k, v in change.fields.items() if k not in _CALL_PERSONAL}
    CallRecordChange.objects.bulk_update(changes, ["fields"])
    return PrivacyErased(count=count)


def register() -> None:
    privacy_contributor_register(
        PrivacyContributor(name="calls", counted_as="calls", export=calls_export, erase=calls_erase)
    )
