"""Facts reported about a conversation from outside it: a bounce, a complaint, an SLA alarm."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from concord.accounts.models import User
from concord.common.errors import ValidationFailed
from concord.conversations.models import Conversation, Event, EventKind, Message
from concord.conversations.services._common import lock, record, touch, when


def conversation_record_delivery_failure(
    *,
    conversation: Conversation,
    detail: str,
    message: Message | None = None,
    at: datetime | None = None,
) -> Event:
    """A message of this conversation did not reach the customer (or they complained).

    ``detail`` is what the agent needs to act: the status and the remote
    server's words, e.g. "5.1.1 bounced: user unknown". It changes no status:
    the agent decides whether to reach the customer another way.
    """
    moment = when(at)
    with transaction.atomic():
        return record(
            conversation,
            EventKind.DELIVERY_FAILED,
            at=moment,
            new=" ".join(detail.split())[:300],
            message=message,
        )


SLA_TARGETS = frozenset({"first_response", "next_reply", "resolution"})
SLA_ALARMS = frozenset({EventKind.SLA_WARNING, EventKind.SLA_BREACHED})


def conversation_record_sla_alarm(
    *,
    conversation: Conversation,
    kind: str,
    target: str,
    due_at: datetime,
    at: datetime | None = None,
) -> Event:
    """An SLA target is about to be missed (warning) or was missed (breach).

    The caller (the SLA app) guarantees exactly once per target; this only
    writes the fact, so triggers and metrics see it like any other event.
    """
    if kind not in SLA_ALARMS:
        raise ValidationFailed(f"{kind!r} is not an SLA alarm.", field="kind")
    if target not in SLA_TARGETS:
        raise ValidationFailed(f"{target!r} is not an SLA target.", field="target")
    moment = when(at)
    with transaction.atomic():
        return record(
            conversation, kind, at=moment, old=target, new=due_at.isoformat(timespec="seconds")
        )


def conversation_record_survey_answer(
    *, conversation: Conversation, kind: str, score: int, at: datetime | None = None
) -> Event:
    """The customer rated this conversation; triggers and the timeline see it as an event."""
    moment = when(at)
    with transaction.atomic():
        return record(
            conversation,
            EventKind.SURVEY_ANSWERED,
            at=moment,
            actor_customer=conversation.customer,
            old=kind,
            new=score,
        )


CONSULT_EVENTS = frozenset(
    {EventKind.CONSULT_ASKED, EventKind.CONSULT_ANSWERED, EventKind.CONSULT_CLOSED}
)


def conversation_record_consult(
    *,
    conversation: Conversation,
    kind: str,
    actor: User,
    consult_id: int,
    asked_of: str,
    at: datetime | None = None,
) -> Event:
    """A consult was asked, first answered or closed (the collaboration app calls this).

    Only the fact goes into the conversation's history, so the timeline,
    triggers and metrics (the escalation rate counts consults) see it; the
    question and answers stay in the consult.
    """
    if kind not in CONSULT_EVENTS:
        raise ValidationFailed(f"{kind!r} is not a consult event.", field="kind")
    moment = when(at)
    with transaction.atomic():
        conversation = lock(conversation)
        event = record(
            conversation, kind, at=moment, actor=actor, old=str(consult_id), new=asked_of[:300]
        )
        # Activity on the conversation: it moves up in the inbox, and metrics'
        # facts (escalation) follow in the same transaction.
        touch(conversation, moment, [])
        return event
