"""The agent workspace's inbox: views, counts per view and pages of plain rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from concord.accounts.models import Team, User
from concord.common.errors import ValidationFailed
from concord.conversations.models import (
    Conversation,
    Event,
    Status,
    Tag,
)
from concord.conversations.selectors.listing import (
    ConversationFilters,
    _cursor_for,
    _filtered,
    _tag_names_of,
    decode_cursor,
)
from concord.sla.selectors import sla_due_page, sla_without_due

# ---- the agent workspace's inbox -------------------------------------------

# The inbox's views, in the order the workspace lists them, with their labels.
INBOX_VIEWS: dict[str, str] = {
    "mine": "My open",
    "unassigned": "Unassigned",
    "my_teams": "My teams",
    "unsolved": "All unsolved",
    "all": "All",
    "pending": "Pending",
    "on_hold": "On hold",
    "solved": "Solved",
    "closed": "Closed",
}
_UNSOLVED = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
# Where the customer waits on us: not pending (we wait on them), not solved or closed.
WAITING = (Status.NEW, Status.OPEN, Status.ON_HOLD)


def _inbox_view_q(*, user: User, view: str) -> Q:
    if view == "mine":
        return Q(assignee_id=user.pk, status__in=(Status.NEW, Status.OPEN))
    if view == "unassigned":
        return Q(assignee__isnull=True, status__in=_UNSOLVED)
    if view == "my_teams":
        mine = Team.members.through.objects.filter(user_id=user.pk).values("team_id")
        return Q(team_id__in=mine, status__in=_UNSOLVED)
    if view == "unsolved":
        return Q(status__in=_UNSOLVED)
    if view == "all":
        # Closed conversations are locked history: they have a view of their own.
        return ~Q(status=Status.CLOSED)
    if view == "pending":
        return Q(status=Status.PENDING)
    if view == "on_hold":
        return Q(status=Status.ON_HOLD)
    if view == "solved":
        return Q(status=Status.SOLVED)
    if view == "closed":
        return Q(status=Status.CLOSED)
    raise ValidationFailed(f"{view!r} is not an inbox view.", field="view")


def conversation_view_counts(*, user: User) -> dict[str, int]:
    """How many visible, unmerged conversations each inbox view holds, in one query."""
    counts = {view: Count("pk", filter=_inbox_view_q(user=user, view=view)) for view in INBOX_VIEWS}
    found = _filtered(user=user, filters=ConversationFilters(), cursor=None).aggregate(**counts)
    return {view: int(found[view] or 0) for view in INBOX_VIEWS}


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One inbox line as plain values.

    Fifty rows of model instances (with customer, team and assignee) cost
    more than every query of the inbox together.
    """

    pk: int
    subject: str
    status: str
    priority: str
    channel: str
    customer_id: int
    customer_name: str
    team_name: str | None
    assignee_name: str | None  # as str(assignee): full name, else username
    tags: list[str]
    updated_at: datetime


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxRow]
    next_cursor: str | None


_INBOX_COLUMNS = (
    "id",
    "subject",
    "status",
    "priority",
    "channel",
    "customer_id",
    "customer__name",
    "team__name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "updated_at",
)


def _inbox_row(row: tuple[Any, ...], tags: list[str]) -> InboxRow:
    (pk, subject, status, priority, channel, customer_id, customer_name, team_name) = row[:8]
    username, first, last, updated_at = row[8:]
    return InboxRow(
        pk=pk,
        subject=subject,
        status=status,
        priority=priority,
        channel=channel,
        customer_id=customer_id,
        customer_name=customer_name or f"Customer {customer_id}",  # as Customer.__str__
        team_name=team_name,
        assignee_name=(f"{first} {last}".strip() or username) if username else None,
        tags=tags,
        updated_at=updated_at,
    )


