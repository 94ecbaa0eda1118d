"""Scene-setting for routing tests: conversations, agents, and a labelled corpus."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from concord.accounts.models import Role, Team, User
from concord.common.testing import factories
from concord.conversations.models import Conversation, Message, Status
from concord.conversations.services import conversation_open
from concord.customers.models import Customer
from concord.routing.models import Availability
from concord.routing.services import agent_set_availability, agent_set_capacity


def open_conversation(
    *,
    subject: str = "Hello",
    body: str = "I have a question.",
    channel: str = "email",
    customer: Customer | None = None,
    team: Team | None = None,
) -> Conversation:
    """A conversation opened as the channels open them (customer message, CREATED event)."""
    return conversation_open(
        channel=channel,
        subject=subject,
        body_text=body,
        customer=customer or factories.CustomerFactory.create(),
        team=team,
    )


def online_agent(
    team: Team, username: str, *, capacity: int = 10, online: bool = True, role: str = Role.AGENT
) -> User:
    user = factories.UserFactory.create(username=username, role=role)
    team.members.add(user)
    agent_set_capacity(user=user, capacity=capacity)
    agent_set_availability(user=user, status=Availability.ONLINE if online else Availability.AWAY)
    return user


def waiting(team: Team, n: int, *, customer: Customer | None = None) -> list[int]:
    """``n`` unassigned new conversations in the team's queue, oldest first (ids)."""
    customer = customer or factories.CustomerFactory.create()
    start = timezone.now() - timedelta(hours=1)
    rows = Conversation.objects.bulk_create(
        Conversation(
            subject=f"Waiting {i}",
            channel="email",
            status=Status.NEW,
            customer=customer,
            team=team,
            created_at=start + timedelta(seconds=i),
            updated_at=start + timedelta(seconds=i),
        )
        for i in range(n)
    )
    return [row.pk for row in rows]


# A labelled corpus: four categories with their own words, a neighbour's words
# mixed in (overlap) and common filler (noise).
VOCABULARY = {
    "billing": "invoice refund charge charged payment card receipt vat billing overcharged "
    "subscription plan price amount",
    "shipping": "parcel delivery courier tracking shipped package arrived warehouse carrier "
    "dispatch postage late address label",
    "account": "login password reset account email locked username signin twofactor "
    "verification profile access session",
    "bugs": "crash error bug broken freezes screen app exception loading blank export sync "
    "fails update",
}
NOISE = [
    "hello",
    "hi",
    "please",
    "thanks",
    "help",
    "order",
    "question",
    "today",
    "yesterday",
    "again",
    "still",
    "need",
    "could",
    "would",
    "you",
    "your",
    "my",
    "the",
    "a",
    "we",
    "urgent",
    "soon",
    "team",
    "customer",
]


def corpus(*, per_category: int, seed: int) -> list[tuple[str, str, str]]:
    """(subject, body, category) triples, shuffled."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    names = list(VOCABULARY)
    words = {name: VOCABULARY[name].split() for name in names}
    items = []
    for index, name in enumerate(names):
        neighbour = names[(index + 1) % len(names)]
        for _ in range(per_category):
            body = []
            for _ in range(rng.randint(8, 16)):
                roll = rng.random()
                pool = words[name] if roll < 0.35 else words[neighbour] if roll < 0.5 else NOISE
                body.append(rng.choice(pool))
            subject = " ".join(
                rng.choice(words[name] if rng.random() < 0.5 else NOISE) for _ in range(3)
            )
            items.append((subject, " ".join(body), name))
    rng.shuffle(items)
    return items


def solved_history(
    items: list[tuple[str, str, str]], *, teams: dict[str, Team] | None = None
) -> None:
    """Solved conversations with a first customer message, labelled with category (and team)."""
    customer = factories.CustomerFactory.create()
    now = timezone.now()
    conversations = Conversation.objects.bulk_create(
        Conversation(
            subject=subject,
            channel="email",
            status=Status.SOLVED,
            category=category,
            team=(teams or {}).get(category),
            customer=customer,
            created_at=now,
            updated_at=now,
            solved_at=now,
        )
        for subject, _, category in items
    )
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            direction="inbound",
            channel="email",
            body_text=body,
            body_html=f"<p>{body}</p>",
            created_at=now,
        )
        for conversation, (_, body, _) in zip(conversations, items, strict=True)
    )
