"""One demo conversation from the customer's first message to where it stands today.

A story is a sequence of service calls with explicit times. When the next
step's time is still in the future the story stops there, so recent
conversations stay new, open, pending or on hold, as they would in real life.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from concord.accounts.models import User
from concord.conversations.models import Conversation, Priority, Status
from concord.conversations.services import (
    conversation_assign,
    conversation_merge,
    conversation_note,
    conversation_open,
    conversation_reply,
    conversation_set_category,
    conversation_set_priority,
    conversation_set_status,
    conversation_tag,
    message_receive,
)
from concord.customers.models import IdentityKind
from concord.customers.services import customer_identity_add
from concord.demo import problems, timeline
from concord.demo.problems import Problem
from concord.demo.world import Cast, Client
from concord.surveys.demo import Solved

LIVE_CHANNELS = ("chat", "phone")
# Agents take urgent work first (the SLA view sorts it to the top): these scale
# their usual waits. VIP accounts have the tightest first-response target.
URGENT_PACE, VIP_PACE = 0.3, 0.15
# Median hours a department takes to answer a consultation (bugs take longest).
CONSULT_HOURS = {"Billing": 5.0, "Logistics": 10.0, "Engineering": 24.0}
# A first answer slower than this leaves the customer less happy (calendar time).
PATIENCE = {
    "chat": timedelta(minutes=10),
    "phone": timedelta(minutes=15),
    "sms": timedelta(hours=6),
    "social": timedelta(hours=6),
}
EMAIL_PATIENCE = timedelta(hours=24)


class _Later(Exception):
    """The story has reached the present; the rest has not happened yet."""


@dataclass
class Plan:
    opened_at: datetime
    channel: str
    client: Client | None  # None: someone writing in for the first time
    newcomer: tuple[str, str] | None  # (name, email) when client is None
    problem: Problem
    owner: User
    scenario: str  # one_touch | ask | dialog | consult | stale
    reopen: bool = False
    duplicate: bool = False
    handover: bool = False
    preassign: bool = False
    note: bool = False
    reprioritise: bool = False


class Story:
    def __init__(self, *, cast: Cast, rng: random.Random, plan: Plan, now: datetime) -> None:
        self.cast, self.rng, self.plan, self.now = cast, rng, plan, now
        self.owner = plan.owner
        self.messages = 0
        self.last = plan.opened_at
        self._conversation: Conversation | None = None
        # How slow the team was then; urgent work is sped up when it is opened.
        self.pace = timeline.strain(plan.opened_at, now=now)
        # What the customer went through (slow answers, a reopen...): their
        # survey answers are worse the more there is.
        self.trouble = (self.pace - 1.0) / 2
        self.solved_at: datetime | None = None
        # Fixed per story so every message of a conversation names the same things.
        self.plan_name = rng.choice(("Team", "Business"))
        client = plan.client
        self.order: tuple[str, str, Decimal | None] = (
            rng.choice(client.orders)
            if client and client.orders
            else ("", rng.choice(("Aero Standing Desk", "Lumen Desk Lamp")), None)
        )

    # -- plumbing -----------------------------------------------------------

    @property
    def solved(self) -> Solved | None:
        """The outcome a survey asks about, when the conversation is solved by now."""
        if self.solved_at is None:
            return None
        return Solved(conversation_id=self.conversation.pk, at=self.solved_at, trouble=self.trouble)

    @property
    def conversation(self) -> Conversation:
        if self._conversation is None:
            raise RuntimeError("the story has not opened its conversation yet")
        return self._conversation

    def _at(self, moment: datetime) -> datetime:
        moment = max(moment, self.last)
        if moment > self.now:
            raise _Later
        self.last = moment
        return moment

    def _text(self, template: str, **extra: str) -> str:
        client, plan = self.plan.client, self.plan
        order, product, amount = self.order
        first = client.first_name if client else (plan.newcomer or ("there", ""))[0].split()[0]
        values = {
            "first": first,
            "agent": self.owner.first_name,
            "order": order,
            "product": product,
            "amount": f"${amount}" if amount is not None else "$49.00",
            "plan": self.plan_name,
            "company": (client.company if client else None) or "our company",
            **extra,
        }
        return template.format(**values)

    def _reply(
        self,
        template: str,
        *,
        status: str | None = None,
        after: datetime | None = None,
    ) -> None:
        at = self._at(
            after or timeline.agent_reply_at(self.rng, self.last, self.plan.channel, pace=self.pace)
        )
        conversation_reply(
            conversation=self.conversation,
            actor=self.owner,
            body_text=self._text(template),
            status=status,
            at=at,
        )
        self.messages += 1
        if status == Status.SOLVED:
            self.solved_at = at

    def _customer(self, text: str, *, at: datetime) -> None:
        moment = self._at(at)
        message = message_receive(conversation=self.conversation, body_text=text, at=moment)
        self._conversation = message.conversation
        self.messages += 1

    def _note(self, text: str, *, actor: User, at: datetime) -> None:
        conversation_note(
            conversation=self.conversation, actor=actor, body_text=text, at=self._at(at)
        )
        self.messages += 1

    # -- the story ----------------------------------------------------------

    def play(self) -> Conversation:
        self._conversation = self._open()
        try:
            self._first_touch()
            getattr(self, f"_{self.plan.scenario}")()
            if self.plan.reopen:
                self._reopen()
        except _Later:
            pass
        return self.conversation

    def _open(self) -> Conversation:
        plan, client = self.plan, self.plan.client
        priority = plan.problem.priority
        if client and client.vip and priority in (Priority.LOW, Priority.NORMAL):
            priority = Priority.HIGH
        if client and client.vip:
            self.pace *= VIP_PACE
        elif priority in (Priority.URGENT, Priority.HIGH):
            self.pace *= URGENT_PACE
        body = self._text(plan.problem.body)
        subject = self._text(plan.problem.subject) if plan.channel in ("email", "web") else ""
        customer, actor, kind, value, name = None, None, None, None, ""
        if client is None:
            name, value = plan.newcomer or ("", "")
            kind = IdentityKind.EMAIL.value
        elif plan.channel == "phone":
            # A call is logged by the agent who took it, on the customer's behalf.
            customer, actor = client.customer, self.owner
            body = problems.PHONE_OPENING.format(body=body)
            subject = self._text(plan.problem.subject)
        else:
            kind, value = self._identity(client)
        self.messages += 1
        return conversation_open(
            channel=plan.channel,
            body_text=body,
            subject=subject,
            customer=customer,
            identity_kind=kind,
            identity_value=value,
            customer_name=name,
            priority=priority,
            team=self.cast.teams["Support"],
            actor=actor,
            at=plan.opened_at,
        )

    def _identity(self, client: Client) -> tuple[str, str]:
        """The identity the customer writes from, learning a new one when needed."""
        channel = self.plan.channel
        if channel == "sms" and client.phone is None:
            client.phone = f"+1 555 01{self.rng.randint(0, 99):02d} {client.customer.pk:04d}"
            customer_identity_add(customer=client.customer, kind="phone", value=client.phone)
        if channel == "chat" and client.chat_id is None:
            client.chat_id = f"visitor-{self.rng.getrandbits(48):012x}"
            customer_identity_add(customer=client.customer, kind="chat", value=client.chat_id)
        if channel == "social" and client.social is None:
            client.social = f"@{client.first_name.lower()}_{client.customer.pk}"
            customer_identity_add(customer=client.customer, kind="social", value=client.social)
        if channel == "sms":
            return IdentityKind.PHONE, client.phone or ""
        if channel == "chat":
            return IdentityKind.CHAT, client.chat_id or ""
        if channel == "social":
            return IdentityKind.SOCIAL, client.social or ""
        return IdentityKind.EMAIL, client.email

    def _first_touch(self) -> None:
        plan, rng = self.plan, self.rng
        opened = plan.opened_at
        reply_at = timeline.agent_reply_at(rng, opened, plan.channel, pace=self.pace)
        if plan.preassign:
            conversation_assign(
                conversation=self.conversation,
                actor=self.cast.supervisor,
                assignee=self.owner,
                at=self._at(timeline.add_business(opened, timedelta(minutes=rng.uniform(1, 12)))),
            )
            reply_at = max(reply_at, self.last + timedelta(minutes=2))
        if plan.duplicate:
            reply_at = max(reply_at, self._duplicate(opened))
            self.trouble += 0.5  # had to ask twice
        elif (
            plan.channel not in LIVE_CHANNELS
            and reply_at - opened > timedelta(hours=5)
            and rng.random() < 0.4
        ):
            chase = opened + (reply_at - opened) * rng.uniform(0.4, 0.8)
            self._customer(rng.choice(problems.CHASE_MESSAGES), at=chase)
            self.trouble += 0.7
        reply_at = self._at(reply_at)
        if reply_at - opened > PATIENCE.get(plan.channel, EMAIL_PATIENCE):
            self.trouble += 1.0
        tags = list(plan.problem.tags) + (["vip"] if plan.client and plan.client.vip else [])
        if tags:
            conversation_tag(
                conversation=self.conversation, actor=self.owner, tags=tags, at=reply_at
            )
        # The agent labels what the request is about: categories feed the
        # routing classifier and the reports.
        conversation_set_category(
            conversation=self.conversation,
            actor=self.owner,
            category=plan.problem.category,
            at=reply_at,
        )
        if plan.reprioritise:
            current = self.conversation.priority
            wanted = Priority.URGENT if current == Priority.HIGH else Priority.HIGH
            if current == Priority.URGENT or rng.random() < 0.3:
                wanted = Priority.NORMAL
            conversation_set_priority(
                conversation=self.conversation, actor=self.owner, priority=wanted, at=reply_at
            )
        if plan.note:
            self._note(self._text(plan.problem.note), actor=self.owner, at=reply_at)

    def _duplicate(self, opened: datetime) -> datetime:
        """The customer asks again on another channel; the agent merges it in when replying."""
        client = self.plan.client
        if client is None:
            raise ValueError("only a known customer writes twice")
        dup_at = self._at(opened + timedelta(minutes=self.rng.uniform(15, 90)))
        channel = "chat" if client.chat_id and timeline.is_business(dup_at) else "web"
        subject = self.conversation.subject
        duplicate = conversation_open(
            channel=channel,
            identity_kind=IdentityKind.CHAT if channel == "chat" else IdentityKind.EMAIL,
            identity_value=(client.chat_id or "") if channel == "chat" else client.email,
            subject=subject if channel == "web" else "",
            body_text=self.rng.choice(problems.DUPLICATE_MESSAGES).format(subject=subject),
            team=self.cast.teams["Support"],
            at=dup_at,
        )
        self.messages += 1
        merge_at = self._at(timeline.agent_reply_at(self.rng, dup_at, channel, pace=self.pace))
        conversation_merge(
            source=duplicate, target=self.conversation, actor=self.owner, at=merge_at
        )
        return merge_at

    def _one_touch(self) -> None:
        self._reply(self.plan.problem.reply, status=Status.SOLVED, after=self.last)

    def _ask(self) -> None:
        channel = self.plan.channel
        self._reply(self.plan.problem.ask, status=Status.PENDING, after=self.last)
        self._customer(
            self._text(self.plan.problem.answer),
            at=timeline.customer_reply_at(self.rng, self.last, channel),
        )
        if self.plan.handover:
            self._hand_over()
        self._reply(self.plan.problem.final, status=Status.SOLVED)

    def _dialog(self) -> None:
        """Live back-and-forth: the conversation stays open between the turns."""
        channel = self.plan.channel
        self._reply(self.plan.problem.ask, after=self.last)
        self._customer(
            self._text(self.plan.problem.answer),
            at=timeline.customer_reply_at(self.rng, self.last, channel),
        )
        self._reply(self.plan.problem.final, status=Status.SOLVED)

    def _stale(self) -> None:
        """The customer never answers; the agent solves it after a few days."""
        self._reply(self.plan.problem.ask, status=Status.PENDING, after=self.last)
        solve_at = self._at(
            timeline.next_business(self.last + timedelta(days=self.rng.uniform(3, 5)))
        )
        conversation_set_status(
            conversation=self.conversation,
            actor=self.owner,
            status=Status.SOLVED,
            at=solve_at,
        )
        self.solved_at = solve_at

    def _consult(self) -> None:
        """The owner asks another department, keeps the customer informed, and closes the loop."""
        department = self.plan.problem.consult
        if department is None:
            raise ValueError("this problem needs no other department")
        team = self.cast.teams[department]
        expert = self.rng.choice(self.cast.members[department])
        if not self.plan.note:
            self._note(self._text(self.plan.problem.note), actor=self.owner, at=self.last)
        self._reply(
            problems.CONSULT_ACK.replace("{team}", department),  # filled before the rest
            status=Status.ON_HOLD,
            after=self.last + timedelta(minutes=1),
        )
        support = self.cast.teams["Support"]
        conversation_assign(
            conversation=self.conversation,
            actor=self.owner,
            team=team,
            assignee=expert,
            at=self._at(self.last + timedelta(minutes=1)),
        )
        done = timeline.work_at(
            self.rng, self.last, hours=CONSULT_HOURS.get(department, 4.0), pace=self.pace
        )
        self.trouble += 0.3  # waited on another department
        self._note(problems.CONSULT_NOTES[department], actor=expert, at=done)
        conversation_assign(
            conversation=self.conversation,
            actor=expert,
            team=support,
            assignee=self.owner,
            at=self._at(self.last + timedelta(minutes=1)),
        )
        self._reply(self.plan.problem.final, status=Status.SOLVED)

    def _hand_over(self) -> None:
        colleagues = [u for u in self.cast.members["Support"] if u.pk != self.owner.pk]
        successor = self.rng.choice(colleagues)
        at = timeline.work_at(self.rng, self.last, hours=0.5, pace=self.pace)
        self._note(self.rng.choice(problems.HANDOVER_NOTES), actor=self.owner, at=at)
        self.trouble += 0.2
        conversation_assign(
            conversation=self.conversation,
            actor=self.cast.supervisor,
            assignee=successor,
            at=self._at(self.last),
        )
        self.owner = successor

    def _reopen(self) -> None:
        wait = min(timeline.lognormal(self.rng, timedelta(hours=10), 0.9), timedelta(days=4))
        self._customer(self.rng.choice(problems.REOPEN_MESSAGES), at=self.last + wait)
        self.solved_at = None
        self.trouble += 1.2
        self._reply(problems.REOPEN_REPLY, status=Status.SOLVED)
