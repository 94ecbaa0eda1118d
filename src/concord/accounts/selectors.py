"""Reads for users, teams and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import QuerySet
from django.utils import timezone

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


def installation_zone() -> ZoneInfo:
    default = timezone.get_default_timezone()
    return default if isinstance(default, ZoneInfo) else ZoneInfo(str(default))


def user_zone(*, user: User) -> ZoneInfo:
    """The zone ``user`` reads times in: theirs, else the installation's.

    A stored name the tz database no longer has (zones do get removed) falls
    back to the installation's zone instead of failing every page.
    """
    if user.time_zone:
        try:
            return ZoneInfo(user.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return installation_zone()


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


@dataclass(frozen=True)
class StaffDirectory:
    """Teams and active staff as plain values, for pickers and for naming ids.

    ``teams``: (id, name) by name; ``users``: (id, name as ``str(user)`` gives
    it, role) by username; ``members``: team id -> its members' ids, by username.
    """

    teams: list[tuple[int, str]]
    users: list[tuple[int, str, str]]
    members: dict[int, list[int]]


def staff_directory(*, actor: User) -> StaffDirectory:
    """What ``team_list`` and ``user_list`` hold, in three small queries and no model instances.

    The workspace shows a picker of every team and agent on each page; with a
    hundred agents, building their model objects (and their teams') cost more
    than the rest of the page.
    """
    from concord.accounts.models import STAFF_ROLES

    if not actor.is_staff_member:
        return StaffDirectory(teams=[], users=[], members={})
    teams = list(Team.objects.order_by("name").values_list("id", "name"))
    users = [
        (pk, f"{first} {last}".strip() or username, role)  # as User.__str__
        for pk, username, first, last, role in User.objects.filter(
            role__in=STAFF_ROLES, is_active=True
        )
        .order_by("username")
        .values_list("id", "username", "first_name", "last_name", "role")
    ]
    members: dict[int, list[int]] = {pk: [] for pk, _ in teams}
    pairs = Team.members.through.objects.order_by("user__username").values_list(
        "team_id", "user_id"
    )
    for team_id, user_id in pairs:
        members[team_id].append(user_id)
    return StaffDirectory(teams=teams, users=users, members=members)


def team_get(*, actor: User, team_id: int) -> Team | None:
    return team_list(actor=actor).filter(pk=team_id).first()


def user_get_by_username(*, username: str) -> User | None:
    """Any user (of any role) by username, case-insensitively; for the command line."""
    return User.objects.filter(username__iexact=username.strip()).first()


def team_by_slug(*, slug: str) -> Team | None:
    """A team by its slug, for rules that name one (routing, automations)."""
    return Team.objects.filter(slug=slug.strip().lower()).first()


def users_by_usernames(*, usernames: list[str]) -> list[User]:
    """Active users among these usernames (case-insensitive), for rules that name people."""
    wanted = {name.strip().lower() for name in usernames if name.strip()}
    return [u for u in User.objects.filter(is_active=True) if u.username.lower() in wanted]
