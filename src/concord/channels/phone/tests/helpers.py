"""Scene-setting for call tests: every call goes through the real service."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from concord.automations.context import suppressed
from concord.channels.phone.services import CallUpsert, call_record_upsert

# A Monday morning.
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PHONE = "+49 30 1234567"
_ids = itertools.count(1)


def call_values(**overrides: Any) -> dict[str, Any]:
    """An answered inbound call: 45 s in the queue, 6 minutes on the line."""
    queued = overrides.get("queued_at", T0)
    values: dict[str, Any] = {
        "external_id": f"call-{next(_ids)}",
        "direction": "inbound",
        "customer_phone": PHONE,
        "queued_at": queued,
        "answered_at": queued + timedelta(seconds=45),
        "ended_at": queued + timedelta(seconds=45 + 360),
        "talk_seconds": 300,
        "hold_seconds": 60,
        "wrap_up_seconds": 90,
    }
    values.update(overrides)
    return values


def missed_values(**overrides: Any) -> dict[str, Any]:
    """An inbound call abandoned after two minutes in the queue."""
    queued = overrides.get("queued_at", T0)
    return call_values(
        **{
            "answered_at": None,
            "abandoned": True,
            "ended_at": queued + timedelta(minutes=2),
            "talk_seconds": 0,
            "hold_seconds": 0,
            "wrap_up_seconds": 0,
            **overrides,
        }
    )


def record(**overrides: Any) -> CallUpsert:
    with suppressed():
        return call_record_upsert(**call_values(**overrides))


def record_missed(**overrides: Any) -> CallUpsert:
    with suppressed():
        return call_record_upsert(**missed_values(**overrides))
