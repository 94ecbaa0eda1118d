"""Satisfaction metrics, from survey answers, placed in the period they were given."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Count, F, FloatField, Q, Sum
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce

from concord.metrics.selectors.query import MetricQuery, MetricResult, judged
from concord.metrics.selectors.scope import aggregate_windows, survey_responses
from concord.surveys.models import SurveyKind


def _share(query: MetricQuery, *, kind: str, good: Q, unit: str = "%") -> MetricResult:
    """% of answers of ``kind`` that meet ``good``."""

    def compute(v: Mapping[str, float]) -> tuple[float | None, int]:
        n = int(v["n"])
        return (100.0 * v["good"] / n if n else None), n

    return aggregate_windows(
        survey_responses(query, kind),
        query=query,
        time_field="answered_at",
        parts={
            "n": lambda w: Count("pk", filter=w),
            "good": lambda w: Count("pk", filter=w & good),
        },
        compute=compute,
        judge=lambda value, n: judged(value, n, query=query, unit=unit),
    )


def csat(*, query: MetricQuery) -> MetricResult:
    """% of CSAT answers (1-5) that are 4 or 5."""
    return _share(query, kind=SurveyKind.CSAT, good=Q(score__gte=4))


def ces(*, query: MetricQuery) -> MetricResult:
    """% of CES answers (1-7) that are 5, 6 or 7."""
    return _share(query, kind=SurveyKind.CES, good=Q(score__gte=5))


def gcr(*, query: MetricQuery) -> MetricResult:
    """Goal completion rate: % of "yes" (stored as 1) answers."""
    return _share(query, kind=SurveyKind.GCR, good=Q(score=1))


def nps(*, query: MetricQuery) -> MetricResult:
    """% promoters (9-10) minus % detractors (0-6), from -100 to 100."""

    def compute(v: Mapping[str, float]) -> tuple[float | None, int]:
        n = int(v["n"])
        return (100.0 * (v["promoters"] - v["detractors"]) / n if n else None), n

    return aggregate_windows(
        survey_responses(query, SurveyKind.NPS),
        query=query,
        time_field="answered_at",
        parts={
            "n": lambda w: Count("pk", filter=w),
            "promoters": lambda w: Count("pk", filter=w & Q(score__gte=9)),
            "detractors": lambda w: Count("pk", filter=w & Q(score__lte=6)),
        },
        compute=compute,
        judge=lambda value, n: judged(value, n, query=query, unit="NPS"),
    )


def _mean(query: MetricQuery, *, kind: str, per_answer: Combinable) -> MetricResult:
    def compute(v: Mapping[str, float]) -> tuple[float | None, int]:
        n = int(v["n"])
        return (v["total"] / n if n else None), n

    return aggregate_windows(
        survey_responses(query, kind),
        query=query,
        time_field="answered_at",
        parts={
            "n": lambda w: Count("pk", filter=w),
            "total": lambda w: Sum(Cast(per_answer, FloatField()), filter=w),
        },
        compute=compute,
        judge=lambda value, n: judged(value, n, query=query, unit="score"),
    )


def star_rating(*, query: MetricQuery) -> MetricResult:
    """Mean of the 1-5 star answers."""
    return _mean(query, kind=SurveyKind.STARS, per_answer=F("score"))


def ves(*, query: MetricQuery) -> MetricResult:
    """Mean over answers of each answer's mean of its two statements (1-7).

    An answer whose second statement was left unrated counts with its first
    score alone, rather than being dropped.
    """
    both = (F("score") + Coalesce(F("score_2"), F("score"))) / 2.0
    return _mean(query, kind=SurveyKind.VES, per_answer=both)
