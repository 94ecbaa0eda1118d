"""The registry of metrics: name, label, unit, direction and the cuts each honours."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from concord.metrics.selectors.calls import average_handle_time, average_speed_of_answer
from concord.metrics.selectors.consults import consult_answer_time, consults_asked
from concord.metrics.selectors.conversations import (
    backlog,
    consult_rate,
    escalation_rate,
    first_contact_resolution,
    reopen_rate,
    sla_first_response,
    sla_resolution,
    volume,
)
from concord.metrics.selectors.customers import CHURN_CUTS, churn_rate
from concord.metrics.selectors.query import (
    MetricQuery,
    MetricResult,
)
from concord.metrics.selectors.scope import CONVERSATION_CUTS
from concord.metrics.selectors.surveys import ces, csat, gcr, nps, star_rating, ves
from concord.metrics.selectors.times import (
    average_reply_time,
    first_response_time,
    resolution_time,
)

MetricFunction = Callable[..., MetricResult]


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    compute: MetricFunction
    unit: str
    # Higher is better (CSAT) or lower is better (FRT); goals and charts need to know.
    higher_is_better: bool
    cuts: frozenset[str] = CONVERSATION_CUTS
    # Durations honour MetricQuery.time_basis; the others ignore it.
    timed: bool = False

    def __call__(self, *, query: MetricQuery) -> MetricResult:
        return self.compute(query=query)


_ALL = [
    Metric("csat", "CSAT", csat, "%", True),
    Metric("nps", "NPS", nps, "NPS", True),
    Metric("ces", "CES", ces, "%", True),
    Metric("star_rating", "Star rating", star_rating, "score", True),
    Metric("ves", "VES", ves, "score", True),
    Metric("gcr", "Goal completion rate", gcr, "%", True),
    Metric("frt", "First response time", first_response_time, "seconds", False, timed=True),
    Metric("art", "Average reply time", average_reply_time, "seconds", False, timed=True),
    Metric("resolution_time", "Resolution time", resolution_time, "seconds", False, timed=True),
    Metric("asa", "Average speed of answer", average_speed_of_answer, "seconds", False, timed=True),
    Metric("aht", "Average handle time", average_handle_time, "seconds", False, timed=True),
    Metric("fcr", "First contact resolution", first_contact_resolution, "%", True),
    Metric("reopen_rate", "Reopen rate", reopen_rate, "%", False),
    Metric("escalation_rate", "Escalation rate", escalation_rate, "%", False),
    Metric("consult_rate", "Consult rate", consult_rate, "%", False),
    Metric(
        "consult_answer_time",
        "Time to first consult answer",
        consult_answer_time,
        "seconds",
        False,
        timed=True,
    ),
    Metric("consults_asked", "Consults asked", consults_asked, "consults", False),
    Metric("sla_first_response", "SLA attainment: first response", sla_first_response, "%", True),
    Metric("sla_resolution", "SLA attainment: resolution", sla_resolution, "%", True),
    Metric("backlog", "Backlog", backlog, "conversations", False),
    Metric("volume", "Volume", volume, "conversations", False),
    Metric("churn_rate", "Churn rate", churn_rate, "%", False, cuts=CHURN_CUTS),
]
METRICS: dict[str, Metric] = {metric.name: metric for metric in _ALL}


def metric_supports(metric: Metric, query: MetricQuery) -> bool:
    """Whether the metric can honour every cut the query sets."""
    return query.cuts() <= metric.cuts
