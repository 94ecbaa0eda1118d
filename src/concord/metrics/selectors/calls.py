"""Phone metrics from call records: average speed of answer (ASA) and average handle time (AHT).

A call's own seconds are what the telephony system measured, so these are
calendar durations whatever ``MetricQuery.time_basis`` asks: a call is worked
while it lasts, and the queue wait is what the caller waited. Each figure
comes with mean, median and p90, and honours ``within_seconds`` ("share of
calls answered within 20 s") like the other time metrics.

Cuts: agent is the call's agent; team the call's team, else its
conversation's; channel only "phone" (any other channel has no calls);
category and tag the conversation's; tier and organization the customer's.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F, FloatField, Func, Q, QuerySet

from concord.channels.phone.models import CallDirection, CallRecord
from concord.conversations.models import Channel
from concord.metrics.selectors.query import MetricQuery, MetricResult, bucketed_durations
from concord.metrics.selectors.scope import CONVERSATION_CUTS, check_cuts, conversation_filter
from concord.metrics.selectors.times import calendar_durations


def call_records(query: MetricQuery) -> QuerySet[CallRecord]:
    """Call records in scope of the query's cuts (not yet of its period)."""
    check_cuts(query, CONVERSATION_CUTS)
    if query.channel is not None and query.channel != Channel.PHONE:
        return CallRecord.objects.none()
    q = Q()
    if query.agent_id is not None:
        q &= Q(agent_id=query.agent_id)
    if query.team_id is not None:
        q &= Q(team_id=query.team_id) | Q(team__isnull=True, conversation__team_id=query.team_id)
    # Category and tag through the conversation, as survey answers reach them.
    about = MetricQuery(start=query.start, end=query.end, category=query.category, tag=query.tag)
    q &= conversation_filter(about, prefix="conversation__")
    if query.customer_tier is not None:
        # As SLA policies (and scope's tier cut) match: the customer's tier or their organization's.
        q &= Q(customer__tier=query.customer_tier) | Q(
            customer__organization__tier=query.customer_tier
        )
    if query.organization_id is not None:
        q &= Q(customer__organization_id=query.organization_id)
    return CallRecord.objects.filter(q)


class _WaitSeconds(Func):
    """Seconds from queued to answered, as a float (PostgreSQL only)."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s))::float8"
    arg_joiner = " - "
    output_field = FloatField()


def average_speed_of_answer(*, query: MetricQuery) -> MetricResult:
    """Total queue wait of answered calls ÷ answered calls (answered_at - queued_at).

    Inbound calls only: speed of answer is how long callers waited for us.
    Abandoned calls are excluded (they were never answered). A call belongs
    to the period it was answered in. Calendar seconds on either time basis.
    """
    answered = call_records(query).filter(
        direction=CallDirection.INBOUND, abandoned=False, answered_at__isnull=False
    )
    if connection.vendor == "postgresql":
        # At a million conversations the calls of a period are too many to
        # send to Python: the wait, its median and p90 are worked out in SQL.
        waits = answered.annotate(wait=_WaitSeconds(F("answered_at"), F("queued_at")))
        return calendar_durations(waits, stopped="answered_at", seconds="wait", query=query)
    rows = answered.filter(answered_at__gte=query.start, answered_at__lt=query.end).values_list(
        "queued_at", "answered_at"
    )
    samples = [
        (answered_at, max(0.0, (answered_at - queued_at).total_seconds()))
        for queued_at, answered_at in rows
        if answered_at is not None  # filtered out above; this tells the type checker
    ]
    return bucketed_durations(samples, query=query)


def average_handle_time(*, query: MetricQuery) -> MetricResult:
    """(talk + hold + wrap-up seconds) ÷ handled calls.

    Handled: answered, inbound or outbound; an abandoned call was not handled.
    A call belongs to the period it ended in.
    """
    handled = (
        call_records(query)
        .filter(abandoned=False)
        .annotate(handle=F("talk_seconds") + F("hold_seconds") + F("wrap_up_seconds"))
    )
    return calendar_durations(handled, stopped="ended_at", seconds="handle", query=query)
