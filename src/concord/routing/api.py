"""API for agents' availability: agents set their own; supervisors and admins anyone's."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from concord.accounts.models import SEE_ALL_ROLES, User
from concord.accounts.selectors import user_get
from concord.api.auth import current_user
from concord.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, ErrorOut
from concord.common.errors import NotAllowed, NotFound
from concord.routing import selectors, services
from concord.routing.models import DEFAULT_CAPACITY, Availability
from concord.routing.schemas import AgentStatusIn, AgentStatusOut, AvailabilityIn

router = Router(tags=["routing"])


def _agent(request: HttpRequest) -> User:
    user = current_user(request)
    if user.role not in selectors.ASSIGNABLE_ROLES:
        raise NotAllowed("Only agents, supervisors and admins take conversations.")
    return user


def status_data(user: User) -> dict[str, Any]:
    row = selectors.agent_status(user=user)
    return {
        "user_id": user.pk,
        "username": user.username,
        "availability": row.availability if row else Availability.AWAY.value,
        "capacity": row.capacity if row else DEFAULT_CAPACITY,
        "load": selectors.agent_load(user=user),
        "changed_at": row.changed_at if row else None,
    }


@router.get("/routing/me", response={200: AgentStatusOut, 403: ErrorOut, **READ_ERRORS})
def my_status(request: HttpRequest) -> dict[str, Any]:
    """The caller's availability, capacity and current load."""
    return status_data(_agent(request))


@router.post("/routing/me/availability", response={200: AgentStatusOut, **WRITE_ERRORS})
def set_my_availability(request: HttpRequest, payload: AvailabilityIn) -> dict[str, Any]:
    """Go online (take new conversations, up to capacity) or away (take none)."""
    user = _agent(request)
    services.agent_set_availability(user=user, status=payload.availability)
    return status_data(user)


def _other(request: HttpRequest, user_id: int) -> User:
    actor = current_user(request)
    if actor.role not in SEE_ALL_ROLES:
        raise NotAllowed("Only supervisors and admins change other agents' routing.")
    user = user_get(actor=actor, user_id=user_id) if 0 < user_id <= MAX_ID else None
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    return user


@router.get(
    "/routing/agents/{user_id}", response={200: AgentStatusOut, 403: ErrorOut, **READ_ERRORS}
)
def agent_status(request: HttpRequest, user_id: int) -> dict[str, Any]:
    return status_data(_other(request, user_id))


@router.post("/routing/agents/{user_id}", response={200: AgentStatusOut, **WRITE_ERRORS})
def set_agent_status(request: HttpRequest, user_id: int, payload: AgentStatusIn) -> dict[str, Any]:
    """Set an agent's availability and/or capacity; an omitted field is kept."""
    user = _other(request, user_id)
    if payload.availability is not None:
        services.agent_set_availability(user=user, status=payload.availability)
    if payload.capacity is not None:
        services.agent_set_capacity(user=user, capacity=payload.capacity)
    return status_data(user)
