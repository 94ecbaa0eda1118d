"""The metrics selector API: one function per metric, all ``f(*, query) -> MetricResult``.

This is a read-only reporting app: its selectors read other apps' tables
(conversations, messages, events, survey responses, SLA targets, customers)
directly, because a figure is an aggregate over many rows and going through
each app's per-object selectors would mean one query per row. It writes
nothing. Every figure is computed from those facts, never from counters.

Dashboards, goals, the CSV export and the REST API look metrics up in
``METRICS`` by name. ASA and AHT come from the phone channel's call records.
Consult figures read the consults' rows (``selectors.consults``). Not here
yet: deflection needs article view tracking.
"""

from __future__ import annotations

from concord.metrics.selectors.calls import average_handle_time, average_speed_of_answer
from concord.metrics.selectors.consults import (
    DepartmentRow,
    consult_answer_time,
    consults_asked,
    department_figures,
    department_questions,
)
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
from concord.metrics.selectors.customers import churn_rate
from concord.metrics.selectors.overview import (
    OVERVIEW_LINES,
    OVERVIEW_METRICS,
    OVERVIEW_SERIES,
    Figure,
    Matrix,
    Overview,
    cx_overview,
    volume_matrix,
)
from concord.metrics.selectors.query import (
    EARLIEST_START,
    LATEST_END,
    MAX_PERIOD,
    MIN_SAMPLES,
    Bucket,
    BucketResult,
    MetricQuery,
    MetricResult,
    PeriodInvalid,
    TimeBasis,
    UnsupportedCut,
    period_check,
)
from concord.metrics.selectors.registry import METRICS, Metric, metric_supports
from concord.metrics.selectors.surveys import ces, csat, gcr, nps, star_rating, ves
from concord.metrics.selectors.times import (
    average_reply_time,
    first_response_time,
    resolution_time,
)

__all__ = [
    "EARLIEST_START",
    "LATEST_END",
    "MAX_PERIOD",
    "METRICS",
    "MIN_SAMPLES",
    "OVERVIEW_LINES",
    "OVERVIEW_METRICS",
    "OVERVIEW_SERIES",
    "Bucket",
    "BucketResult",
    "DepartmentRow",
    "Figure",
    "Matrix",
    "Metric",
    "MetricQuery",
    "MetricResult",
    "Overview",
    "PeriodInvalid",
    "TimeBasis",
    "UnsupportedCut",
    "average_handle_time",
    "average_reply_time",
    "average_speed_of_answer",
    "backlog",
    "ces",
    "churn_rate",
    "consult_answer_time",
    "consult_rate",
    "consults_asked",
    "csat",
    "cx_overview",
    "department_figures",
    "department_questions",
    "escalation_rate",
    "first_contact_resolution",
    "first_response_time",
    "gcr",
    "metric_supports",
    "nps",
    "period_check",
    "reopen_rate",
    "resolution_time",
    "sla_first_response",
    "sla_resolution",
    "star_rating",
    "ves",
    "volume",
    "volume_matrix",
]
