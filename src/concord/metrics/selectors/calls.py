"""Handling metrics: average speed of answer (ASA) and average handle time (AHT).

Both come from call records; AHT cut to the chat channel comes from chats
(their active duration, see ``average_handle_time``). A call's own seconds
are what the telephony system measured, so these are calendar durations
whatever ``MetricQuery.time_basis`` asks: a call or chat is worked while it
lasts, and the queue wait is what the caller waited. Each figure comes with
mean, median and p90, and honours ``within_seconds`` ("share of calls
answered within 20 s") like the other time metrics.

Cuts: agent is the call's agent; team the call's team, else its
conversation's; channel "phone" (and "chat" for AHT); category and tag the
conversation's; tier and organization the customer's.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from concord.channels.phone.models import CallDirection, CallRecord
from concord.conversations.models import Channel
from concord.metrics.selectors.query import MetricQuery, MetricResult
from concord.metrics.selectors.scope import (
    CONVERSATION_CUTS,
    check_cuts,
    conversation_facts,
    conversation_filter,
)
from concord.metrics.selectors.times import calendar_durations, durations_between


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


def average_speed_of_answer(*, query: MetricQuery) -> MetricResult:
    """Total queue wait of answered calls ÷ answered calls (answered_at - queued_at).

    Inbound calls only: speed of answer is how long callers waited for us.
    Abandoned calls are excluded (they were never answered). A call belongs
    to the period it was answered in. Calendar seconds on either time basis.
    """
    answered = call_records(query).filter(
        direction=CallDirection.INBOUND, abandoned=False, answered_at__isnull=False
    )
    return durations_between(answered, started="queued_at", stopped="answered_at", query=query)


def average_handle_time(*, query: MetricQuery) -> MetricResult:
    """(talk + hold + wrap-up seconds) ÷ handled calls; for chat, the active duration.

    Calls: handled means answered, inbound or outbound; an abandoned call was
    not handled. A call belongs to the period it ended in. This is the figure
    without a channel cut, and for the phone channel.

    Chat (``channel="chat"``): the chat's active duration, from the
    customer's first message (the chat began) to its first solve (the chat
    ended), over chats solved in the period that an agent replied to (one
    solved without a reply was not handled). Concord records no "accepted"
    moment, so the wait before the first reply is inside the duration.
    """
    if query.channel == Channel.CHAT:
        chats = conversation_facts(query).filter(
            first_message_at__isnull=False,
            first_reply_at__isnull=False,
            first_solved_at__isnull=False,
            first_solved_at__gte=F("first_message_at"),
        )
        return durations_between(
            chats, started="first_message_at", stopped="first_solved_at", query=query
        )
    handled = (
        call_records(query)
        .filter(abandoned=False)
        .annotate(handle=F("talk_seconds") + F("hold_seconds") + F("wrap_up_seconds"))
    )
    return calendar_durations(handled, stopped="ended_at", seconds="handle", query=query)
