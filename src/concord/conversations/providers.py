"""Per-message details that channels contribute to a conversation's timeline.

A channel knows how a message it carried fared (an email's delivery state).
The conversation API shows that without importing the channel: the channel
registers a provider here in its ``AppConfig.ready`` and the API asks the
registry, so the core stays below the channels (docs/layers.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class DeliveryState:
    """How the channel's carrier of an outbound message fared (``DeliveryOut`` in the API)."""

    status: str  # queued, sending, retrying, sent, failed, bounced
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None


class DeliveryProvider(Protocol):
    def __call__(self, *, message_ids: list[int]) -> Mapping[int, DeliveryState]: ...


# Channel (``Channel`` value) -> its provider. Filled at start-up, read-only after.
_delivery: dict[str, DeliveryProvider] = {}


def delivery_provider_register(*, channel: str, provider: DeliveryProvider) -> None:
    """Make ``provider`` answer for the messages of ``channel`` conversations (one per channel)."""
    _delivery[channel] = provider


def delivery_states(*, channel: str, message_ids: Sequence[int]) -> Mapping[int, DeliveryState]:
    """The delivery state of each of these messages that has one, by message id.

    Empty for a channel without a provider (chat, phone: nothing is delivered later).
    """
    provider = _delivery.get(channel)
    if provider is None:
        return {}
    return provider(message_ids=list(message_ids))
