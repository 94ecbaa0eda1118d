"""What a goal measures, as plain values: its metric, scope and time basis, and its periods.

Kept free of the database so the services (validating a goal before it is
saved) and the selectors (measuring a saved one) build the same query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone

from concord.metrics.selectors import METRICS, Bucket, Metric, MetricQuery, TimeBasis

if TYPE_CHECKING:
    from concord.goals.models import Goal

# The status rule reads the metric over this many days up to each day: a month
# smooths a week's noise and still turns within the life of a quarterly goal.
RECENT_DAYS = 28
# The baseline looks back as far as the goal runs, but no further than this.
BASELINE_MAX_DAYS = 90
# Bounded scales, for range checks and the status tolerance; others only need >= 0.
SCALES: dict[str, tuple[float, float]] = {"%": (0.0, 100.0), "NPS": (-100.0, 100.0)}
METRIC_SCALES: dict[str, tuple[float, float]] = {"star_rating": (1.0, 5.0), "ves": (1.0, 7.0)}

# Scope field -> the MetricQuery cut it sets.
CUT_FIELDS: dict[str, str] = {
    "channel": "channel",
    "team": "team_id",
    "agent": "agent_id",
    "category": "category",
    "tag": "tag",
    "customer_tier": "customer_tier",
    "organization": "organization_id",
}


def zone() -> ZoneInfo:
    """Goal dates are days in the server's time zone (``CONCORD_TIME_ZONE``)."""
    default = timezone.get_default_timezone()
    return default if isinstance(default, ZoneInfo) else ZoneInfo(str(default))


def midnight(day: date) -> datetime:
    """The start of ``day``: local midnight, so a DST change keeps days whole."""
    return datetime.combine(day, time(), tzinfo=zone())


def today(now: datetime) -> date:
    return now.astimezone(zone()).date()


@dataclass(frozen=True)
class Definition:
    """The metric and the cuts a goal is measured with; empty strings and None: not cut."""

    metric: str
    channel: str = ""
    team_id: int | None = None
    agent_id: int | None = None
    category: str = ""
    tag: str = ""
    customer_tier: str = ""
    organization_id: int | None = None
    time_basis: TimeBasis = "calendar"
    calendar_id: int | None = None
    within_seconds: int | None = None

    @classmethod
    def of(cls, goal: Goal) -> Definition:
        return cls(
            metric=goal.metric,
            channel=goal.channel,
            team_id=goal.team_id,
            agent_id=goal.agent_id,
            category=goal.category,
            tag=goal.tag,
            customer_tier=goal.customer_tier,
            organization_id=goal.organization_id,
            time_basis="business" if goal.time_basis == "business" else "calendar",
            calendar_id=goal.calendar_id,
            within_seconds=goal.within_seconds,
        )

    @property
    def registered(self) -> Metric:
        return METRICS[self.metric]

    @property
    def label(self) -> str:
        """E.g. "CSAT", or "First response time within 60 s" for a share."""
        label = self.registered.label
        return label if self.within_seconds is None else f"{label} within {self.within_seconds} s"

    @property
    def unit(self) -> str:
        """A time metric asked for the share within N seconds answers in %."""
        return "%" if self.within_seconds is not None else self.registered.unit

    @property
    def scale(self) -> tuple[float, float] | None:
        if self.within_seconds is None and self.metric in METRIC_SCALES:
            return METRIC_SCALES[self.metric]
        return SCALES.get(self.unit)

    def query(self, *, start: date, end: date, bucket: Bucket | None = None) -> MetricQuery:
        """The metric over the whole days [start, end)."""
        return MetricQuery(
            start=midnight(start),
            end=midnight(end),
            bucket=bucket,
            channel=self.channel or None,
            team_id=self.team_id,
            agent_id=self.agent_id,
            category=self.category or None,
            tag=self.tag or None,
            customer_tier=self.customer_tier or None,
            organization_id=self.organization_id,
            time_basis=self.time_basis,
            calendar_id=self.calendar_id if self.time_basis == "business" else None,
            within_seconds=None if self.within_seconds is None else float(self.within_seconds),
        )


def baseline_period(*, start: date, deadline: date, on: date) -> tuple[date, date]:
    """The days [first, end) the baseline is measured over.

    As long as the goal runs (start to deadline, both included), capped at
    ``BASELINE_MAX_DAYS``, just before the start; for a goal that starts
    later than ``on``, just before ``on``, because later days are not known yet.
    """
    length = min((deadline - start).days + 1, BASELINE_MAX_DAYS)
    end = min(start, on)
    return end - timedelta(days=length), end


def recent_start(*, day: date, start: date) -> date:
    """The first day of the ``RECENT_DAYS`` window ending on ``day``, not before the start."""
    return max(start, day - timedelta(days=RECENT_DAYS - 1))
