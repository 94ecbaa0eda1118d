"""Keeping the conversation facts (``metrics.models``) in step with the conversations.

``conversation_facts_refresh`` runs on the core's ``conversation_written``
signal (``metrics.receivers``), which the conversation services send inside
their transaction after every change; it recomputes the conversation's facts
from its own rows, so they are right whatever happened before. The backfill
does the same for every conversation in batches (bulk imports, benchmarks,
installations that had conversations before the facts existed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, Model, OuterRef, QuerySet

from concord.accounts.models import Team, TeamKind
from concord.conversations.models import Conversation, Event, Message
from concord.metrics.facts import (
    ESCALATED_TAG,
    FACT_EVENTS,
    EventRow,
    Facts,
    MessageRow,
    conversation_facts,
    seconds_between,
)
from concord.metrics.models import ConversationFacts, ConversationInterval, IntervalKind

_CONVERSATION = (
    "id", "channel", "team_id", "assignee_id", "category", "created_at", "status", "solved_at",
)  # fmt: skip
_MESSAGE = ("created_at", "direction", "visibility", "automatic", "author_user__username")
_EVENT = ("kind", "new_value", "created_at", "merged_from_id")
BATCH = 2000


def _departments() -> set[str]:
    return {
        str(pk) for pk in Team.objects.filter(kind=TeamKind.DEPARTMENT).values_list("pk", flat=True)
    }


def _tagged() -> Exists:
    return Exists(
        Conversation.tags.through.objects.filter(
            conversation_id=OuterRef("pk"), tag__name=ESCALATED_TAG
        )
    )


def _rows(
    row: tuple[Any, ...], facts: Facts
) -> tuple[ConversationFacts, list[ConversationInterval]]:
    pk, channel, team_id, assignee_id, category, created_at = row[:6]
    cuts = {
        "channel": channel,
        "team_id": team_id,
        "assignee_id": assignee_id,
        "category": category,
    }
    summary = ConversationFacts(
        conversation_id=pk,
        created_at=created_at,
        first_message_at=facts.first_message_at,
        first_reply_at=facts.first_reply_at,
        first_response_seconds=seconds_between(facts.first_message_at, facts.first_reply_at),
        agent_replies=facts.agent_replies,
        first_solved_at=facts.first_solved_at,
        reopened=facts.reopened,
        escalated=facts.escalated,
        consulted=facts.consulted,
        resolved_at=facts.resolved_at,
        resolution_seconds=seconds_between(created_at, facts.resolved_at),
        **cuts,
    )
    intervals = [
        ConversationInterval(
            conversation_id=pk,
            kind=IntervalKind.WAIT,
            started_at=a,
            ended_at=b,
            seconds=seconds_between(a, b),
            **cuts,
        )
        for a, b in facts.waits
    ] + [
        ConversationInterval(
            conversation_id=pk,
            kind=IntervalKind.UNSOLVED,
            started_at=a,
            ended_at=b,
            seconds=seconds_between(a, b),
            **cuts,
        )
        for a, b in facts.unsolved
    ]
    return summary, intervals


# Every service call ends in a refresh, so it must cost little: its statements
# are built by the ORM once per process and then run as plain SQL, which cuts
# a refresh from about 4 ms to about 1 ms here (almost all of it was Django
# building the same five queries again).
_ID = -7_654_321  # stands for the conversation id in the statements built once
_BUILT: dict[tuple[str, str], tuple[str, tuple[Any, ...]]] = {}
_INTERVAL = (
    "kind", "started_at", "ended_at", "seconds", "channel", "team_id", "assignee_id", "category",
)  # fmt: skip
_FACT_COLUMNS = (
    "conversation_id", "channel", "team_id", "assignee_id", "category", "created_at",
    "first_message_at", "first_reply_at", "first_response_seconds", "agent_replies",
    "first_solved_at", "reopened", "escalated", "consulted", "resolved_at", "resolution_seconds",
)  # fmt: skip


def _queries() -> dict[str, Callable[[], QuerySet[Any]]]:
    return {
        "conversation": lambda: (
            Conversation.objects.filter(pk=_ID, merged_into__isnull=True)
            .annotate(tagged=_tagged())
            .values_list(*_CONVERSATION, "tagged")
        ),
        "messages": lambda: (
            Message.objects.filter(conversation_id=_ID)
            .order_by("created_at", "id")
            .values_list(*_MESSAGE)
        ),
        "events": lambda: (
            Event.objects.filter(conversation_id=_ID, kind__in=FACT_EVENTS)
            .order_by("created_at", "id")
            .values_list(*_EVENT)
        ),
        "intervals": lambda: (
            ConversationInterval.objects.filter(conversation_id=_ID)
            .order_by()
            .values_list("id", *_INTERVAL)
        ),
    }


def _read(name: str, conversation_id: int) -> list[tuple[Any, ...]]:
    key = (connection.vendor, name)
    built = _BUILT.get(key)
    if built is None:
        sql, params = _queries()[name]().query.sql_with_params()
        built = _BUILT[key] = (sql, tuple(params))
    sql, params = built
    with connection.cursor() as cursor:
        cursor.execute(sql, [conversation_id if p == _ID else p for p in params])
        return [tuple(_aware(v) for v in row) for row in cursor.fetchall()]


def _aware(value: Any) -> Any:
    # SQLite's driver gives naive UTC date-times where the ORM would give aware ones.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _stored(value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _forget(conversation_id: int) -> None:
    with connection.cursor() as cursor:
        for model in (ConversationFacts, ConversationInterval):
            cursor.execute(
                f"DELETE FROM {_table(model)} WHERE conversation_id = %s",  # noqa: S608
                [conversation_id],
            )


def _write(summary: ConversationFacts, intervals: list[ConversationInterval]) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _FACT_COLUMNS)
    marks = ", ".join(["%s"] * len(_FACT_COLUMNS))
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _FACT_COLUMNS[1:])
    pk = summary.conversation_id
    # Most changes leave most intervals alone: write only the difference.
    existing = {tuple(row[1:]): row[0] for row in _read("intervals", pk)}
    wanted = {tuple(getattr(i, c) for c in _INTERVAL): i for i in intervals}
    stale = [str(int(i)) for key, i in existing.items() if key not in wanted]
    fresh = [key for key in wanted if key not in existing]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(ConversationFacts)} ({columns}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({quote('conversation_id')}) DO UPDATE SET {updates}",
            [_stored(getattr(summary, c)) for c in _FACT_COLUMNS],
        )
        table = _table(ConversationInterval)
        if stale:
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(stale)})")  # noqa: S608
        if fresh:
            names = ", ".join(quote(c) for c in ("conversation_id", *_INTERVAL))
            values = ", ".join(["%s"] * (len(_INTERVAL) + 1))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({values})",  # noqa: S608
                [[pk, *(_stored(v) for v in key)] for key in fresh],
            )


def conversation_facts_refresh(*, conversation_id: int) -> None:
    """Recompute one conversation's facts from its rows (none if merged away or gone)."""
    with transaction.atomic(savepoint=False):
        found = _read("conversation", conversation_id)
        if not found:
            _forget(conversation_id)
            return
        row = found[0]
        messages = [MessageRow(*m) for m in _read("messages", conversation_id)]
        events = [EventRow(*e) for e in _read("events", conversation_id)]
        created_at, status, solved_at = row[5:8]
        # Team kinds matter only for a move after opening, which few conversations have.
        moved = any(e.kind == "team_changed" and e.created_at > created_at for e in events)
        facts = conversation_facts(
            created_at=created_at,
            status=status,
            solved_at=solved_at,
            messages=messages,
            events=events,
            departments=_departments() if moved else (),
            tagged_escalated=bool(row[8]),
        )
        _write(*_rows(row, facts))


