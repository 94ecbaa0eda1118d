"""Fill an empty database with a believable 90-day helpdesk history.

Everything is written through the services with backdated ``at=`` times, so the
event log is exactly what live traffic would have left, and the metrics
computed from it come out in realistic ranges (first reply within minutes on
chat and hours on email, about 60% solved with one reply, ~10% reopened).
The same seed gives the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from concord.accounts.models import Role
from concord.automations import demo as automations_demo
from concord.automations.context import suppressed
from concord.channels.email.services.mailboxes import mailbox_create
from concord.channels.phone import demo as phone_demo
from concord.common.errors import Conflict, ValidationFailed
from concord.conversations.selectors import conversation_any_exist
from concord.demo import people, timeline
from concord.demo.problems import PROBLEMS, Problem
from concord.demo.stories import LIVE_CHANNELS, Plan, Story
from concord.demo.world import (
    DEMO_ADMIN_USERNAME,
    DEMO_PASSWORD,
    Cast,
    Client,
    build_clients,
    build_organizations,
    build_staff,
)
from concord.goals import demo as goals_demo
from concord.routing import demo as routing_demo
from concord.sla import demo as sla_demo
from concord.surveys import demo as surveys_demo

__all__ = ["DEMO_ADMIN_USERNAME", "DEMO_PASSWORD", "DemoSummary", "generate"]

HISTORY = timedelta(days=90)
CHANNELS = ("email", "web", "chat", "phone", "sms", "social")
CHANNEL_WEIGHTS = (38, 20, 16, 10, 8, 8)
# How a conversation goes, by channel: (scenario, weight).
SCENARIOS: dict[str, tuple[tuple[str, int], ...]] = {
    "chat": (("one_touch", 40), ("dialog", 50), ("consult", 10)),
    "phone": (("one_touch", 80), ("ask", 10), ("consult", 10)),
    "other": (("one_touch", 54), ("ask", 16), ("consult", 16), ("stale", 7), ("dialog", 7)),
}


@dataclass(frozen=True)
class DemoSummary:
    teams: int
    staff: int
    organizations: int
    customers: int
    orders: int
    conversations: int
    messages: int
    logins: tuple[tuple[str, str], ...]  # (username, role); the password is DEMO_PASSWORD
    password: str = DEMO_PASSWORD


# The demo's support address: `concord serve` listens for it on its SMTP port.
DEMO_MAILBOX = "support@demo.concord.localhost"


def generate(
    *,
    conversations: int = 1000,
    seed: int = 1,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Create staff, customers, orders and ``conversations`` conversations ending at ``now``."""
    if conversations < 1:
        raise ValidationFailed("Ask for at least one conversation.", field="conversations")
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValidationFailed("Times must carry a time zone.", field="now")
    if conversation_any_exist():
        raise Conflict(
            "The database already has conversations; demo data only goes into an empty one."
        )
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    # One transaction: a failure leaves nothing half-made, and SQLite writes far
    # faster without a commit per service call (the services' own atomic blocks
    # become savepoints). Suppressed: 90 days of history must not be routed,
    # reminded or alarmed as if it had just happened.
    with suppressed(), transaction.atomic():
        admin, supervisor, teams, members, logins = build_staff()
        owners = [supervisor, *[u for u in members["Support"] if u.role == Role.AGENT]]
        organizations = build_organizations(rng, owners)
        clients, orders = build_clients(
            rng,
            count=max(8, min(conversations // 2, 2000)),
            organizations=organizations,
            now=now,
        )
        cast = Cast(
            admin=admin,
            supervisor=supervisor,
            teams=teams,
            members=members,
            organizations=organizations,
            clients=clients,
            logins=logins,
            order_count=orders,
        )
        plans = _plans(rng, cast, conversations=conversations, now=now)
        messages = 0
        opened = 0
        solved: list[surveys_demo.Solved] = []
        for index, plan in enumerate(plans, start=1):
            story = Story(cast=cast, rng=rng, plan=plan, now=now)
            story.play()
            if story.solved is not None:
                solved.append(story.solved)
            messages += story.messages
            opened += 2 if plan.duplicate else 1
            if progress is not None and (index % 25 == 0 or index == len(plans)):
                progress(index, len(plans))
        # Last, so the story replies above are history rather than mail to send.
        mailbox_create(
            name="Demo Support",
            address=DEMO_MAILBOX,
            team=teams.get("Support"),
            send_acknowledgement=True,
        )
        # Service levels, routing and automations that act on new work (and,
        # through the worker's time rules, on conversations left waiting).
        sla_demo.seed(now=now)
        routing_demo.seed(now=now)
        automations_demo.seed(now=now)
        surveys_demo.seed(now=now, history=solved, seed=seed)
        phone_demo.seed(now=now, rng=rng)
        # The history as the worker would have left it: solved long enough
        # ago is closed, when the close rule would have closed it.
        automations_demo.close_history(now=now)
        goals_demo.seed(now=now)
    return DemoSummary(
        teams=len(teams),
        staff=len(people.STAFF) + 1,
        organizations=len(organizations),
        customers=len(clients) + sum(1 for p in plans if p.client is None),
        orders=orders,
        conversations=opened,
        messages=messages,
        logins=tuple(logins),
    )


def _needs(problem: Problem, placeholder: str) -> bool:
    texts = (problem.subject, problem.body, problem.reply, problem.ask, problem.answer)
    return any(placeholder in text for text in (*texts, problem.final))


def _plans(rng: random.Random, cast: Cast, *, conversations: int, now: datetime) -> list[Plan]:
    duplicates = max(1, round(conversations * 0.03)) if conversations >= 10 else 0
    base = conversations - duplicates
    # A growing business: beyond an even spread over 90 days, a share of the
    # requests arrived in the last few days and hours and are still being worked.
    burst = max(2, base // 40)
    recent = max(2, base // 10)
    openings: list[tuple[datetime, int, str]] = []
    for index in range(base):
        channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
        if index < burst:
            window = timedelta(hours=8)
            if channel in LIVE_CHANNELS:  # nobody staffs chat and phone at night
                channel = "email"
        else:
            window = timedelta(days=4) if index < burst + recent else HISTORY
        moment = timeline.opening_time(
            rng, start=now - window, end=now - timedelta(minutes=2), live=channel in LIVE_CHANNELS
        )
        openings.append((moment, index, channel))
    openings.sort()
    activity = [rng.paretovariate(1.2) for _ in cast.clients]
    support = cast.members["Support"]
    owner_weights = [1 if user.pk == cast.supervisor.pk else 5 for user in support]
    plans = []
    for moment, _, channel in openings:
        client = _pick_client(rng, cast.clients, activity, moment)
        newcomer = None
        if client is None or (channel in ("email", "web") and rng.random() < 0.06):
            client = None
            first, last = rng.choice(people.FIRST_NAMES), rng.choice(people.LAST_NAMES)
            domain = rng.choice(people.CONSUMER_DOMAINS)
            newcomer = (
                f"{first} {last}",
                f"{first}.{last}{rng.randint(100, 999)}@{domain}".lower(),
            )
        problem = _pick_problem(rng, client)
        family = channel if channel in SCENARIOS else "other"
        choices = SCENARIOS[family]
        scenario = rng.choices([s for s, _ in choices], weights=[w for _, w in choices])[0]
        if scenario == "consult" and problem.consult is None:
            scenario = "one_touch"
        plans.append(
            Plan(
                opened_at=moment,
                channel=channel,
                client=client,
                newcomer=newcomer,
                problem=problem,
                owner=rng.choices(support, weights=owner_weights)[0],
                scenario=scenario,
                preassign=channel != "phone" and rng.random() < 0.35,
                handover=rng.random() < 0.08,
                note=rng.random() < 0.2,
                reprioritise=rng.random() < 0.12,
            )
        )
    # Reopens and duplicates go to conversations old enough to have run their course.
    old = [plan for plan in plans if now - plan.opened_at > timedelta(days=7)] or plans[:1]
    for plan in rng.sample(old, k=max(1, round(len(old) * 0.1))):
        plan.reopen = True
    writers = [p for p in old if p.client is not None and p.channel in ("email", "web")]
    for plan in rng.sample(writers, k=min(duplicates, len(writers))):
        plan.duplicate = True
    return plans


def _pick_client(
    rng: random.Random, clients: list[Client], activity: list[float], moment: datetime
) -> Client | None:
    """A customer, some far more often than others, who had not churned by ``moment``."""
    for _ in range(10):
        client = rng.choices(clients, weights=activity)[0]
        if client.churned_at is None or client.churned_at > moment:
            return client
    return None


def _pick_problem(rng: random.Random, client: Client | None) -> Problem:
    for _ in range(20):
        problem = rng.choice(PROBLEMS)
        if _needs(problem, "{order}") and not (client and client.orders):
            continue
        if _needs(problem, "{company}") and not (client and client.company):
            continue
        return problem
    return next(p for p in PROBLEMS if not _needs(p, "{order}") and not _needs(p, "{company}"))
