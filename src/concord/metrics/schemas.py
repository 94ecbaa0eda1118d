"""API schemas for metrics."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from concord.api.schemas import Id, Out, QueryBool
from concord.conversations.models import Channel
from concord.customers.models import Tier
from concord.metrics.selectors import METRICS
from concord.metrics.selectors.query import EARLIEST_START, LATEST_END

METRIC_NAMES = sorted(METRICS)


def _known_metric(name: str) -> str:
    if name not in METRICS:
        raise ValueError(f"There is no metric {name!r}; see GET /api/v1/metrics.")
    return name


# A metric's name in a body: one of the registry's.
MetricName = Annotated[
    str,
    AfterValidator(_known_metric),
    WithJsonSchema({"type": "string", "enum": METRIC_NAMES}),
]
# In the path the schema lists the names, and an unknown one is a 404 (no such metric).
MetricPathName = Annotated[str, WithJsonSchema({"type": "string", "enum": METRIC_NAMES})]

# A period's bound: a date, or a date and time with or without a UTC offset
# (without: read in the time zone asked for), from 1970 on.
_YEARS = r"(19[7-9][0-9]|2[0-9]{3})"
_MD = (
    r"((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    r"|02-(0[1-9]|1[0-9]|2[0-8]))"
)
# 29 February, in the leap years from 1970 to 2999.
_LEAP_DAY = r"(19(7[26]|8[048]|9[26])|2[0-9](0[48]|[2468][048]|[13579][26])|2[048]00)-02-29"
_LOCAL = (
    rf"^({_YEARS}-{_MD}|{_LEAP_DAY})"
    r"([Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?$"
)
_AWARE = re.compile(
    _YEARS + r"-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?"
    r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)"
)


def _period_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not (
        _AWARE.fullmatch(value) or re.fullmatch(_LOCAL[1:-1], value)
    ):
        raise ValueError(
            f"Input should be a date, or a date and time (ISO 8601), from "
            f"{EARLIEST_START.year} to {LATEST_END.year - 1}"
        )
    return value


PeriodBound = Annotated[
    datetime,
    BeforeValidator(_period_text),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time", "pattern": f"^{_YEARS}-"},
                {"type": "string", "pattern": _LOCAL},
            ]
        },
        mode="validation",
    ),
]


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

    start: PeriodBound | None = None
    end: PeriodBound | None = None
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
    compare: QueryBool = False


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


class MetricScopeOut(Out):
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
    scope: MetricScopeOut
    series: list[BucketOut]
    breakdown: dict[str, float]
    previous: FigureOut | None
