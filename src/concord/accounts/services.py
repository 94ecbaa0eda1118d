"""Writes for users, teams and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from concord.accounts.models import ApiToken, Role, Team, TeamKind, User
from concord.calendars.models import Calendar
from concord.calendars.services import check_time_zone
from concord.common.errors import Conflict, ValidationFailed

TOKEN_PREFIX = "cnc_"  # noqa: S105 - a marker that makes leaked tokens greppable, not a secret
# A token's last-use time is refreshed at most this often, so reads stay reads.
_LAST_USED_RESOLUTION = timedelta(minutes=5)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown to the user once, never stored


def user_create(
    *,
    username: str,
    email: str,
    password: str | None,
    role: Role = Role.AGENT,
    first_name: str = "",
    last_name: str = "",
) -> User:
    username = username.strip()
    if not username:
        raise ValidationFailed("A username is required.", field="username")
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}.", field="role")
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise Conflict(f"The username {username!r} is taken.", field="username")
        user = User(
            username=username,
            email=email.strip().lower(),
            role=role,
            first_name=first_name,
            last_name=last_name,
            # Admin-site access follows the role; Django's own flags stay in step.
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    return user


SYSTEM_USERNAME = "concord-automation"


def system_user_get() -> User:
    """The user that routing and automations act as, so every event has an actor.

    It cannot sign in (no usable password) and is created on first use.
    """
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is not None:
        return user
    with transaction.atomic():
        user, _ = User.objects.get_or_create(
            username=SYSTEM_USERNAME,
            defaults={
                "role": Role.AGENT,
                "first_name": "Concord",
                "last_name": "automation",
                "password": "!",  # Django's mark for an unusable password
            },
        )
    return user


def user_set_time_zone(*, user: User, time_zone: str) -> None:
    """The zone the user reads times in; blank goes back to the installation's zone."""
    time_zone = time_zone.strip()
    if time_zone:
        time_zone = check_time_zone(time_zone=time_zone)
    if time_zone == user.time_zone:
        return
    with transaction.atomic():
        user.time_zone = time_zone
        user.save(update_fields=["time_zone"])


def user_default_time_zone(*, user: User, time_zone: str) -> bool:
    """Store the zone the browser reports, only while the user has not chosen one.

    Returns whether it was stored. A conditional UPDATE, so a profile choice
    made in another tab meanwhile is never overwritten by the browser's guess.
    """
    time_zone = check_time_zone(time_zone=time_zone)
    stored = User.objects.filter(pk=user.pk, time_zone="").update(time_zone=time_zone) == 1
    if stored:
        user.time_zone = time_zone
    return stored


def team_create(*, name: str, kind: TeamKind = TeamKind.SERVICE, description: str = "") -> Team:
    name = name.strip()
    if not name:
        raise ValidationFailed("A team name is required.", field="name")
    with transaction.atomic():
        if Team.objects.filter(name__iexact=name).exists():
            raise Conflict(f"A team named {name!r} exists.", field="name")
        return Team.objects.create(
            name=name, slug=_free_team_slug(name), kind=kind, description=description
        )


def _free_team_slug(name: str) -> str:
    # Distinct names can share a slug ("Billing!", "Billing?"); number the later ones.
    base = slugify(name)[:90] or "team"
    slug, n = base, 1
    while Team.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def team_set_calendar(*, team: Team, calendar: Calendar | None) -> None:
    with transaction.atomic():
        team.calendar = calendar
        team.save(update_fields=["calendar"])


def team_add_member(*, team: Team, user: User) -> None:
    if not user.is_staff_member:
        raise ValidationFailed(f"{user.username} is not a staff member.", field="user")
    with transaction.atomic():
        team.members.add(user)


def team_remove_member(*, team: Team, user: User) -> None:
    with transaction.atomic():
        team.members.remove(user)


def api_token_issue(*, user: User, name: str) -> IssuedToken:
    name = name.strip()
    if not name:
        raise ValidationFailed("A token name is required.", field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:100], prefix=raw[:12], digest=token_digest(raw)
        )
    return IssuedToken(token=token, raw=raw)


def api_token_rotate(*, user: User, name: str) -> IssuedToken:
    """Revoke the user's live tokens of this name and issue a fresh one.

    ``concord serve`` prints a token at every start; rotating keeps one live
    token per purpose instead of a pile of forgotten ones.
    """
    with transaction.atomic():
        ApiToken.objects.filter(user=user, name=name.strip(), revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        return api_token_issue(user=user, name=name)


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_mark_used(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < _LAST_USED_RESOLUTION:
        return
    # A plain UPDATE: no read-modify-write race between concurrent requests.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def calendar_set_teams(*, calendar: Calendar, teams: list[Team]) -> None:
    """Exactly ``teams`` work by ``calendar``: they move to it, others on it fall back to none."""
    wanted = {team.pk for team in teams}
    with transaction.atomic():
        for team in Team.objects.select_for_update().filter(calendar=calendar):
            if team.pk not in wanted:
                team_set_calendar(team=team, calendar=None)
        for team in teams:
            if team.calendar_id != calendar.pk:
                team_set_calendar(team=team, calendar=calendar)
