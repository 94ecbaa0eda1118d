"""Reads for notifications: a user's own, never anyone else's."""

from __future__ import annotations

from concord.accounts.models import User
from concord.notifications.models import Notification, SlackChannel


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
