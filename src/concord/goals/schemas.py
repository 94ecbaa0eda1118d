"""API schemas for goals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StrictFloat

from concord.api.schemas import JSON_INT, NON_BLANK, BodyId, Day, Out, QueryBool
from concord.conversations.models import Channel
from concord.customers.models import Tier
from concord.metrics.schemas import MetricName

# A day; "share of first replies within N seconds" beyond that is not a live-service goal.
MAX_WITHIN_SECONDS = 86_400


class GoalIn(Schema):
    name: str = Field(..., min_length=1, max_length=200, pattern=NON_BLANK)
    objective: str = Field(..., min_length=1, max_length=5000, pattern=NON_BLANK)
    metric: MetricName
    comparison: Literal[">=", "<="]
    threshold: StrictFloat = Field(..., allow_inf_nan=False)
    start: Day
    deadline: Day
    owners: list[BodyId] = Field(..., min_length=1, max_length=50)
    channel: Channel | None = None
    team: BodyId | None = None
    agent: BodyId | None = None
    category: str | None = Field(None, max_length=100)
    tag: str | None = Field(None, max_length=100)
    customer_tier: Tier | None = None
    organization: BodyId | None = None
    time_basis: Literal["calendar", "business"] = "calendar"
    calendar: BodyId | None = None
    within_seconds: Annotated[int, Field(ge=1, le=MAX_WITHIN_SECONDS), JSON_INT] | None = None


# A PATCH field that takes no null: omitted, it keeps its value (typed Any for mypy).
_KEEP: Any = None


class GoalPatchIn(Schema):
    """Only the fields sent change; null clears a scope cut (the other fields take no null)."""

    name: str = Field(_KEEP, min_length=1, max_length=200, pattern=NON_BLANK)
    objective: str = Field(_KEEP, min_length=1, max_length=5000, pattern=NON_BLANK)
    metric: MetricName = Field(_KEEP)
    comparison: Literal[">=", "<="] = Field(_KEEP)
    threshold: StrictFloat = Field(_KEEP, allow_inf_nan=False)
    start: Day = Field(_KEEP)
    deadline: Day = Field(_KEEP)
    owners: list[BodyId] = Field(_KEEP, min_length=1, max_length=50)
    channel: Channel | None = None
    team: BodyId | None = None
    agent: BodyId | None = None
    category: str | None = Field(None, max_length=100)
    tag: str | None = Field(None, max_length=100)
    customer_tier: Tier | None = None
    organization: BodyId | None = None
    time_basis: Literal["calendar", "business"] = Field(_KEEP)
    calendar: BodyId | None = None
    within_seconds: Annotated[int, Field(ge=1, le=MAX_WITHIN_SECONDS), JSON_INT] | None = None


class GoalFiltersIn(Schema):
    archived: QueryBool = False


class NamedOut(Out):
    id: int
    name: str


class OwnerOut(Out):
    id: int
    name: str
    is_department: bool


class GoalScopeOut(Out):
    channel: str | None
    team: NamedOut | None
    agent: NamedOut | None
    category: str | None
    tag: str | None
    customer_tier: str | None
    organization: NamedOut | None
    time_basis: str
    calendar: NamedOut | None
    within_seconds: int | None
    text: str


class BaselineOut(Out):
    value: float | None
    sample_size: int
    enough: bool
    start: date | None
    end: date | None
    measured_at: datetime | None


class PointOut(Out):
    """One day's figures: since the start, and over the last 28 days (what the status reads)."""

    on: date
    value: float | None
    sample_size: int
    enough: bool
    recent_value: float | None
    recent_sample_size: int
    recent_enough: bool


class StatusOut(Out):
    status: str
    label: str
    reason: str
    projected: float | None
    slope_per_week: float | None
    tolerance: float


class GoalOut(Out):
    id: int
    name: str
    objective: str
    metric: str
    metric_label: str
    unit: str
    comparison: str
    threshold: float
    target: str
    scope: GoalScopeOut
    start: date
    deadline: date
    owners: list[OwnerOut]
    created_by: NamedOut | None
    created_at: datetime
    archived: bool
    baseline: BaselineOut
    current: PointOut | None
    status: StatusOut
    can_manage: bool


class WeekOut(Out):
    start: date
    end: date
    value: float | None
    sample_size: int
    enough: bool
    note: str


class ChangeOut(Out):
    at: datetime
    actor: NamedOut | None
    field: str
    old: str
    new: str


class GoalDetailOut(GoalOut):
    progress: list[PointOut]
    series: list[WeekOut]
    changes: list[ChangeOut]
