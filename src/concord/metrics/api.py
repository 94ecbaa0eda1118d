"""API for metrics: the registry, and one metric over a period with cuts, buckets and comparison.

Every figure goes through ``report_query_for_user``, the same access rule as
the reports page and its export: a supervisor's query is narrowed to their
team, an agent's to their own work.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from concord.api.auth import current_user
from concord.api.schemas import READ_ERRORS
from concord.calendars.selectors import calendar_list
from concord.common.errors import NotFound, ValidationFailed
from concord.metrics.schemas import MetricInfoOut, MetricOut, MetricParamsIn, MetricPathName
from concord.metrics.selectors import (
    METRICS,
    Metric,
    MetricQuery,
    MetricResult,
    PeriodInvalid,
    metric_supports,
    period_check,
)
from concord.metrics.selectors.access import report_query_for_user

router = Router(tags=["metrics"])

DEFAULT_PERIOD = timedelta(days=30)
# Each bucket is a column (or a query) of its own; a year of days is plenty for a chart.
MAX_BUCKETS = 366
_BUCKET_DAYS = {"day": 1, "week": 7, "month": 28}
# MetricQuery's cut -> the query parameter that sets it.
PARAMS: dict[str, str] = {
    "channel": "channel",
    "team_id": "team",
    "agent_id": "agent",
    "category": "category",
    "tag": "tag",
    "customer_tier": "customer_tier",
    "organization_id": "organization",
}


def metric_info(metric: Metric) -> dict[str, Any]:
    return {
        "name": metric.name,
        "label": metric.label,
        "unit": metric.unit,
        "higher_is_better": metric.higher_is_better,
        "cuts": sorted(PARAMS[cut] for cut in metric.cuts if cut in PARAMS),
        "timed": metric.timed,
    }


def figure_data(query: MetricQuery, result: MetricResult) -> dict[str, Any]:
    return {
        # In UTC like every time the API writes; a bucket's local midnight is its start there.
        "start": query.start.astimezone(UTC),
        "end": query.end.astimezone(UTC),
        "value": result.value,
        "sample_size": result.sample_size,
        "enough": result.enough,
        "note": result.note,
        "mean": result.mean,
        "median": result.median,
        "p90": result.p90,
    }


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"{name!r} is not a time zone (e.g. Europe/Berlin).", field="time_zone"
        ) from None


def build_query(metric: Metric, params: MetricParamsIn) -> MetricQuery:
    """The query the parameters ask for; a bad parameter is a 422 that names it."""
    zone = _zone(params.time_zone)
    default_zone = zone or timezone.get_default_timezone()
    end = params.end or timezone.now()
    start = params.start or end - DEFAULT_PERIOD
    start, end = (
        timezone.make_aware(moment, default_zone) if timezone.is_naive(moment) else moment
        for moment in (start, end)
    )
    try:
        # From 1970, by 3000, at most ten years: so the period before (compare=true),
        # the buckets and their local midnights all stay inside the calendar.
        period_check(start, end)
    except PeriodInvalid as error:
        raise ValidationFailed(str(error), field=error.field) from None
    if params.bucket and end - start > timedelta(days=MAX_BUCKETS * _BUCKET_DAYS[params.bucket]):
        raise ValidationFailed(
            f"At most {MAX_BUCKETS} buckets: choose a longer bucket or a shorter period.",
            field="bucket",
        )
    if params.time_basis == "business":
        if not metric.timed:
            raise ValidationFailed(
                f"{metric.label} is not a time; only times run on business hours.",
                field="time_basis",
            )
        if params.calendar is None:
            raise ValidationFailed("Business hours need a calendar.", field="calendar")
        if not calendar_list().filter(pk=params.calendar).exists():
            raise ValidationFailed(f"There is no calendar {params.calendar}.", field="calendar")
    elif params.calendar is not None:
        raise ValidationFailed(
            "A calendar only applies with time_basis=business.", field="calendar"
        )
    if params.within_seconds is not None and not metric.timed:
        raise ValidationFailed(
            f"{metric.label} is not a time, so it has no share within N seconds.",
            field="within_seconds",
        )
    query = MetricQuery(
        start=start,
        end=end,
        bucket=params.bucket,
        channel=params.channel,
        team_id=params.team,
        agent_id=params.agent,
        category=params.category,
        tag=params.tag,
        customer_tier=params.customer_tier,
        organization_id=params.organization,
        time_basis=params.time_basis,
        calendar_id=params.calendar,
        within_seconds=params.within_seconds,
        time_zone=params.time_zone,
    )
    unsupported = sorted(PARAMS[cut] for cut in query.cuts() - metric.cuts)
    if unsupported:
        raise ValidationFailed(
            f"{metric.label} cannot be cut by {', '.join(unsupported)}.", field=unsupported[0]
        )
    return query


def scope_data(query: MetricQuery) -> dict[str, Any]:
    return {
        "channel": query.channel,
        "team": query.team_id,
        "agent": query.agent_id,
        "category": query.category,
        "tag": query.tag,
        "customer_tier": query.customer_tier,
        "organization": query.organization_id,
        "time_basis": query.time_basis,
        "calendar": query.calendar_id,
        "within_seconds": query.within_seconds,
        "time_zone": str(query.zone),
    }


@router.get("/metrics", response={200: list[MetricInfoOut], **READ_ERRORS})
def list_metrics(request: HttpRequest) -> list[dict[str, Any]]:
    """Every metric: its unit, which way is better, and the cuts it honours."""
    if not current_user(request).is_staff_member:
        raise NotFound("There are no metrics for this account.")
    return [metric_info(metric) for metric in METRICS.values()]


@router.get("/metrics/{name}", response={200: MetricOut, **READ_ERRORS})
def get_metric(
    request: HttpRequest, name: MetricPathName, params: Query[MetricParamsIn]
) -> dict[str, Any]:
    """One metric over a period: sample size, buckets, breakdown, and the period before.

    ``compare=true`` adds the same-length period just before (``previous``).
    The figure is narrowed to what the caller may see (supervisors: their
    teams, first team by default; agents: their own work); ``scope`` says
    which cuts were applied. Asking for someone else's figures is a 404.
    """
    metric = METRICS.get(name)
    if metric is None:
        raise NotFound(f"There is no metric {name!r}; GET /api/v1/metrics lists them.")
    query = build_query(metric, params)
    narrowed = report_query_for_user(user=current_user(request), query=query)
    # An agent's figures are pinned to their own work: a metric that cannot be
    # cut by agent is not one they can see.
    if narrowed is None or not metric_supports(metric, narrowed):
        raise NotFound(f"There is no {metric.label} figure for you with these cuts.")
    result = metric(query=narrowed)
    previous = None
    if params.compare:
        before = replace(narrowed.previous(), bucket=None)
        previous = figure_data(before, metric(query=before))
    return {
        **figure_data(narrowed, result),
        "metric": metric.name,
        "label": metric.label,
        "unit": result.unit or metric.unit,
        # A share within N seconds is better higher, whatever the time itself.
        "higher_is_better": metric.higher_is_better or narrowed.within_seconds is not None,
        "scope": scope_data(narrowed),
        "series": [
            {
                "start": bucket.start.astimezone(UTC),
                "end": bucket.end.astimezone(UTC),
                "value": bucket.result.value,
                "sample_size": bucket.result.sample_size,
                "enough": bucket.result.enough,
                "note": bucket.result.note,
            }
            for bucket in result.series
        ],
        "breakdown": dict(result.breakdown),
        "previous": previous,
    }
