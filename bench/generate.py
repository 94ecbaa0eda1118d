"""Fabricate a realistic helpdesk history at scale, for benchmarks.

    python bench/generate.py --conversations 100000    # into $CONCORD_DATA_DIR

This is the one place in Concord that writes domain rows directly (bulk_create)
instead of through services. Services record one change at a time — a
transaction, an Event row and an on-commit announcement per change — which is
right for live traffic but would take hours for 100k conversations, and would
announce history that never happened to automations and webhooks. So the rows
are built here in the shape the services would leave them: every message has
its event, ``message_count`` matches the messages, status changes, assignments
and tags have their events, and ``updated_at`` is the time of the last event.
Users, teams and API tokens still go through the accounts services.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # the models import only once Django is set up, in the functions below
    from concord.accounts.models import User
    from concord.conversations.models import Conversation, Event, Message

DAY = timedelta(days=1)
HISTORY = 90 * DAY

# (name, kind, share of conversations)
TEAMS = [
    ("Support", "service", 0.38),
    ("Support DE", "service", 0.15),
    ("VIP desk", "service", 0.06),
    ("Billing", "department", 0.15),
    ("Technical", "department", 0.12),
    ("Logistics", "department", 0.09),
]
NO_TEAM_SHARE = 0.05
CHANNELS = [
    ("email", 0.42),
    ("web", 0.15),
    ("chat", 0.20),
    ("sms", 0.05),
    ("social", 0.06),
    ("phone", 0.10),
    ("api", 0.02),
]
STATUSES = [
    ("new", 0.07),
    ("open", 0.14),
    ("pending", 0.08),
    ("on_hold", 0.04),
    ("solved", 0.17),
    ("closed", 0.50),
]
PRIORITIES = [("low", 0.15), ("normal", 0.60), ("high", 0.20), ("urgent", 0.05)]
CATEGORIES = ["billing", "delivery", "returns", "account", "bug", "how-to", "feedback", ""]
TAG_NAMES = [
    "refund", "invoice", "late-delivery", "damaged", "password-reset", "login",
    "outage", "feature-request", "vip", "angry", "cancellation", "upgrade",
    "shipping-address", "warranty", "payment-failed", "gdpr", "mobile-app", "api",
    "onboarding", "churn-risk",
]  # fmt: skip
FIRST = ["Ann", "Ben", "Chloé", "Dev", "Emma", "Farid", "Gita", "Hugo", "Ines", "Jon", "Kai",
         "Lena", "Marta", "Noah", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma",
         "Vera", "Wei", "Yusuf", "Zoe"]  # fmt: skip
LAST = ["Adams", "Berg", "Chen", "Dubois", "Evans", "Fischer", "García", "Haddad", "Ito",
        "Jensen", "Kowalski", "Lopez", "Müller", "Nakamura", "Okafor", "Patel", "Rossi",
        "Schmidt", "Tanaka", "Usman", "Varga", "Weber", "Yilmaz", "Zhang"]  # fmt: skip
MAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example"]
SUBJECTS = [
    "Where is my order {n}?", "Refund for order {n}", "Cannot log in", "Invoice {n} is wrong",
    "Package arrived damaged", "How do I change my address?", "App crashes on start",
    "Cancel my subscription", "Charged twice for {n}", "Question about the warranty",
    "Upgrade to the premium plan", "Password reset mail never arrives",
]  # fmt: skip
INBOUND = [
    "Hello, I ordered {n} two weeks ago and it has still not arrived. Can you check?",
    "I was charged twice this month. Please refund the second payment.",
    "The app closes as soon as I open it. I tried reinstalling it already.",
    "Any news on this? I have been waiting for three days now.",
    "Thanks, that worked. One more question: can I change the delivery address?",
    "This is the third time I am writing about this. Please call me back.",
]  # fmt: skip
OUTBOUND = [
    "Thank you for writing. I checked order {n}: it left our warehouse yesterday.",
    "I am sorry about the double charge. I have refunded it; allow 3-5 working days.",
    "Could you tell me which version of the app you use and your phone model?",
    "I have asked our logistics team and will come back to you by tomorrow.",
    "Glad it works now. You can change the address under Account > Addresses.",
]  # fmt: skip
NOTES = [
    "Customer is on the VIP list; offer the express upgrade if it happens again.",
    "Checked with billing: duplicate capture by the payment provider.",
]

T = TypeVar("T")


def _weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


@dataclass
class Summary:
    """What was generated, and the handles a benchmark needs."""

    conversations: int = 0
    customers: int = 0
    identities: int = 0
    messages: int = 0
    events: int = 0
    tag_links: int = 0
    seconds: float = 0.0
    admin: User | None = None
    team_ids: dict[str, int] = field(default_factory=dict)
    # For each team, one agent who is a member of it.
    team_agents: dict[str, User] = field(default_factory=dict)
    # Conversation ids run from first_id to last_id (inclusive), without gaps.
    first_id: int = 0
    last_id: int = 0


def _staff(rng: random.Random, conversations: int, summary: Summary) -> dict[int, list[int]]:
    """Teams, agents, supervisors and an admin, through the services; team id -> agent ids."""
    from concord.accounts.models import Role, TeamKind
    from concord.accounts.services import team_add_member, team_create, user_create

    # Roughly one agent per 800 conversations of history, at least 3 per team.
    per_team = max(3, min(30, conversations // (800 * len(TEAMS))))
    admin = user_create(
        username="bench-admin", email="admin@staff.example", password=None, role=Role.ADMIN
    )
    summary.admin = admin
    for i in range(2):
        user_create(
            username=f"supervisor{i + 1}",
            email=f"supervisor{i + 1}@staff.example",
            password=None,
            role=Role.SUPERVISOR,
        )
    members: dict[int, list[int]] = {}
    teams = []
    for name, kind, _ in TEAMS:
        team = team_create(name=name, kind=TeamKind(kind))
        teams.append(team)
        summary.team_ids[name] = team.pk
        members[team.pk] = []
    serial = 0
    for team in teams:
        for _ in range(per_team):
            serial += 1
            agent = user_create(
                username=f"agent{serial:03d}",
                email=f"agent{serial:03d}@staff.example",
                password=None,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
            )
            team_add_member(team=team, user=agent)
            members[team.pk].append(agent.pk)
            summary.team_agents.setdefault(team.name, agent)
            # A fifth of the agents also help out in a second team.
            if rng.random() < 0.2:
                other = rng.choice([t for t in teams if t.pk != team.pk])
                team_add_member(team=other, user=agent)
                members[other.pk].append(agent.pk)
    return members


def _customers(rng: random.Random, count: int, summary: Summary, now: datetime) -> list[int]:
    from concord.customers.models import (
        Customer,
        CustomerIdentity,
        LifecycleStage,
        Organization,
        OrganizationDomain,
        Tier,
    )

    org_count = max(1, count // 40)
    orgs = Organization.objects.bulk_create(
        [
            Organization(
                name=f"{rng.choice(LAST)} {suffix} {i}",
                tier=tier,
                shares_conversations=rng.random() < 0.3,
            )
            for i in range(org_count)
            for suffix, tier in [
                rng.choice(
                    [("GmbH", "standard"), ("Ltd", "premium"), ("Inc", "vip"), ("AB", "standard")]
                )
            ]
        ],
        batch_size=2000,
    )
    OrganizationDomain.objects.bulk_create(
        [OrganizationDomain(organization=o, domain=f"org{o.pk}.example") for o in orgs],
        batch_size=2000,
    )
    customer_ids: list[int] = []
    stages = LifecycleStage.values
    for start in range(0, count, 5000):
        batch = []
        orgs_of = []
        for _ in range(start, min(count, start + 5000)):
            org = orgs[rng.randrange(org_count)] if rng.random() < 0.3 else None
            orgs_of.append(org)
            tier = org.tier if org else (Tier.VIP if rng.random() < 0.03 else Tier.STANDARD)
            batch.append(
                Customer(
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    organization=org,
                    tier=tier,
                    lifecycle_stage=rng.choice(stages),
                )
            )
        created = Customer.objects.bulk_create(batch, batch_size=2000)
        identities = []
        for customer, org in zip(created, orgs_of, strict=True):
            domain = f"org{org.pk}.example" if org else rng.choice(MAIL_DOMAINS)
            first = customer.name.split()[0].lower()
            email = f"{first}.{customer.pk}@{domain}"
            identities.append(
                CustomerIdentity(
                    customer=customer,
                    kind="email",
                    value=email,
                    normalized=email.lower(),
                    is_primary=True,
                )
            )
            if rng.random() < 0.3:
                phone = f"+4915{customer.pk:09d}"
                identities.append(
                    CustomerIdentity(
                        customer=customer,
                        kind="phone",
                        value=phone,
                        normalized=phone,
                        is_primary=True,
                    )
                )
            if rng.random() < 0.1:
                visitor = f"v-{customer.pk:x}-{rng.getrandbits(32):08x}"
                identities.append(
                    CustomerIdentity(
                        customer=customer, kind="chat", value=visitor, normalized=visitor
                    )
                )
            if rng.random() < 0.05:
                handle = f"@{first}{customer.pk}"
                identities.append(
                    CustomerIdentity(
                        customer=customer, kind="social", value=handle, normalized=handle.lower()
                    )
                )
        CustomerIdentity.objects.bulk_create(identities, batch_size=2000)
        summary.identities += len(identities)
        customer_ids.extend(c.pk for c in created)
    # auto_now_add stamped them "now"; customers should predate their conversations.
    Customer.objects.update(created_at=now - HISTORY - 30 * DAY, updated_at=now - HISTORY)
    summary.customers = len(customer_ids)
    return customer_ids


def _age(rng: random.Random, status: str) -> timedelta:
    """How long ago a conversation in ``status`` was last updated: live work is recent."""
    if status in ("new", "open", "pending", "on_hold"):
        return min(HISTORY, timedelta(seconds=rng.expovariate(1 / (6 * 86400))))
    if status == "solved":
        return rng.uniform(0, 21) * DAY
    return rng.uniform(5, 90) * DAY


class _Builder:
    """Builds one batch of conversations with their messages, events and tags."""

    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        customer_ids: list[int],
        members: dict[int, list[int]],
        tag_ids: dict[str, int],
    ) -> None:
        self.rng, self.now = rng, now
        self.customer_ids = customer_ids
        self.members = members
        self.all_agents = sorted({a for ids in members.values() for a in ids})
        self.tag_ids = tag_ids
        team_ids = list(members)
        self.team_weights = [(t, w) for t, (_, _, w) in zip(team_ids, TEAMS, strict=True)]
        self.team_weights.append((0, NO_TEAM_SHARE))

    def customer(self) -> int:
        # A few customers write a lot, most write once or twice.
        return self.customer_ids[int(len(self.customer_ids) * self.rng.random() ** 2)]

    def build(self, count: int, summary: Summary) -> None:
        from django.db import transaction

        from concord.conversations.models import Conversation, Event, Message

        rng = self.rng
        plans: list[tuple[int, list[str]]] = []
        conversations = []
        for _ in range(count):
            status = _weighted(rng, STATUSES)
            channel = _weighted(rng, CHANNELS)
            team_id = _weighted(rng, self.team_weights) or None
            pool = self.members[team_id] if team_id else self.all_agents
            assignee = None if status == "new" else rng.choice(pool)
            n_messages = rng.randint(2, 6)
            updated = self.now - _age(rng, status)
            closed = updated if status == "closed" else None
            last_message = updated - rng.uniform(2, 7) * DAY if closed else updated
            created = last_message - timedelta(seconds=rng.expovariate(1 / 86400) * n_messages)
            n = rng.randint(10000, 99999)
            conversations.append(
                Conversation(
                    subject=rng.choice(SUBJECTS).format(n=n),
                    channel=channel,
                    status=status,
                    priority=_weighted(rng, PRIORITIES),
                    category=rng.choice(CATEGORIES),
                    customer_id=self.customer(),
                    team_id=team_id,
                    assignee_id=assignee,
                    message_count=n_messages,
                    created_at=created,
                    updated_at=updated,
                    solved_at=last_message if status in ("solved", "closed") else None,
                    closed_at=closed,
                )
            )
            tags = rng.sample(
                list(self.tag_ids), k=_weighted(rng, [(0, 4), (1, 4), (2, 2), (3, 1)])
            )
            plans.append((n, tags))
        with transaction.atomic():
            Conversation.objects.bulk_create(conversations)
            messages: list[Message] = []
            for conv, (n, _) in zip(conversations, plans, strict=True):
                messages.extend(self._messages(conv, n))
            Message.objects.bulk_create(messages)
            by_conv: dict[int, list[Message]] = {}
            for message in messages:
                by_conv.setdefault(message.conversation_id, []).append(message)
            events: list[Event] = []
            links: list[Any] = []
            through = Conversation.tags.through
            for conv, (_, tags) in zip(conversations, plans, strict=True):
                events.extend(self._events(conv, by_conv[conv.pk], tags))
                links.extend(through(conversation_id=conv.pk, tag_id=self.tag_ids[t]) for t in tags)
            Event.objects.bulk_create(events)
            through.objects.bulk_create(links)
        summary.first_id = summary.first_id or conversations[0].pk
        summary.last_id = conversations[-1].pk
        summary.conversations += len(conversations)
        summary.messages += len(messages)
        summary.events += len(events)
        summary.tag_links += len(links)

    def _messages(self, conv: Conversation, n: int) -> list[Message]:
        from concord.conversations.models import Message

        rng = self.rng
        end = conv.solved_at or conv.updated_at
        span = (end - conv.created_at).total_seconds()
        offsets = sorted(rng.random() for _ in range(conv.message_count - 2))
        times = [conv.created_at + timedelta(seconds=span * f) for f in [0.0, *offsets, 1.0]]
        result: list[Message] = []
        for i, at in enumerate(times):
            # A new conversation has no staff reply yet; otherwise customer and staff alternate.
            inbound = conv.status == "new" or i % 2 == 0
            if inbound:
                text = rng.choice(INBOUND).format(n=n)
                kw: dict[str, Any] = {
                    "direction": "inbound",
                    "author_customer_id": conv.customer_id,
                }
            else:
                # The first staff message is the reply that opened it; notes come later.
                note = i > 1 and rng.random() < 0.08
                text = rng.choice(NOTES if note else OUTBOUND).format(n=n)
                kw = {
                    "direction": "outbound",
                    "author_user_id": conv.assignee_id,
                    "visibility": "internal" if note else "public",
                }
            result.append(
                Message(
                    conversation_id=conv.pk,
                    channel=conv.channel,
                    body_text=text,
                    body_html=f"<p>{text}</p>",
                    created_at=at,
                    **kw,
                )
            )
        return result

    def _events(self, conv: Conversation, messages: list[Message], tags: list[str]) -> list[Event]:
        """The events the services would have recorded for this history, in time order."""
        from concord.conversations.models import Event

        start, customer, agent = conv.created_at, conv.customer_id, conv.assignee_id
        out: list[Event] = []

        def add(kind: str, at: datetime, **fields: Any) -> None:
            out.append(Event(conversation_id=conv.pk, kind=kind, created_at=at, **fields))

        add("created", start, actor_customer_id=customer, new_value=conv.channel)
        if conv.team_id:
            add("team_changed", start, new_value=str(conv.team_id))
        for tag in tags:
            add("tag_added", start, new_value=tag)
        status = "new"
        for message in messages:
            at = message.created_at
            if message.direction == "inbound":
                add("message_received", at, message=message, actor_customer_id=customer)
                continue
            public = message.visibility == "public"
            add("replied" if public else "note_added", at, actor_user_id=agent, message=message)
            if public and status == "new":
                # The first public reply makes the replier the owner and opens the conversation.
                add("assigned", at, actor_user_id=agent, new_value=str(agent or ""))
                add("status_changed", at, actor_user_id=agent, old_value="new", new_value="open")
                status = "open"
        path = {"closed": ["solved", "closed"]}.get(conv.status, [conv.status])
        for target in path if conv.status not in ("new", "open") else []:
            moment = {"closed": conv.closed_at, "solved": conv.solved_at}.get(target)
            moment = moment or conv.updated_at
            add("status_changed", moment, actor_user_id=agent, old_value=status, new_value=target)
            status = target
        return out


def generate(
    *,
    conversations: int,
    seed: int = 1,
    batch_size: int = 2000,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Fill an empty, migrated database with ``conversations`` conversations of history."""
    from django.utils import timezone

    from concord.conversations.models import Conversation, Tag

    if Conversation.objects.exists():
        raise RuntimeError("The database already has conversations; generate into a fresh one.")
    started = time.perf_counter()
    rng = random.Random(seed)
    now = now or timezone.now()
    summary = Summary()
    members = _staff(rng, conversations, summary)
    customer_ids = _customers(rng, max(1, conversations * 2 // 5), summary, now)
    tags = Tag.objects.bulk_create([Tag(name=name) for name in TAG_NAMES])
    builder = _Builder(rng, now, customer_ids, members, {t.name: t.pk for t in tags})
    done = 0
    while done < conversations:
        count = min(batch_size, conversations - done)
        builder.build(count, summary)
        done += count
        if progress and (done % (batch_size * 10) == 0 or done == conversations):
            progress(f"{done:,} conversations ({time.perf_counter() - started:.0f} s)")
    summary.seconds = time.perf_counter() - started
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--no-migrate", action="store_true", help="the schema exists already")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.config.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if not args.no_migrate:
        call_command("migrate", verbosity=0)
    summary = generate(
        conversations=args.conversations,
        seed=args.seed,
        batch_size=args.batch_size,
        progress=lambda line: print(line, flush=True),
    )
    print(
        f"{summary.conversations:,} conversations, {summary.customers:,} customers, "
        f"{summary.identities:,} identities, {summary.messages:,} messages, "
        f"{summary.events:,} events, {summary.tag_links:,} tag links "
        f"in {summary.seconds:.1f} s into {settings.DATABASES['default']['NAME']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
