"""A call record from the telephony system, checked, stored once, and joined to the history.

A record names the customer by phone number. The customer is resolved (or
created) by that phone identity, and the call is attached to a phone
conversation: the one the record names (a call about an existing case) or a
new one opened for it, so every call, a missed one too, is in the customer's
history where the team can see it and call back.

A new conversation for an answered call that needs nothing more was dealt
with on the phone: it is created solved, answered and solved by the agent who
took the call (answered when they picked up, solved when the call ended), so
it counts in first contact resolution and resolution time and leaves the
backlog. A missed call, one flagged ``follow_up``, or one without an agent
stays open in the team's inbox.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.accounts.selectors import user_team_ids
from concord.channels.phone.durations import format_seconds
from concord.channels.phone.models import CallDirection, CallRecord, CallRecordChange
from concord.common.errors import Conflict, ValidationFailed
from concord.conversations.models import Channel, Conversation, Status
from concord.conversations.selectors import conversation_find, conversation_user_works
from concord.conversations.services import (
    conversation_assign,
    conversation_open,
    conversation_reply,
    conversation_set_status,
)
from concord.customers.models import Customer, IdentityKind
from concord.customers.services import customer_resolve, normalize_identity

# A week: no call is longer; a bigger number is a unit mix-up (milliseconds).
MAX_SECONDS = 7 * 24 * 3600
MAX_SUMMARY_CHARS = 20_000
# Clocks of the telephony system and of Concord may disagree by a little.
CLOCK_SLACK = timedelta(minutes=5)
# A merged conversation may itself have been merged; follow a few hops at most.
_MERGE_HOPS = 10

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class CallUpsert:
    call: CallRecord
    outcome: Outcome

    @property
    def created(self) -> bool:
        return self.outcome == "created"


@dataclass(frozen=True)
class _Facts:
    """What a record says about the call; a record sent again is compared on these."""

    direction: str
    queued_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    talk_seconds: int
    hold_seconds: int
    wrap_up_seconds: int
    abandoned: bool
    agent: User | None
    team: Team | None
    summary: str
    recording_url: str


def call_record_upsert(
    *,
    external_id: str,
    direction: str,
    customer_phone: str,
    queued_at: datetime,
    ended_at: datetime,
    answered_at: datetime | None = None,
    abandoned: bool = False,
    talk_seconds: int = 0,
    hold_seconds: int = 0,
    wrap_up_seconds: int = 0,
    agent: User | None = None,
    team: Team | None = None,
    conversation_id: int | None = None,
    summary: str = "",
    recording_url: str = "",
    customer_name: str = "",
    follow_up: bool = False,
    actor: User | None = None,
    at: datetime | None = None,
) -> CallUpsert:
    """Store the call with this ``external_id``, or bring the stored one up to date.

    The same record twice changes nothing ("unchanged"); a record with the same
    id and different facts updates the call and logs each changed field in a
    ``CallRecordChange`` ("updated"). A stored call keeps its customer: a
    different phone number for the same id is refused. ``actor`` is who sent
    the record (the integration's user), ``at`` when (now by default).
    ``follow_up`` (read on the first post, when it opens a conversation) keeps
    the conversation of an answered call open: something is still to be done.
    """
    if at is not None and timezone.is_naive(at):
        raise ValidationFailed("Times must carry a time zone.", field="at")
    moment = at or timezone.now()
    external_id = external_id.strip()
    if not external_id:
        raise ValidationFailed("A call needs the telephony system's id.", field="external_id")
    if len(external_id) > 200:
        raise ValidationFailed("A call id is at most 200 characters.", field="external_id")
    try:
        normalized = normalize_identity(kind=IdentityKind.PHONE, value=customer_phone)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="customer_phone") from None
    facts = _Facts(
        direction=direction,
        queued_at=queued_at,
        answered_at=answered_at,
        ended_at=ended_at,
        talk_seconds=talk_seconds,
        hold_seconds=hold_seconds,
        wrap_up_seconds=wrap_up_seconds,
        abandoned=abandoned,
        agent=agent,
        team=team,
        summary=summary.strip(),
        recording_url=recording_url.strip(),
    )
    _check(facts, now=moment)
    with transaction.atomic():
        call = CallRecord.objects.select_for_update().filter(external_id=external_id).first()
        if call is None:
            try:
                # A savepoint: if another request stored this id first, the
                # conversation opened here goes with the failed insert.
                with transaction.atomic():
                    call = _create(
                        facts,
                        external_id=external_id,
                        phone=customer_phone.strip(),
                        normalized=normalized,
                        conversation_id=conversation_id,
                        customer_name=customer_name,
                        follow_up=follow_up,
                        at=moment,
                    )
                return CallUpsert(call, "created")
            except IntegrityError:
                call = (
                    CallRecord.objects.select_for_update().filter(external_id=external_id).first()
                )
                if call is None:
                    raise
        if call.customer_phone_normalized != normalized:
            raise Conflict(
                f"Call {external_id} was recorded for {call.customer_phone}; "
                "a call cannot move to another phone number.",
                field="customer_phone",
            )
        return _update(call, facts, conversation_id=conversation_id, actor=actor, at=moment)


# ---- checks -------------------------------------------------------------------


def _check(facts: _Facts, *, now: datetime) -> None:
    if facts.direction not in CallDirection.values:
        raise ValidationFailed(
            f"{facts.direction!r} is not a direction ({', '.join(CallDirection.values)}).",
            field="direction",
        )
    for name in ("queued_at", "answered_at", "ended_at"):
        value: datetime | None = getattr(facts, name)
        if value is not None and timezone.is_naive(value):
            raise ValidationFailed("Times must carry a time zone.", field=name)
    if facts.abandoned and facts.answered_at is not None:
        raise ValidationFailed("An abandoned call was never answered.", field="abandoned")
    if not facts.abandoned and facts.answered_at is None:
        raise ValidationFailed(
            "A call nobody answered is abandoned: send answered_at, or abandoned=true.",
            field="answered_at",
        )
    if facts.answered_at is not None and facts.answered_at < facts.queued_at:
        raise ValidationFailed("A call is answered after it was queued.", field="answered_at")
    if facts.ended_at < (facts.answered_at or facts.queued_at):
        raise ValidationFailed("A call ends after it was answered (or queued).", field="ended_at")
    if facts.ended_at > now + CLOCK_SLACK:
        raise ValidationFailed("The call cannot end in the future.", field="ended_at")
    for name in ("talk_seconds", "hold_seconds", "wrap_up_seconds"):
        seconds = getattr(facts, name)
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise ValidationFailed("Seconds are a whole number.", field=name)
        if not 0 <= seconds <= MAX_SECONDS:
            raise ValidationFailed(f"Seconds run from 0 to {MAX_SECONDS}.", field=name)
    if facts.abandoned and facts.talk_seconds:
        raise ValidationFailed("Nobody talked on an abandoned call.", field="talk_seconds")
    _check_agent(facts.agent, facts.team)
    if len(facts.summary) > MAX_SUMMARY_CHARS:
        raise ValidationFailed(
            f"A summary is at most {MAX_SUMMARY_CHARS} characters.", field="summary"
        )
    if facts.recording_url:
        try:
            URLValidator(schemes=["http", "https"])(facts.recording_url)
        except ValidationError:
            raise ValidationFailed(
                "A recording link is an http(s) URL.", field="recording_url"
            ) from None
        if len(facts.recording_url) > 2000:
            raise ValidationFailed(
                "A recording link is at most 2000 characters.", field="recording_url"
            )


def _check_agent(agent: User | None, team: Team | None) -> None:
    if agent is None:
        return
    if not conversation_user_works(user=agent):
        raise ValidationFailed(
            f"{agent.username} is not an active agent, supervisor or admin.", field="agent_id"
        )
    if team is not None and team.pk not in user_team_ids(user=agent):
        raise ValidationFailed(
            f"{agent.username} is not a member of the team {team.name}.", field="agent_id"
        )


# ---- creating -----------------------------------------------------------------


def _create(
    facts: _Facts,
    *,
    external_id: str,
    phone: str,
    normalized: str,
    conversation_id: int | None,
    customer_name: str,
    follow_up: bool,
    at: datetime,
) -> CallRecord:
    try:
        customer, _ = customer_resolve(
            kind=IdentityKind.PHONE, value=phone, name=customer_name, at=facts.queued_at
        )
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="customer_phone") from None
    if conversation_id is not None:
        conversation = _conversation_of(customer.pk, conversation_id=conversation_id, phone=phone)
    else:
        conversation = _open_conversation(
            facts, customer=customer, phone=phone, call_id=external_id, follow_up=follow_up
        )
    return CallRecord.objects.create(
        external_id=external_id,
        customer_phone=phone[:64],
        customer_phone_normalized=normalized,
        customer=customer,
        conversation=conversation,
        created_at=at,
        updated_at=at,
        **_values(facts),
    )


def _values(facts: _Facts) -> dict[str, Any]:
    return {f.name: getattr(facts, f.name) for f in fields(facts)}


def _conversation_of(customer_id: int, *, conversation_id: int, phone: str) -> Conversation:
    """The named conversation (or the one it was merged into), if it is this customer's."""
    conversation = conversation_find(conversation_id=conversation_id)
    for _ in range(_MERGE_HOPS):
        if conversation is None or conversation.merged_into_id is None:
            break
        conversation = conversation_find(conversation_id=conversation.merged_into_id)
    if conversation is None or conversation.customer_id != customer_id:
        # One answer whether it does not exist or is someone else's.
        raise ValidationFailed(
            f"Conversation {conversation_id} is not a conversation with the customer at {phone}.",
            field="conversation_id",
        )
    return conversation


def _open_conversation(
    facts: _Facts, *, customer: Customer, phone: str, call_id: str, follow_up: bool
) -> Conversation:
    """A new phone conversation for the call; the agent who answered owns it.

    Answered and not flagged ``follow_up``: the agent's answer (the pickup) and
    the solve (the call's end) are recorded in their name. Otherwise it waits
    in the team's inbox: new and unassigned when missed, open with the agent.
    """
    inbound = facts.direction == CallDirection.INBOUND
    conversation = conversation_open(
        channel=Channel.PHONE,
        customer=customer,
        subject=call_subject(facts.direction, abandoned=facts.abandoned, phone=phone),
        body_text=facts.summary or _factual_line(facts, phone=phone),
        team=facts.team,
        # An outbound call was placed by the agent on the customer's behalf.
        actor=None if inbound else facts.agent,
        external_id=call_id,
        at=facts.queued_at,
    )
    agent, answered_at = facts.agent, facts.answered_at
    if agent is None or answered_at is None:
        return conversation
    conversation = conversation_assign(
        conversation=conversation, actor=agent, assignee=agent, at=answered_at
    )
    if follow_up:
        return conversation
    conversation = conversation_reply(
        conversation=conversation, actor=agent, body_text=_answer_line(facts), at=answered_at
    ).conversation
    return conversation_set_status(
        conversation=conversation, actor=agent, status=Status.SOLVED, at=facts.ended_at
    )


def _answer_line(facts: _Facts) -> str:
    """The agent's answer on a call dealt with on the phone; the customer sees it too."""
    talk = format_seconds(facts.talk_seconds)
    if facts.direction == CallDirection.INBOUND:
        return f"{facts.agent} answered your call and helped on the phone (talk {talk})."
    return f"{facts.agent} called you and helped on the phone (talk {talk})."


def call_subject(direction: str, *, abandoned: bool, phone: str) -> str:
    if direction == CallDirection.INBOUND:
        return f"Missed call from {phone}" if abandoned else f"Call from {phone}"
    return f"Unanswered call to {phone}" if abandoned else f"Call to {phone}"


def _factual_line(facts: _Facts, *, phone: str) -> str:
    """The first message of a call's conversation when the record carries no summary."""
    wait = (facts.answered_at or facts.ended_at) - facts.queued_at
    who = str(facts.agent) if facts.agent is not None else "an agent"
    if facts.direction == CallDirection.INBOUND:
        if facts.abandoned:
            return (
                f"Missed call from {phone}: the caller hung up after "
                f"{format_seconds(wait.total_seconds())} in the queue. Call them back."
            )
        return (
            f"Call from {phone}, answered by {who} after {format_seconds(wait.total_seconds())} "
            f"in the queue; talk {format_seconds(facts.talk_seconds)}, "
            f"hold {format_seconds(facts.hold_seconds)}."
        )
    if facts.abandoned:
        return f"Call to {phone} by {who}: not answered."
    return f"Call to {phone} by {who}; talk {format_seconds(facts.talk_seconds)}."


# ---- updating -----------------------------------------------------------------


def _update(
    call: CallRecord,
    facts: _Facts,
    *,
    conversation_id: int | None,
    actor: User | None,
    at: datetime,
) -> CallUpsert:
    """Apply a record sent again; omitting conversation_id keeps the call where it is."""
    wanted = _values(facts)
    if conversation_id is not None:
        wanted["conversation"] = _conversation_of(
            call.customer_id, conversation_id=conversation_id, phone=call.customer_phone
        )
    changed: dict[str, dict[str, Any]] = {}
    for name, new in wanted.items():
        # Rows are compared by id, so an unchanged agent costs no query.
        old = getattr(call, f"{name}_id") if name in _RELATIONS else getattr(call, name)
        if _comparable(old) != _comparable(new):
            changed[name] = {"old": _comparable(old), "new": _comparable(new)}
            setattr(call, name, new)
    if not changed:
        return CallUpsert(call, "unchanged")
    call.updated_at = at
    call.save(update_fields=[*changed, "updated_at"])
    CallRecordChange.objects.create(call=call, changed_at=at, actor=actor, fields=changed)
    return CallUpsert(call, "updated")


_RELATIONS = frozenset({"agent", "team", "conversation"})


def _comparable(value: object) -> Any:
    """A value as the change log stores it: ids for rows, ISO 8601 (UTC) for times."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, User | Team | Conversation):
        return value.pk
    return value
