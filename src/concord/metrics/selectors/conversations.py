"""Outcome and workload metrics over conversations: FCR, reopen and escalation rates,
SLA attainment, backlog and volume."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from concord.accounts.models import Team, TeamKind
from concord.conversations.models import Conversation, Event, EventKind, Message, Status
from concord.metrics.selectors.query import (
    BucketResult,
    MetricQuery,
    MetricResult,
    counted,
    judged,
    with_series,
)
from concord.metrics.selectors.scope import (
    Parts,
    agent_replies,
    aggregate_windows,
    conversations,
)
from concord.sla.models import SlaTarget, TargetKind

# A conversation carrying this tag counts as escalated whatever team it is in.
ESCALATED_TAG = "escalated"
DONE = (Status.SOLVED, Status.CLOSED)


def _own_events(kind: str) -> QuerySet[Event]:
    """Events of the outer conversation, leaving out the ones a merge moved in."""
    return Event.objects.filter(conversation=OuterRef("pk"), kind=kind, merged_from__isnull=True)


def _first_solved(query: MetricQuery) -> QuerySet[Conversation]:
    """Conversations in scope whose first solve falls in the period.

    Counting by the first solve keeps a conversation in the period it was
    solved even after it is reopened, which is what FCR and reopen rate judge.
    """
    first = (
        _own_events(EventKind.STATUS_CHANGED)
        .filter(new_value=Status.SOLVED)
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    return conversations(query).annotate(first_solved_at=Subquery(first))


def _rate(
    rows: QuerySet[Conversation], *, query: MetricQuery, time_field: str, hit: Q
) -> MetricResult:
    def compute(v: Mapping[str, float]) -> tuple[float | None, int]:
        n = int(v["n"])
        return (100.0 * v["hits"] / n if n else None), n

    parts: Parts = {
        "n": lambda w: Count("pk", filter=w),
        "hits": lambda w: Count("pk", filter=w & hit),
    }
    return aggregate_windows(
        rows,
        query=query,
        time_field=time_field,
        parts=parts,
        compute=compute,
        judge=lambda value, n: judged(value, n, query=query, unit="%"),
    )


def first_contact_resolution(*, query: MetricQuery) -> MetricResult:
    """% of conversations first solved in the period with exactly one agent reply, never reopened.

    Replies by the automation user are not agent replies.
    """
    replies = (
        Message.objects.filter(agent_replies(), conversation=OuterRef("pk"))
        .values("conversation")
        .annotate(c=Count("pk"))
        .values("c")
    )
    rows = _first_solved(query).annotate(
        agent_reply_count=Coalesce(Subquery(replies, output_field=IntegerField()), 0),
        was_reopened=Exists(_own_events(EventKind.REOPENED)),
    )
    return _rate(
        rows,
        query=query,
        time_field="first_solved_at",
        hit=Q(agent_reply_count=1, was_reopened=False),
    )


def reopen_rate(*, query: MetricQuery) -> MetricResult:
    """% of conversations first solved in the period that were reopened (then or later)."""
    rows = _first_solved(query).annotate(was_reopened=Exists(_own_events(EventKind.REOPENED)))
    return _rate(rows, query=query, time_field="first_solved_at", hit=Q(was_reopened=True))


def escalation_rate(*, query: MetricQuery) -> MetricResult:
    """% of conversations created in the period that were escalated.

    Escalated: moved to a department team (``TeamKind.DEPARTMENT``: billing,
    logistics… as opposed to a service team) after it was opened, or tagged
    ``escalated``. Opening straight into a department team is routing, not
    escalation. Consulting another team without moving the conversation is not
    recorded anywhere yet, so it does not count.
    """
    departments = [
        str(pk) for pk in Team.objects.filter(kind=TeamKind.DEPARTMENT).values_list("pk", flat=True)
    ]
    moved = Event.objects.filter(
        conversation=OuterRef("pk"),
        kind=EventKind.TEAM_CHANGED,
        new_value__in=departments,
        created_at__gt=OuterRef("created_at"),
    )
    tagged = Conversation.tags.through.objects.filter(
        conversation_id=OuterRef("pk"), tag__name=ESCALATED_TAG
    )
    rows = conversations(query).annotate(
        was_escalated=Exists(moved) | Exists(tagged),
    )
    return _rate(rows, query=query, time_field="created_at", hit=Q(was_escalated=True))


def _sla_attainment(query: MetricQuery, target: str) -> MetricResult:
    """% of targets met, among those whose outcome fell in the period.

    Met: achieved by its due time and never breached; counted when achieved.
    Missed: breached, or past due when achieved or by now; counted at its due
    time. A running target not yet due is not counted.
    """
    now = timezone.now()
    met = Q(achieved_at__isnull=False, breached_at__isnull=True) & (
        Q(due_at__isnull=True) | Q(achieved_at__lte=F("due_at"))
    )
    missed = Q(breached_at__isnull=False) | (
        Q(due_at__isnull=False, due_at__lt=now)
        & (Q(achieved_at__isnull=True) | Q(achieved_at__gt=F("due_at")))
    )
    rows = (
        SlaTarget.objects.filter(
            target=target, cycle=0, conversation__in=conversations(query).values("pk")
        )
        .annotate(
            outcome_at=Case(
                When(met, then=F("achieved_at")),
                When(missed, then=Coalesce(F("due_at"), F("breached_at"))),
                default=None,
            )
        )
        .filter(outcome_at__isnull=False)
    )

    def compute(v: Mapping[str, float]) -> tuple[float | None, int]:
        n = int(v["n"])
        return (100.0 * v["met"] / n if n else None), n

    return aggregate_windows(
        rows,
        query=query,
        time_field="outcome_at",
        parts={
            "n": lambda w: Count("pk", filter=w),
            "met": lambda w: Count("pk", filter=w & met),
        },
        compute=compute,
        judge=lambda value, n: judged(value, n, query=query, unit="%"),
    )


def sla_first_response(*, query: MetricQuery) -> MetricResult:
    """% of first-response targets met (see ``_sla_attainment``)."""
    return _sla_attainment(query, TargetKind.FIRST_RESPONSE)


def sla_resolution(*, query: MetricQuery) -> MetricResult:
    """% of resolution targets met (see ``_sla_attainment``)."""
    return _sla_attainment(query, TargetKind.RESOLUTION)


def _unsolved_at(query: MetricQuery, moment_end: object) -> int:
    status_then = (
        _own_events(EventKind.STATUS_CHANGED)
        .filter(created_at__lt=moment_end)
        .order_by("-created_at", "-id")
        .values("new_value")[:1]
    )
    return (
        conversations(query)
        .filter(created_at__lt=moment_end)
        .annotate(status_then=Subquery(status_then))
        .filter(Q(status_then__isnull=True) | ~Q(status_then__in=DONE))
        .count()
    )


def backlog(*, query: MetricQuery) -> MetricResult:
    """Conversations unsolved at the end of the period (each bucket: at its end).

    Worked out from the status log, so a past period's backlog is what it
    was then. One query per bucket.
    """
    series = [BucketResult(lo, hi, counted(_unsolved_at(query, hi))) for lo, hi in query.buckets()]
    return with_series(counted(_unsolved_at(query, query.end)), series)


def volume(*, query: MetricQuery) -> MetricResult:
    """Conversations created in the period; ``breakdown`` by channel.

    A follow-up to a closed conversation is a new conversation; a merged-away
    one is not counted.
    """
    rows = conversations(query)
    result = aggregate_windows(
        rows,
        query=query,
        time_field="created_at",
        parts={"n": lambda w: Count("pk", filter=w)},
        compute=lambda v: (v["n"], int(v["n"])),
        judge=lambda value, n: counted(n),
    )
    by_channel = (
        rows.filter(created_at__gte=query.start, created_at__lt=query.end)
        .values("channel")
        .annotate(n=Count("pk"))
        .order_by("channel")
    )
    breakdown = {row["channel"]: float(row["n"]) for row in by_channel}
    return MetricResult(
        value=result.value,
        sample_size=result.sample_size,
        enough=True,
        unit=result.unit,
        series=result.series,
        breakdown=breakdown,
    )