def conversation_facts_refresh_many(*, conversation_ids: Iterable[int]) -> None:
    """``conversation_facts_refresh`` for many conversations: a few statements for all.

    For the bulk paths (a batch of inbound emails), where a refresh per
    conversation would cost more than the rest of the work together.
    """
    ids = sorted(set(conversation_ids))
    if not ids:
        return
    with transaction.atomic(savepoint=False):
        ConversationFacts.objects.filter(conversation_id__in=ids).delete()
        ConversationInterval.objects.filter(conversation_id__in=ids).delete()
        rows = list(
            Conversation.objects.filter(pk__in=ids, merged_into__isnull=True)
            .annotate(tagged=_tagged())
            .order_by("pk")
            .values_list(*_CONVERSATION, "tagged")
        )
        if rows:
            _backfill_batch(rows, [row[0] for row in rows], _departments())


def conversation_facts_backfill(
    *, batch_size: int = BATCH, progress: Callable[[int, int], None] | None = None
) -> int:
    """Rebuild the facts of every conversation; returns how many conversations have facts.

    Works through conversations in id order, a batch per transaction, with
    three queries per batch instead of three per conversation.
    """
    departments = _departments()
    total = Conversation.objects.count()
    done = made = 0
    last = 0
    while True:
        rows = list(
            Conversation.objects.filter(pk__gt=last, merged_into__isnull=True)
            .annotate(tagged=_tagged())
            .order_by("pk")
            .values_list(*_CONVERSATION, "tagged")[:batch_size]
        )
        ids = [row[0] for row in rows]
        upper = ids[-1] if rows else None
        with transaction.atomic():
            # Merged-away conversations in this stretch of ids lose any facts they had.
            stretch = {"conversation_id__gt": last}
            if upper is not None:
                stretch["conversation_id__lte"] = upper
            ConversationFacts.objects.filter(**stretch).delete()
            ConversationInterval.objects.filter(**stretch).delete()
            if rows:
                made += _backfill_batch(rows, ids, departments)
        if upper is None:
            break
        last = upper
        done += len(rows)
        if progress:
            progress(done, total)
    return made


def _grouped(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(row[1:])
    return out


def _backfill_batch(rows: list[tuple[Any, ...]], ids: list[int], departments: set[str]) -> int:
    messages = _grouped(
        Message.objects.filter(conversation_id__in=ids)
        .order_by("conversation_id", "created_at", "id")
        .values_list("conversation_id", *_MESSAGE)
    )
    events = _grouped(
        Event.objects.filter(conversation_id__in=ids, kind__in=FACT_EVENTS)
        .order_by("conversation_id", "created_at", "id")
        .values_list("conversation_id", *_EVENT)
    )
    summaries: list[ConversationFacts] = []
    intervals: list[ConversationInterval] = []
    for row in rows:
        pk, (created_at, status, solved_at) = row[0], row[5:8]
        facts = conversation_facts(
            created_at=created_at,
            status=status,
            solved_at=solved_at,
            messages=[MessageRow(*m) for m in messages.get(pk, [])],
            events=[EventRow(*e) for e in events.get(pk, [])],
            departments=departments,
            tagged_escalated=row[8],
        )
        summary, spans = _rows(row, facts)
        summaries.append(summary)
        intervals.extend(spans)
    ConversationFacts.objects.bulk_create(summaries, batch_size=500)
    ConversationInterval.objects.bulk_create(intervals, batch_size=500)
    return len(summaries)