def conversation_inbox(
    *,
    user: User,
    view: str,
    filters: ConversationFilters,
    oldest_first: bool = False,
    due_soonest: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> InboxPage:
    """A page of one inbox view, keyset-paginated.

    By last update, newest first; or ``oldest_first`` ("waiting longest"):
    only the view's conversations where the customer waits on us (new, open,
    on hold), the longest since anything happened on top.
    ``due_soonest`` sorts by the earliest running SLA due time (overdue first),
    then the conversations without one by last update. Three queries whatever
    the page size (ids, rows, tags), one more where the due ones run out.
    """
    qs = _filtered(user=user, filters=filters, cursor=None).filter(
        _inbox_view_q(user=user, view=view)
    )
    limit = max(1, min(limit, 100))
    if oldest_first and not due_soonest:
        qs = qs.filter(status__in=WAITING)
    if due_soonest:
        keys = _due_page_keys(qs, cursor=cursor, limit=limit)
    else:
        if cursor:
            stamp, pk = decode_cursor(cursor)
            if oldest_first:
                qs = qs.filter(Q(updated_at__gt=stamp) | Q(updated_at=stamp, id__gt=pk))
            else:
                qs = qs.filter(Q(updated_at__lt=stamp) | Q(updated_at=stamp, id__lt=pk))
        order = ("updated_at", "id") if oldest_first else ("-updated_at", "-id")
        # The page's ids first, then its rows with their joins. When SQLite has to
        # sort (a view that matches most of a status index), it then sorts bare
        # (updated_at, id) pairs keeping only the top few, instead of joining the
        # customer, team and assignee of every matching row before sorting.
        keys = [
            (pk, "", None) for pk in qs.order_by(*order).values_list("id", flat=True)[: limit + 1]
        ]
    ids = [pk for pk, _, _ in keys]
    found = {
        row[0]: row for row in Conversation.objects.filter(pk__in=ids).values_list(*_INBOX_COLUMNS)
    }
    tags = _tag_names_of(ids)
    rows = [_inbox_row(found[pk], tags[pk]) for pk in ids if pk in found]
    next_cursor = None
    if len(keys) > limit and keys[limit - 1][0] in found:
        pk, phase, due = keys[limit - 1]
        if phase == "due" and due is not None:
            next_cursor = _DUE + _cursor_for(due, pk)
        elif phase == "rest":
            next_cursor = _REST + _cursor_for(found[pk][-1], pk)
        else:
            next_cursor = _cursor_for(found[pk][-1], pk)
    return InboxPage(items=rows[:limit], next_cursor=next_cursor)


# "Due soonest" cursors say which part of the list they stop in: the
# conversations with a running due time, or the rest (by last update).
_DUE, _REST = "d.", "r."


def _due_page_keys(
    qs: QuerySet[Conversation], *, cursor: str | None, limit: int
) -> list[tuple[int, str, datetime | None]]:
    """(id, part, due time) of the next ``limit + 1`` rows in due-soonest order.

    The due part reads the SLA state's partial index of due times in order and
    checks each against the view; the rest walks the (updated_at, id) index and
    skips rows with a due time. Neither sorts the whole view.
    """
    if cursor and not cursor.startswith((_DUE, _REST)):
        raise ValidationFailed("The cursor is not one this list gave out.", field="cursor")
    keys: list[tuple[int, str, datetime | None]] = []
    if not cursor or cursor.startswith(_DUE):
        after = decode_cursor(cursor[len(_DUE) :]) if cursor else None
        keys = [
            (pk, "due", due)
            for pk, due in sla_due_page(conversations=qs, after=after, limit=limit + 1)
        ]
        cursor = None
    if len(keys) <= limit:
        rest = qs.filter(sla_without_due())
        if cursor:
            stamp, pk = decode_cursor(cursor[len(_REST) :])
            rest = rest.filter(Q(updated_at__lt=stamp) | Q(updated_at=stamp, id__lt=pk))
        keys += [
            (pk, "rest", None)
            for pk in rest.order_by("-updated_at", "-id").values_list("id", flat=True)[
                : limit + 1 - len(keys)
            ]
        ]
    return keys


def tag_names(*, limit: int = 500) -> list[str]:
    """Known tag names, alphabetically, for pickers and filters."""
    return list(Tag.objects.order_by("name").values_list("name", flat=True)[:limit])


def conversation_last_event_id() -> int:
    """The newest event's id: a cheap version stamp for caches (0 when there is none).

    Every change to a conversation appends an event, so a new id means
    something changed. One lookup on the primary key.
    """
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
