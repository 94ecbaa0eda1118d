"""The registry through which channels contribute delivery states to the timeline."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from concord.conversations import providers
from concord.conversations.models import Channel
from concord.conversations.providers import (
    DeliveryState,
    delivery_provider_register,
    delivery_states,
)

SENT = DeliveryState(
    status="sent",
    attempts=1,
    last_error="",
    next_attempt_at=None,
    sent_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
)


def test_a_channel_without_a_provider_has_no_delivery_states() -> None:
    assert delivery_states(channel=Channel.CHAT, message_ids=[1, 2]) == {}


def test_the_registered_provider_answers_for_its_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(providers, "_delivery", {})  # an empty registry, restored after the test
    asked: list[list[int]] = []

    def provider(*, message_ids: list[int]) -> Mapping[int, DeliveryState]:
        asked.append(message_ids)
        return {message_ids[0]: SENT}

    delivery_provider_register(channel=Channel.SMS, provider=provider)
    assert delivery_states(channel=Channel.SMS, message_ids=(7, 8)) == {7: SENT}
    assert asked == [[7, 8]]
    assert delivery_states(channel=Channel.CHAT, message_ids=[7]) == {}  # another channel's
