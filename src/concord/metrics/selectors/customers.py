"""Churn rate, from customers' creation and churn dates."""

from __future__ import annotations

from django.db.models import Count, Q

from concord.customers.models import Customer
from concord.metrics.selectors.query import (
    BucketResult,
    MetricQuery,
    MetricResult,
    judged,
    with_series,
)
from concord.metrics.selectors.scope import check_cuts

CHURN_CUTS = frozenset({"customer_tier", "organization_id"})


def churn_rate(*, query: MetricQuery) -> MetricResult:
    """Customers lost in a period ÷ customers at its start, in %.

    At the start: created before it and not churned before it. Lost: one of
    those whose churn date falls in the period (a customer who came and went
    within it is in neither count). Each bucket is its own period.
    """
    check_cuts(query, CHURN_CUTS)
    rows = Customer.objects.all()
    if query.customer_tier is not None:
        rows = rows.filter(Q(tier=query.customer_tier) | Q(organization__tier=query.customer_tier))
    if query.organization_id is not None:
        rows = rows.filter(organization_id=query.organization_id)
    windows = [(query.start, query.end), *query.buckets()]
    expressions = {}
    for index, (lo, hi) in enumerate(windows):
        present = Q(created_at__lt=lo) & (Q(churned_at__isnull=True) | Q(churned_at__gte=lo))
        expressions[f"n_{index}"] = Count("pk", filter=present)
        expressions[f"lost_{index}"] = Count("pk", filter=present & Q(churned_at__lt=hi))
    totals = rows.aggregate(**expressions)
    results = []
    for index in range(len(windows)):
        n, lost = totals[f"n_{index}"], totals[f"lost_{index}"]
        results.append(judged(100.0 * lost / n if n else None, n, query=query, unit="%"))
    series = [
        BucketResult(lo, hi, result)
        for (lo, hi), result in zip(windows[1:], results[1:], strict=True)
    ]
    return with_series(results[0], series)
