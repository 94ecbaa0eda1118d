"""Fixtures for the SLA tests: business hours, a customer, and a way to open conversations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

import pytest

from concord.calendars.models import Calendar
from concord.calendars.services import calendar_create
from concord.conversations.models import Conversation
from concord.conversations.services import conversation_open
from concord.customers.models import Customer
from concord.customers.services import customer_create

# Friday 2026-03-06, 16:00 in Berlin (UTC+1, before the spring change).
FRIDAY_16 = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
MONDAY_08 = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
HOUR = 3600

Opener = Callable[..., Conversation]


@pytest.fixture
def hours(db: None) -> Calendar:
    """Mon-Fri 08:00-18:00 Europe/Berlin, no public holidays (none fall in these weeks)."""
    return calendar_create(
        name="Support hours",
        time_zone="Europe/Berlin",
        intervals=[(day, time(8), time(18)) for day in range(5)],
    )


@pytest.fixture
def customer(db: None) -> Customer:
    return customer_create(name="Nora Quinn", identities=[("email", "nora@example.com")])


@pytest.fixture
def open_conversation(customer: Customer) -> Opener:
    def make(*, at: datetime = FRIDAY_16, **kwargs: Any) -> Conversation:
        kwargs.setdefault("customer", customer)
        return conversation_open(
            channel=kwargs.pop("channel", "email"), body_text="Help, please.", at=at, **kwargs
        )

    return make
