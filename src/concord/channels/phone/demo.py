"""Demo call records: the calls behind the demo's conversations, over its 90 days.

Every demo phone conversation gets the call it was logged from, and many
other conversations a call from the customer while the case was open (some
abandoned in the queue, often followed by a retry). All go through the
service, answered by the Support team's agents during working hours, so ASA
and AHT on the reports come out in believable ranges: with 300 conversations,
170-220 calls, 6-10% abandoned, ASA near 50 s (median under
40 s, p90 about 95 s) and AHT 8-9 minutes.

The calls attach to existing conversations: the demo's conversation counts
and conversation metrics stay exactly what its stories make them. A missed
call on a number nobody knows (a new "Missed call" conversation) happens
when a telephony system posts one.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from concord.accounts.models import Role, Team, User
from concord.accounts.selectors import (
    staff_directory,
    team_by_slug,
    user_get,
    user_get_by_username,
)
from concord.automations.context import suppressed
from concord.channels.phone.models import CallDirection
from concord.channels.phone.selectors import call_any_exist
from concord.channels.phone.services import call_record_upsert
from concord.conversations.models import Channel, Conversation
from concord.conversations.selectors import conversation_visible_to
from concord.customers.models import Customer, IdentityKind
from concord.customers.services import customer_identity_add

HISTORY = timedelta(days=90)
# Share of non-phone conversations the customer also called about, and of
# those who called a second time.
CALLED_ABOUT = 0.5
CALLED_AGAIN = 0.15
ABANDONED = 0.10
RETRY_AFTER_ABANDON = 0.5

SUMMARIES = (
    "Asked for an update on {subject}; told them what we are waiting for.",
    "Went through {subject} step by step on the phone; it works for them now.",
    "Called about {subject}: confirmed the details we need and where to send them.",
    "Wanted to know when to expect an answer about {subject}.",
    "Unhappy about how long {subject} is taking; promised a reply by tomorrow.",
    "Called to say the suggested fix for {subject} worked.",
)


@dataclass(frozen=True)
class _Call:
    queued: datetime
    wait: float
    talk: int
    hold: int
    wrap_up: int
    abandoned: bool


def seed(*, now: datetime, rng: random.Random) -> int:
    """Record demo calls for the demo's conversations; returns how many (0 if any exist)."""
    # Imported here: the demo package imports this module from its generator.
    from concord.demo.timeline import is_business
    from concord.demo.world import DEMO_ADMIN_USERNAME

    admin = user_get_by_username(username=DEMO_ADMIN_USERNAME)
    support = team_by_slug(slug="support")
    if admin is None or support is None or call_any_exist():
        return 0
    members = staff_directory(actor=admin).members.get(support.pk, [])
    agents = [
        user
        for user in (user_get(actor=admin, user_id=pk) for pk in members)
        if user is not None and user.role == Role.AGENT
    ]
    if not agents:
        return 0
    conversations = list(
        conversation_visible_to(user=admin)
        .filter(merged_into__isnull=True, created_at__gte=now - HISTORY)
        .select_related("customer", "assignee")
        .prefetch_related("customer__identities")
        .order_by("created_at", "id")
    )
    phones: dict[int, str] = {}
    recorded = 0
    with suppressed():
        for conversation in conversations:
            for call in _calls_about(conversation, rng=rng, now=now, is_business=is_business):
                agent = None
                if not call.abandoned:
                    owner = conversation.assignee
                    agent = owner if owner in agents else rng.choice(agents)
                recorded += _record(
                    call,
                    number=recorded + 1,
                    conversation=conversation,
                    phone=_phone_of(conversation.customer, phones, rng),
                    agent=agent,
                    team=support,
                    rng=rng,
                    now=now,
                )
    return recorded


