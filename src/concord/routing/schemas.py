"""API schemas for agents' availability."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import StrictInt

from concord.api.schemas import Out
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
    capacity: StrictInt | None = Field(None, ge=0, le=1000)
