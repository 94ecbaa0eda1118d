"""API schemas for users and teams."""

from __future__ import annotations

from concord.api.schemas import Out, TeamRef, UserRef


class UserOut(Out):
    id: int
    username: str
    name: str
    email: str
    role: str
    teams: list[TeamRef]


class UserList(Out):
    items: list[UserOut]


class MeOut(UserOut):
    # The customer record behind a portal login; null for staff.
    customer_id: int | None


class TeamOut(Out):
    id: int
    name: str
    slug: str
    kind: str
    description: str
    members: list[UserRef]


class TeamList(Out):
    items: list[TeamOut]
