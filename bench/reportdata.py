"""A year of helpdesk history for the reports benchmark, written fast.

    from reportdata import generate
    summary = generate(conversations=100_000, now=now, seed=1)

Like ``bench/generate.py`` this writes domain rows directly instead of through
the services (see that module's docstring for why), but it must reach a
million conversations in minutes, so it skips the ORM for the bulk: ids are
assigned here, rows are tuples, and they go in with one ``executemany`` per
table and batch on SQLite and ``COPY`` on PostgreSQL. Staff, teams, tags, SLA
policies and survey definitions go through the services.

Each conversation is played as the services would have recorded it — the same
events in the same order with the same old/new values (``_Story`` mirrors
``conversations.services``), SLA targets from ``concord.sla.clock.compute``
(the code ``sla_refresh`` runs), survey invitations and answers copying
agent, team and channel as ``surveys.services`` do — and then cut at ``now``:
whatever would happen later has not happened yet, so recent conversations
are new or open, and the current status, assignee, team, ``solved_at``,
``closed_at`` and ``updated_at`` follow from what is left.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import CATEGORIES, CHANNELS, FIRST, LAST, PRIORITIES, TAG_NAMES, TEAMS, Summary
from story import Rows, Story, Table

DAY = 86400.0
HISTORY_DAYS = 365
BATCH = 5000
# Weekday shares (Monday first) and hour-of-day shares (UTC) of new conversations.
WEEKDAYS = [1.25, 1.15, 1.1, 1.05, 1.0, 0.45, 0.4]
HOURS = [1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 9, 10, 10, 9, 8, 6, 5, 4, 3, 2, 2, 1]
SURVEY_KINDS = [("csat", 0.6), ("ces", 0.25), ("nps", 0.15)]
# Per SLA policy: first response, next reply, resolution, warn before (seconds).
POLICIES = {
    "VIP": (1800, 3600, 8 * 3600, 600),
    "Urgent": (3600, 2 * 3600, 24 * 3600, 900),
    "Standard": (8 * 3600, 8 * 3600, 72 * 3600, 3600),
}


class Writer:
    """Inserts tuples into one table: ``executemany`` on SQLite, ``COPY`` on PostgreSQL."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.rows_written = 0
        self._dates: dict[int, str] = {}
        self._zone = "+00" if self.postgres else ""

    def stamp(self, t: float | None) -> str | None:
        """A timestamp as the database stores it (UTC), from epoch seconds."""
        if t is None:
            return None
        micros = round(t * 1e6)
        whole, fraction = divmod(micros, 1_000_000)
        day, second = divmod(whole, 86400)
        date = self._dates.get(day)
        if date is None:
            date = self._dates[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
        hour, rest = divmod(second, 3600)
        minute, second = divmod(rest, 60)
        return f"{date} {hour:02d}:{minute:02d}:{second:02d}.{fraction:06d}{self._zone}"

    def write(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        name, columns = table
        with self.connection.cursor() as cursor:
            if self.postgres:
                statement = f"COPY {name} ({', '.join(columns)}) FROM STDIN"
                with cursor.cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
                cursor.cursor.executemany(sql, rows)
        self.rows_written += len(rows)


def _next_id(table: str) -> Callable[[], int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        start = int(cursor.fetchone()[0]) + 1
    counter = itertools.count(start)
    return lambda: next(counter)


def _setup(rng: random.Random, conversations: int, summary: Summary) -> dict[str, Any]:
    """Staff, tags, SLA policies and survey definitions, through the services."""
    from generate import _staff

    from concord.accounts.models import Team, TeamKind
    from concord.accounts.services import system_user_get
    from concord.conversations.models import Tag
    from concord.sla.services import sla_policy_create
    from concord.surveys.services import dispatch_rule_create, survey_definition_create

    members = _staff(rng, conversations, summary)
    kinds = dict(Team.objects.values_list("pk", "kind"))
    tags = {t.name: t.pk for t in Tag.objects.bulk_create([Tag(name=n) for n in TAG_NAMES])}
    tags["escalated"] = Tag.objects.create(name="escalated").pk
    policies = {}
    for position, (name, (first, nxt, resolution, warn)) in enumerate(POLICIES.items(), 1):
        policy = sla_policy_create(
            name=name,
            position=position,
            customer_tiers=["vip"] if name == "VIP" else [],
            priorities=["urgent", "high"] if name == "Urgent" else [],
            first_response_seconds=first,
            next_reply_seconds=nxt,
            resolution_seconds=resolution,
            warn_before_seconds=warn,
            business_hours=False,
        )
        policies[name] = policy.pk
    surveys = {}
    for kind, question in [
        ("csat", "How satisfied are you with our help?"),
        ("ces", "It was easy to get my issue resolved."),
        ("nps", "How likely are you to recommend us to a friend?"),
    ]:
        definition = survey_definition_create(
            name=f"{kind.upper()} after solve",
            kind=kind,
            subject="How did we do?",
            question=question,
        )
        rule = dispatch_rule_create(definition=definition)
        surveys[kind] = (definition.pk, rule.pk)
    relationship = survey_definition_create(
        name="Relationship NPS", kind="nps", subject="A quick question", question="Recommend us?"
    )
    rule = dispatch_rule_create(definition=relationship, trigger="relationship")
    surveys["relationship"] = (relationship.pk, rule.pk)
    return {
        "members": members,
        "service": [t for t in members if kinds[t] == TeamKind.SERVICE],
        "departments": [t for t in members if kinds[t] == TeamKind.DEPARTMENT],
        "system": system_user_get().pk,
        "tags": tags,
        "policies": policies,
        "surveys": surveys,
    }


def _customers(
    rng: random.Random, count: int, now: float, writer: Writer
) -> tuple[list[float], list[int], list[str]]:
    """Organizations and customers (a fifth churned by now); sorted by creation time."""
    org_id, customer_id = _next_id("customers_organization"), _next_id("customers_customer")
    identity_id = _next_id("customers_customeridentity")
    start = now - HISTORY_DAYS * DAY
    stamp = writer.stamp
    orgs = []
    for i in range(max(1, count // 40)):
        tier = rng.choice(["standard", "standard", "premium", "vip"])
        made = stamp(start - rng.uniform(0, 700) * DAY)
        orgs.append((org_id(), f"{rng.choice(LAST)} {i}", tier, rng.random() < 0.3, "", made, made))
    writer.write(Rows.ORGANIZATION, orgs)
    # Half were customers before the year began; the rest arrive through it.
    created = sorted(
        start - rng.uniform(0, 700) * DAY if rng.random() < 0.5 else rng.uniform(start, now)
        for _ in range(count)
    )
    ids, tiers, rows, identities = [], [], [], []
    for at in created:
        pk = customer_id()
        org = rng.choice(orgs) if rng.random() < 0.3 else None
        tier = org[2] if org else rng.choices(["standard", "premium", "vip"], [87, 10, 3])[0]
        churned = at + rng.uniform(30, 400) * DAY if rng.random() < 0.2 else None
        churned = churned if churned is not None and churned < now else None
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        rows.append(
            (pk, name, tier, "purchase", stamp(churned), "", stamp(at), org and org[0], stamp(at))
        )
        email = f"c{pk}@example.net"
        identities.append((identity_id(), "email", email, email, True, stamp(at), pk))
        ids.append(pk)
        tiers.append(tier)
        if len(rows) >= BATCH:
            writer.write(Rows.CUSTOMER, rows)
            writer.write(Rows.IDENTITY, identities)
            rows, identities = [], []
    writer.write(Rows.CUSTOMER, rows)
    writer.write(Rows.IDENTITY, identities)
    return created, ids, tiers


def _start_times(rng: random.Random, count: int, now: float) -> list[float]:
    """Creation times over the year: growing 30% over it, busier on weekdays and by day."""
    first_day = math.floor(now / DAY) - HISTORY_DAYS
    days = list(range(first_day, first_day + HISTORY_DAYS + 1))
    weights = [
        (1 + 0.3 * i / HISTORY_DAYS) * WEEKDAYS[(day + 3) % 7]  # 1970-01-01 was a Thursday
        for i, day in enumerate(days)
    ]
    day_cum = list(itertools.accumulate(weights))
    hour_cum = list(itertools.accumulate(HOURS))
    times = []
    while len(times) < count:
        day = rng.choices(days, cum_weights=day_cum)[0]
        hour = rng.choices(range(24), cum_weights=hour_cum)[0]
        t = day * DAY + hour * 3600 + rng.random() * 3600
        if now - HISTORY_DAYS * DAY <= t < now:
            times.append(t)
    times.sort()
    return times


def generate(
    *,
    conversations: int,
    now: datetime,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Fill an empty, migrated database with a year of history ending at ``now``."""
    from django.db import connection, transaction

    from concord.conversations.models import Conversation

    if Conversation.objects.exists():
        raise RuntimeError("The database already has conversations; generate into a fresh one.")
    began = time.perf_counter()
    rng = random.Random(seed)
    summary = Summary()
    setup = _setup(rng, conversations, summary)
    writer = Writer()
    if writer.postgres:
        # Every row is consistent by construction; checking each foreign key
        # one row at a time would double the load time. Needs a superuser; else
        # the checks simply run.
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
        except Exception:
            print("(foreign keys checked row by row: not a superuser)", flush=True)
    end = now.timestamp()
    created, customer_ids, tiers = _customers(rng, max(1, conversations * 2 // 5), end, writer)
    summary.customers = len(customer_ids)
    starts = _start_times(rng, conversations, end)
    ids = {
        name: _next_id(table) for name, (table, columns) in Rows.TABLES.items() if "id" in columns
    }
    context = Story.Context(
        rng=rng,
        now=end,
        stamp=writer.stamp,
        ids=ids,
        customers=(created, customer_ids, tiers),
        **setup,
    )
    for offset in range(0, conversations, BATCH):
        rows = Rows()
        for t0 in starts[offset : offset + BATCH]:
            Story(context, t0, rows).play()
        with transaction.atomic():
            for name, table in Rows.TABLES.items():
                writer.write(table, rows.tables[name])
        summary.conversations += len(rows.tables["conversation"])
        summary.messages += len(rows.tables["message"])
        summary.events += len(rows.tables["event"])
        summary.tag_links += len(rows.tables["tag_link"])
        done = min(conversations, offset + BATCH)
        if progress and (done % (BATCH * 20) == 0 or done == conversations):
            progress(f"{done:,} conversations ({time.perf_counter() - began:.0f} s)")
    _relationship_surveys(context, writer)
    if writer.postgres:
        _reset_sequences()
    summary.seconds = time.perf_counter() - began
    return summary


def _relationship_surveys(context: Story.Context, writer: Writer) -> None:
    """The quarterly relationship NPS: a tenth of customers invited, a third answer."""
    rng, stamp = context.rng, context.stamp
    definition, rule = context.surveys["relationship"]
    created, ids, _ = context.customers
    invitations, responses = [], []
    for at, pk in zip(created, ids, strict=True):
        if rng.random() >= 0.1:
            continue
        sent = max(at, context.now - HISTORY_DAYS * DAY) + rng.uniform(0, 300) * DAY
        if sent >= context.now:
            continue
        invitation = context.ids["invitation"]()
        invitations.append(
            (invitation, f"r{definition}:u{pk}:p{int(sent // (90 * DAY))}", "email",
             f"c{pk}@example.net", "sent", stamp(sent), stamp(sent + 60),
             stamp(sent + 30 * DAY), None, None, pk, definition, rule, None)
        )  # fmt: skip
        answered = sent + rng.expovariate(1 / (2 * DAY))
        if rng.random() < 0.33 and answered < context.now:
            score = Story.nps_score(rng)
            responses.append(
                (context.ids["response"](), "nps", "email", score, None, "", stamp(answered),
                 stamp(answered), None, None, None, pk, definition, invitation, None)
            )  # fmt: skip
    writer.write(Rows.TABLES["invitation"], invitations)
    writer.write(Rows.TABLES["response"], responses)


def _reset_sequences() -> None:
    """Ids were given here; PostgreSQL's identity sequences must continue after them."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    models: Iterable[Any] = [
        apps.get_model(label)
        for label in (
            "customers.Organization", "customers.Customer", "customers.CustomerIdentity",
            "conversations.Conversation", "conversations.Message", "conversations.Event",
            "sla.SlaTarget", "surveys.SurveyInvitation", "surveys.SurveyResponse",
            "phone.CallRecord",
        )
    ]  # fmt: skip
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    through = apps.get_model("conversations.Conversation").tags.through
    statements += connection.ops.sequence_reset_sql(no_style(), [through])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def epoch(moment: datetime) -> float:
    return moment.astimezone(UTC).timestamp()


def from_epoch(t: float) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=t)


def pick(rng: random.Random, options: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def customer_for(
    rng: random.Random, at: float, customers: tuple[list[float], list[int], list[str]]
) -> tuple[int, str]:
    """A customer who existed at ``at``; a few regulars write much more often than the rest."""
    created, ids, tiers = customers
    known = max(1, bisect.bisect_right(created, at))
    index = int(known * rng.random() * 0.05) if rng.random() < 0.25 else rng.randrange(known)
    return ids[index], tiers[index]


__all__ = ["CATEGORIES", "CHANNELS", "PRIORITIES", "TEAMS", "generate"]
