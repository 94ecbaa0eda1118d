"""Reads for spike detection, the trends page and the digest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import F, Q, QuerySet

from concord.accounts.models import SEE_ALL_ROLES, STAFF_ROLES, Team, User
from concord.conversations.models import Conversation
from concord.conversations.selectors import conversation_visible_to
from concord.trends.detection import Row
from concord.trends.models import AlertStatus, SpikeAlert


def _window_q(prefix: str, windows: Sequence[tuple[datetime, datetime]]) -> Q:
    return reduce(
        or_,
        (
            Q(**{f"{prefix}created_at__gte": start, f"{prefix}created_at__lt": end})
            for start, end in windows
        ),
    )


def conversation_rows(*, windows: Sequence[tuple[datetime, datetime]]) -> list[list[Row]]:
    """The conversations opened in each window (merged duplicates left out), in two queries."""
    if not windows:
        return []
    opened = Conversation.objects.filter(_window_q("", windows), merged_into__isnull=True)
    tags: dict[int, list[str]] = defaultdict(list)
    pairs = Conversation.tags.through.objects.filter(
        _window_q("conversation__", windows), conversation__merged_into__isnull=True
    ).values_list("conversation_id", "tag__name")
    for conversation_id, name in pairs:
        tags[conversation_id].append(name)
    buckets: list[list[Row]] = [[] for _ in windows]
    for pk, team_id, category, subject, created_at in opened.values_list(
        "id", "team_id", "category", "subject", "created_at"
    ).order_by("id"):
        row = Row(
            id=pk,
            team_id=team_id,
            category=category,
            tags=tuple(sorted(tags.get(pk, ()))),
            subject=subject,
        )
        for index, (start, end) in enumerate(windows):
            if start <= created_at < end:
                buckets[index].append(row)
    return buckets


def baseline_windows(
    *, end: datetime, length: timedelta, weeks: int
) -> list[tuple[datetime, datetime]]:
    """The window ending at ``end``, then the same window 1..``weeks`` weeks before."""
    return [(end - length - timedelta(weeks=w), end - timedelta(weeks=w)) for w in range(weeks + 1)]


def spike_alerts_current() -> dict[str, SpikeAlert]:
    """Per key, the alert a new spike of it belongs to: the live one, else the open one."""
    found: dict[str, SpikeAlert] = {}
    alerts = SpikeAlert.objects.filter(Q(ended_at__isnull=True) | Q(status=AlertStatus.OPEN))
    # Live (no end) first: NULLs sort first on SQLite but last on PostgreSQL unless told.
    for alert in alerts.order_by(F("ended_at").asc(nulls_first=True), "id"):
        found.setdefault(alert.key, alert)
    return found


def spike_recipients() -> list[User]:
    """Who is told about a spike: active supervisors and admins."""
    return list(User.objects.filter(role__in=SEE_ALL_ROLES, is_active=True).order_by("id"))


def spike_alerts_open() -> QuerySet[SpikeAlert]:
    return SpikeAlert.objects.filter(status=AlertStatus.OPEN).order_by("-last_seen_at", "-id")


def spike_alert_find_open(*, alert_id: int) -> SpikeAlert | None:
    return spike_alerts_open().filter(pk=alert_id).first()


def spike_conversations_visible(*, user: User, ids: Sequence[int]) -> list[Conversation]:
    """Those of ``ids`` that ``user`` may read, oldest first (one query)."""
    return list(
        conversation_visible_to(user=user)
        .filter(pk__in=list(ids))
        .select_related("customer", "team")
        .order_by("created_at", "id")
    )


def spike_teams() -> list[Team]:
    """The departments a problem may be given to."""
    return list(Team.objects.order_by("name"))


def team_members_to_email(*, team_id: int) -> list[User]:
    return list(
        User.objects.filter(teams=team_id, role__in=STAFF_ROLES, is_active=True)
        .exclude(email="")
        .order_by("username")
    )


def teams_by_ids(*, ids: Sequence[int]) -> dict[int, Team]:
    return {team.pk: team for team in Team.objects.filter(pk__in=list(ids))}
