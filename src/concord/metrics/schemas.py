"""API schemas for metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from concord.api.schemas import Id, Out
from concord.conversations.models import Channel
from concord.customers.models import Tier


class MetricInfoOut(Out):
    name: str
    label: str
    unit: str
    higher_is_better: bool
    # The query parameters this metric can be cut by.
    cuts: list[str]
    # Durations: time_basis, calendar and within_seconds apply.
    timed: bool


class MetricParamsIn(Schema):
    """The period [start, end) (default: the 30 days up to now) and the cuts.

    A time without a UTC offset is read in ``time_zone`` (default: the server's).
    """

    start: datetime | None = None
    end: datetime | None = None
    bucket: Literal["day", "week", "month"] | None = None
    channel: Channel | None = None
    team: Id | None = None
    agent: Id | None = None
    category: str | None = Field(None, min_length=1, max_length=100)
    tag: str | None = Field(None, min_length=1, max_length=100)
    customer_tier: Tier | None = None
    organization: Id | None = None
    time_basis: Literal["calendar", "business"] = "calendar"
    calendar: Id | None = None
    within_seconds: float | None = Field(None, ge=0, le=10_000_000, allow_inf_nan=False)
    time_zone: str | None = Field(None, min_length=1, max_length=64)
    compare: bool = False


class FigureOut(Out):
    start: datetime
    end: datetime
    value: float | None
    sample_size: int
    enough: bool
    note: str
    mean: float | None
    median: float | None
    p90: float | None


class BucketOut(Out):
    start: datetime
    end: datetime
    value: float | None
    sample_size: int
    enough: bool
    note: str


class ScopeOut(Out):
    """The cuts the figure was computed with, after narrowing to what the caller may see."""

    channel: str | None
    team: int | None
    agent: int | None
    category: str | None
    tag: str | None
    customer_tier: str | None
    organization: int | None
    time_basis: str
    calendar: int | None
    within_seconds: float | None
    time_zone: str


class MetricOut(FigureOut):
    metric: str
    label: str
    unit: str
    higher_is_better: bool
    scope: ScopeOut
    series: list[BucketOut]
    breakdown: dict[str, float]
    previous: FigureOut | None
