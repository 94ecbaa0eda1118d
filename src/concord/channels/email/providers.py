"""What the email channel contributes to the conversation timeline (``conversations.providers``)."""

from __future__ import annotations

from concord.channels.email.selectors import delivery_states
from concord.conversations.models import Channel
from concord.conversations.providers import DeliveryState, delivery_provider_register


def message_deliveries(*, message_ids: list[int]) -> dict[int, DeliveryState]:
    """The state of the email carrying each of these messages, by message id."""
    return {
        message_id: DeliveryState(
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            sent_at=row.sent_at,
        )
        for message_id, row in delivery_states(message_ids=message_ids).items()
    }


def register() -> None:
    delivery_provider_register(channel=Channel.EMAIL, provider=message_deliveries)