def _calls_about(
    conversation: Conversation,
    *,
    rng: random.Random,
    now: datetime,
    is_business: Callable[[datetime], bool],
) -> list[_Call]:
    if conversation.channel == Channel.PHONE:
        # The call the agent logged this conversation from ended as it was opened.
        call = _answered(rng, queued=conversation.created_at)
        shift = timedelta(seconds=call.wait + call.talk + call.hold)
        return [_shifted(call, conversation.created_at - shift)]
    if rng.random() >= CALLED_ABOUT:
        return []
    # While the case was open, or in the days after it was solved (a follow-up question).
    latest = min((conversation.solved_at or now) + timedelta(days=3), now) - timedelta(minutes=20)
    earliest = conversation.created_at + timedelta(minutes=20)
    calls: list[_Call] = []
    for _ in range(2 if rng.random() < CALLED_AGAIN else 1):
        moment = _working_moment(rng, earliest, latest, is_business)
        if moment is None:
            break
        if rng.random() < ABANDONED:
            missed = _abandoned(rng, queued=moment)
            calls.append(missed)
            if rng.random() >= RETRY_AFTER_ABANDON:
                continue
            moment += timedelta(seconds=missed.wait + rng.uniform(120, 1200))
            if moment > latest:
                continue
        calls.append(_answered(rng, queued=moment))
    return sorted(calls, key=lambda c: c.queued)


def _working_moment(
    rng: random.Random,
    earliest: datetime,
    latest: datetime,
    is_business: Callable[[datetime], bool],
) -> datetime | None:
    if latest <= earliest:
        return None
    span = (latest - earliest).total_seconds()
    for _ in range(30):
        moment = earliest + timedelta(seconds=rng.uniform(0, span))
        if is_business(moment):
            return moment
    return None


def _lognormal(rng: random.Random, median: float, spread: float) -> float:
    return median * math.exp(rng.gauss(0.0, spread))


def _answered(rng: random.Random, *, queued: datetime) -> _Call:
    # Most callers wait 10 s to 2 min; a busy hour leaves a few waiting longer.
    wait = min(max(_lognormal(rng, 38, 0.75), 4.0), 900.0)
    talk = round(min(max(_lognormal(rng, 330, 0.5), 120), 900))
    hold = 0 if rng.random() < 0.55 else rng.randint(10, 180)
    wrap_up = rng.randint(30, 180)
    return _Call(queued, round(wait, 1), talk, hold, wrap_up, abandoned=False)


def _abandoned(rng: random.Random, *, queued: datetime) -> _Call:
    wait = min(max(_lognormal(rng, 95, 0.6), 15.0), 1200.0)
    return _Call(queued, round(wait, 1), 0, 0, 0, abandoned=True)


def _shifted(call: _Call, queued: datetime) -> _Call:
    return _Call(queued, call.wait, call.talk, call.hold, call.wrap_up, call.abandoned)


def _phone_of(customer: Customer, phones: dict[int, str], rng: random.Random) -> str:
    """The customer's phone number, giving them one if they never called before."""
    if customer.pk not in phones:
        known = [i for i in customer.identities.all() if i.kind == IdentityKind.PHONE]
        if known:
            phones[customer.pk] = known[0].value
        else:
            # 555-01xx numbers are reserved for fiction; the id keeps them unique.
            number = f"+1 555 01{rng.randint(0, 99):02d} {customer.pk:04d}"
            customer_identity_add(customer=customer, kind=IdentityKind.PHONE, value=number)
            phones[customer.pk] = number
    return phones[customer.pk]


def _record(
    call: _Call,
    *,
    number: int,
    conversation: Conversation,
    phone: str,
    agent: User | None,
    team: Team,
    rng: random.Random,
    now: datetime,
) -> int:
    """Record the call; 1 if recorded, 0 if it would still be going on at ``now``."""
    answered = None if call.abandoned else call.queued + timedelta(seconds=call.wait)
    ended = call.queued + timedelta(seconds=call.wait + call.talk + call.hold)
    if ended > now:
        return 0
    summary = ""
    if not call.abandoned and rng.random() < 0.7:
        subject = f"“{conversation.subject}”" if conversation.subject else "their request"
        summary = rng.choice(SUMMARIES).format(subject=subject)
    call_record_upsert(
        external_id=f"demo-call-{number:05d}",
        direction=CallDirection.INBOUND,
        customer_phone=phone,
        queued_at=call.queued,
        answered_at=answered,
        ended_at=ended,
        abandoned=call.abandoned,
        talk_seconds=call.talk,
        hold_seconds=call.hold,
        wrap_up_seconds=call.wrap_up,
        agent=agent,
        team=team,
        conversation_id=conversation.pk,
        summary=summary,
        at=min(ended + timedelta(seconds=call.wrap_up), now),
    )
    return 1
