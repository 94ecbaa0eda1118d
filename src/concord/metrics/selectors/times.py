"""Speed metrics: first response, reply and resolution times, in calendar or business time.

Each sample belongs to the period in which its clock stopped (the reply was
sent, the conversation was solved), so a figure for last week never changes
because of something that happens this week.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import Min, Q

from concord.calendars.businesstime import business_seconds_between
from concord.calendars.selectors import calendar_list, calendar_schedule
from concord.conversations.models import Message, Status
from concord.metrics.selectors.query import MetricQuery, MetricResult, bucketed_durations
from concord.metrics.selectors.scope import agent_replies, conversations, customer_messages

Clock = Callable[[datetime, datetime], float]


def _clock(query: MetricQuery) -> Clock:
    """Seconds between two instants on the query's time basis."""
    if query.time_basis == "calendar":
        return lambda start, end: (end - start).total_seconds()
    calendar = calendar_list().filter(pk=query.calendar_id).first() if query.calendar_id else None
    if calendar is None:
        raise ValueError(f"There is no calendar {query.calendar_id}.")
    schedule = calendar_schedule(calendar=calendar)
    return lambda start, end: float(
        business_seconds_between(schedule=schedule, start=start, end=end)
    )


def _in_period(field: str, query: MetricQuery) -> Q:
    return Q(**{f"{field}__gte": query.start, f"{field}__lt": query.end})


def first_response_time(*, query: MetricQuery) -> MetricResult:
    """From the first customer message to the first public agent reply.

    Over conversations whose first reply falls in the period; replies by the
    automation user and internal notes are not responses. A merge target
    counts once, with the messages the merge moved into it.
    """
    clock = _clock(query)
    rows = (
        Message.objects.filter(conversation__in=conversations(query))
        .values("conversation_id")
        .annotate(
            asked=Min("created_at", filter=customer_messages()),
            answered=Min("created_at", filter=agent_replies()),
        )
        .filter(_in_period("answered", query), asked__isnull=False)
        .values_list("asked", "answered")
    )
    samples = [(answered, max(0.0, clock(asked, answered))) for asked, answered in rows]
    return bucketed_durations(samples, query=query)


def average_reply_time(*, query: MetricQuery) -> MetricResult:
    """Mean, over every customer message that got an agent reply, of the wait for it.

    Several customer messages before one reply are each a sample, waiting
    until that reply. A sample belongs to the period its reply was sent in.
    """
    clock = _clock(query)
    replied = Message.objects.filter(agent_replies(), _in_period("created_at", query)).values(
        "conversation_id"
    )
    rows = (
        Message.objects.filter(
            customer_messages() | agent_replies(),
            conversation__in=conversations(query).filter(pk__in=replied),
            created_at__lt=query.end,
        )
        .order_by("conversation_id", "created_at", "id")
        .values_list("conversation_id", "direction", "created_at")
    )
    samples: list[tuple[datetime, float]] = []
    waiting: list[datetime] = []
    current: int | None = None
    for conversation_id, direction, at in rows:
        if conversation_id != current:
            current, waiting = conversation_id, []
        if direction == "inbound":
            waiting.append(at)
            continue
        if query.start <= at:
            samples.extend((at, max(0.0, clock(asked, at))) for asked in waiting)
        waiting = []
    return bucketed_durations(samples, query=query)


def resolution_time(*, query: MetricQuery) -> MetricResult:
    """From creation to the last solve, over conversations solved in the period.

    A reopened conversation counts only once it is solved again, with the
    time to that last solve; one still open after reopening does not count.
    """
    clock = _clock(query)
    rows = (
        conversations(query)
        .filter(_in_period("solved_at", query), status__in=[Status.SOLVED, Status.CLOSED])
        .values_list("created_at", "solved_at")
    )
    samples = [(solved, max(0.0, clock(created, solved))) for created, solved in rows if solved]
    return bucketed_durations(samples, query=query)
