"""Read-only API for the staff directory: users, teams, and the caller."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from concord.accounts import selectors
from concord.accounts.models import Team, User
from concord.accounts.schemas import MeOut, TeamList, TeamOut, UserList, UserOut
from concord.api.auth import current_user
from concord.api.schemas import READ_ERRORS, ErrorOut
from concord.common.errors import NotAllowed, NotFound
from concord.customers.selectors import customer_for_user

router = Router(tags=["users and teams"])


def _staff(request: HttpRequest) -> User:
    user = current_user(request)
    if not user.is_staff_member:
        raise NotAllowed("The staff directory is for staff only.")
    return user


def user_data(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.get_full_name(),
        "email": user.email,
        "role": user.role,
        # .all() reads the prefetched teams: no query per user.
        "teams": [{"id": t.pk, "name": t.name} for t in user.teams.all()],
    }


def team_data(team: Team) -> dict[str, Any]:
    return {
        "id": team.pk,
        "name": team.name,
        "slug": team.slug,
        "kind": team.kind,
        "description": team.description,
        "members": [{"id": u.pk, "username": u.username} for u in team.members.all()],
    }


@router.get("/me", response={200: MeOut, **READ_ERRORS})
def me(request: HttpRequest) -> dict[str, Any]:
    """The user the token belongs to."""
    user = current_user(request)
    customer = customer_for_user(user=user)
    return {**user_data(user), "customer_id": customer.pk if customer else None}


@router.get("/users", response={200: UserList, 403: ErrorOut, **READ_ERRORS})
def list_users(request: HttpRequest) -> dict[str, Any]:
    """Active staff users with their teams, by username."""
    actor = _staff(request)
    return {"items": [user_data(u) for u in selectors.user_list(actor=actor)]}


@router.get("/users/{user_id}", response={200: UserOut, 403: ErrorOut, **READ_ERRORS})
def get_user(request: HttpRequest, user_id: int) -> dict[str, Any]:
    actor = _staff(request)
    user = selectors.user_get(actor=actor, user_id=user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    return user_data(user)


@router.get("/teams", response={200: TeamList, 403: ErrorOut, **READ_ERRORS})
def list_teams(request: HttpRequest) -> dict[str, Any]:
    """Teams and departments with their members, by name."""
    actor = _staff(request)
    return {"items": [team_data(t) for t in selectors.team_list(actor=actor)]}


@router.get("/teams/{team_id}", response={200: TeamOut, 403: ErrorOut, **READ_ERRORS})
def get_team(request: HttpRequest, team_id: int) -> dict[str, Any]:
    actor = _staff(request)
    team = selectors.team_get(actor=actor, team_id=team_id)
    if team is None:
        raise NotFound(f"Team {team_id} not found.")
    return team_data(team)
