"""Reads for notifications: a user's own, never anyone else's."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db.models import Q

from concord.accounts.models import STAFF_ROLES, Team, User
from concord.notifications.models import (
    DEFAULT_DELIVERY,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    SlackChannel,
)


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(*, user: User, limit: int = 50) -> list[Notification]:
    """The user's newest notifications first."""
    return list(
        Notification.objects.filter(recipient=user)
        .select_related("conversation")
        .order_by("-created_at", "-id")[:limit]
    )


def slack_channel_by_name(*, name: str) -> SlackChannel | None:
    """The active channel of that name (case-insensitive), the oldest if several share it."""
    return (
        SlackChannel.objects.filter(is_active=True, name__iexact=name.strip().lstrip("#"))
        .order_by("pk")
        .first()
    )


def slack_channels_active() -> list[SlackChannel]:
    return list(SlackChannel.objects.filter(is_active=True).order_by("pk"))


def notification_deliveries(*, users: Sequence[User], kind: str) -> dict[int, str]:
    """How ``kind`` reaches each of ``users``: their choice, else the default (one query)."""
    chosen = dict(
        NotificationPreference.objects.filter(
            user__in=[u.pk for u in users], kind=kind
        ).values_list("user_id", "delivery")
    )
    default = (
        DEFAULT_DELIVERY[NotificationKind(kind)]
        if kind in NotificationKind.values
        else Delivery.BOTH
    )
    return {user.pk: chosen.get(user.pk, default) for user in users}


def notification_preferences_for(*, user: User) -> list[tuple[str, str, str]]:
    """(kind, its label, the user's delivery) for every kind, in a fixed order."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return [
        (str(kind.value), str(kind.label), chosen.get(kind.value, DEFAULT_DELIVERY[kind]))
        for kind in NotificationKind
    ]


# "@dana", "@billing", "@j.doe": after a space, a line start or an opening
# bracket, never inside an address ("nora@example.com" names nobody).
_MENTION = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9][\w.+-]*)")


def mention_handles(*, text: str) -> list[str]:
    """The @handles written in ``text``, in order, once each (trailing dots dropped)."""
    found: list[str] = []
    for match in _MENTION.finditer(text):
        handle = match[1].rstrip(".-").casefold()
        if handle and handle not in found:
            found.append(handle)
    return found


def mentioned_users(*, text: str) -> list[User]:
    """Active staff named in ``text`` by @username, or through @team (its members).

    A handle that is both a username and a team's slug names the user.
    """
    handles = mention_handles(text=text)
    if not handles:
        return []
    staff = User.objects.filter(is_active=True, role__in=STAFF_ROLES)
    people = {u.username.casefold(): u for u in staff.filter(username__iregex=_any_of(handles))}
    named: dict[int, User] = {}
    teams = [h for h in handles if h not in people]
    for user in people.values():
        named[user.pk] = user
    if teams:
        for team in Team.objects.filter(slug__in=teams).prefetch_related("members"):
            for member in team.members.all():
                if member.is_active and member.role in STAFF_ROLES:
                    named.setdefault(member.pk, member)
    return list(named.values())


def mentioned_slack_channels(*, text: str) -> list[tuple[SlackChannel, list[str]]]:
    """Active Slack channels of the teams @named in ``text``, with the slugs named for each.

    A handle that is also a username names the person, not a team (as in
    ``mentioned_users``).
    """
    handles = mention_handles(text=text)
    if not handles:
        return []
    people = {
        name.casefold()
        for name in User.objects.filter(username__iregex=_any_of(handles)).values_list(
            "username", flat=True
        )
    }
    slugs = [h for h in handles if h not in people]
    if not slugs:
        return []
    found: dict[int, tuple[SlackChannel, list[str]]] = {}
    for channel in SlackChannel.objects.filter(
        is_active=True, teams__slug__in=slugs
    ).prefetch_related("teams"):
        named = [t.slug for t in channel.teams.all() if t.slug in slugs]
        found.setdefault(channel.pk, (channel, named))
    return list(found.values())


def _any_of(handles: list[str]) -> str:
    return "^(" + "|".join(re.escape(h) for h in handles) + ")$"


def mention_candidates(*, prefix: str, limit: int = 8) -> list[tuple[str, str]]:
    """(handle, label) of staff and teams whose handle or name starts with ``prefix``."""
    prefix = prefix.strip().lstrip("@")
    people = User.objects.filter(is_active=True, role__in=STAFF_ROLES)
    teams = Team.objects.all()
    if prefix:
        people = people.filter(
            Q(username__istartswith=prefix)
            | Q(first_name__istartswith=prefix)
            | Q(last_name__istartswith=prefix)
        )
        teams = teams.filter(Q(slug__istartswith=prefix) | Q(name__istartswith=prefix))
    found = [
        (u.username, f"{u.get_full_name() or u.username} (@{u.username})")
        for u in people.order_by("username")[:limit]
    ]
    found += [(t.slug, f"{t.name} team (@{t.slug})") for t in teams.order_by("slug")[:limit]]
    return found[:limit]
