"""Reads for users, teams and API tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from concord.accounts.models import ApiToken, Team, User
from concord.accounts.services import TOKEN_PREFIX, token_digest


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The live token for ``raw`` with its user, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    return (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def user_team_ids(*, user: User) -> list[int]:
    return list(Team.objects.filter(members=user).values_list("id", flat=True))


def user_list(*, actor: User) -> QuerySet[User]:
    """Staff users, visible to any staff member (and to nobody else)."""
    from concord.accounts.models import STAFF_ROLES

    if not actor.is_staff_member:
        return User.objects.none()
    return (
        User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        .prefetch_related("teams")
        .order_by("username")
    )


def user_get(*, actor: User, user_id: int) -> User | None:
    return user_list(actor=actor).filter(pk=user_id).first()


def team_list(*, actor: User) -> QuerySet[Team]:
    if not actor.is_staff_member:
        return Team.objects.none()
    return Team.objects.prefetch_related("members").order_by("name")


def team_get(*, actor: User, team_id: int) -> Team | None:
    return team_list(actor=actor).filter(pk=team_id).first()


def user_get_by_username(*, username: str) -> User | None:
    """Any user (of any role) by username, case-insensitively; for the command line."""
    return User.objects.filter(username__iexact=username.strip()).first()
