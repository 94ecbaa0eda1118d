"""API schemas for agents' availability."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from concord.api.schemas import JSON_INT, Out
from concord.routing.models import Availability


class AgentStatusOut(Out):
    user_id: int
    username: str
    availability: str
    capacity: int
    # Open conversations assigned to the agent: new, open, pending or on hold.
    load: int
    changed_at: datetime | None


class AvailabilityIn(Schema):
    availability: Availability


class AgentStatusIn(Schema):
    availability: Availability | None = None
    capacity: Annotated[int, Field(ge=0, le=1000), JSON_INT] | None = None
