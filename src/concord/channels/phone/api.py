"""API for call records: a telephony system posts them; staff read them.

Posting is for admins and for a dedicated integration user holding the
``phone.record_calls`` permission. Reading follows the conversations' rule:
a call the caller may not see answers 404, like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from concord.accounts.models import Role, Team, User
from concord.accounts.selectors import team_get, user_get
from concord.api.auth import current_user
from concord.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, ErrorOut
from concord.channels.phone import selectors, services
from concord.channels.phone.models import CallRecord
from concord.channels.phone.schemas import CallDetail, CallFiltersIn, CallIn, CallOut
from concord.common.errors import NotAllowed, NotFound, ValidationFailed
from concord.conversations.selectors import conversation_user_works

router = Router(tags=["calls"])

RECORD_PERMISSION = "phone.record_calls"


def call_data(call: CallRecord) -> dict[str, Any]:
    """A call as the API shows it. Reads only what select_related loaded."""
    customer, agent, team = call.customer, call.agent, call.team
    return {
        "id": call.pk,
        "external_id": call.external_id,
        "direction": call.direction,
        "customer": {"id": customer.pk, "name": customer.name},
        "customer_phone": call.customer_phone,
        "customer_phone_normalized": call.customer_phone_normalized,
        "conversation_id": call.conversation_id,
        "queued_at": call.queued_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
        "wait_seconds": call.wait_seconds,
        "talk_seconds": call.talk_seconds,
        "hold_seconds": call.hold_seconds,
        "wrap_up_seconds": call.wrap_up_seconds,
        "handle_seconds": call.handle_seconds,
        "abandoned": call.abandoned,
        "agent": None if agent is None else {"id": agent.pk, "username": agent.username},
        "team": None if team is None else {"id": team.pk, "name": team.name},
        "summary": call.summary,
        "recording_url": call.recording_url,
        "created_at": call.created_at,
        "updated_at": call.updated_at,
    }


def _recorder(request: HttpRequest) -> User:
    user = current_user(request)
    if user.role != Role.ADMIN and not user.has_perm(RECORD_PERMISSION):
        raise NotAllowed("Only admins and the telephony integration post call records.")
    return user


def _agent(actor: User, agent_id: int) -> User:
    found = user_get(actor=actor, user_id=agent_id)
    if found is None:
        raise ValidationFailed(f"There is no active staff user {agent_id}.", field="agent_id")
    return found


def _team(actor: User, team_id: int) -> Team:
    found = team_get(actor=actor, team_id=team_id)
    if found is None:
        raise ValidationFailed(f"There is no team {team_id}.", field="team_id")
    return found


@router.post("/calls", response={200: CallOut, 201: CallOut, **WRITE_ERRORS})
def post_call(request: HttpRequest, payload: CallIn) -> Status[dict[str, Any]]:
    """Record a call. Sending the same external_id again answers 200: unchanged if the
    facts are the same, updated (and the change logged) if they differ."""
    user = _recorder(request)
    result = services.call_record_upsert(
        external_id=payload.external_id,
        direction=payload.direction,
        customer_phone=payload.customer_phone,
        customer_name=payload.customer_name,
        queued_at=payload.queued_at,
        answered_at=payload.answered_at,
        ended_at=payload.ended_at,
        talk_seconds=payload.talk_seconds,
        hold_seconds=payload.hold_seconds,
        wrap_up_seconds=payload.wrap_up_seconds,
        abandoned=payload.abandoned,
        agent=None if payload.agent_id is None else _agent(user, payload.agent_id),
        team=None if payload.team_id is None else _team(user, payload.team_id),
        conversation_id=payload.conversation_id,
        summary=payload.summary,
        recording_url=payload.recording_url,
        follow_up=payload.follow_up,
        actor=user,
    )
    return Status(201 if result.created else 200, call_data(result.call))


@router.get("/calls", response={200: list[CallOut], 403: ErrorOut, **READ_ERRORS})
def list_calls(request: HttpRequest, params: Query[CallFiltersIn]) -> list[dict[str, Any]]:
    """Calls of conversations the caller may see, newest first."""
    user = current_user(request)
    if not conversation_user_works(user=user):
        raise NotAllowed("Only agents, supervisors and admins read call records.")
    filters = selectors.CallFilters(
        customer_id=params.customer, agent_id=params.agent, since=params.since
    )
    rows = selectors.call_list(user=user, filters=filters, limit=params.limit, offset=params.offset)
    return [call_data(call) for call in rows]


@router.get("/calls/{call_id}", response={200: CallDetail, **READ_ERRORS})
def get_call(request: HttpRequest, call_id: int) -> dict[str, Any]:
    user = current_user(request)
    if not 0 < call_id <= MAX_ID:  # a larger id would overflow the database driver
        raise NotFound(f"Call {call_id} not found.")
    call = selectors.call_get_for_user(user=user, call_id=call_id)
    changes = [
        {
            "changed_at": change.changed_at,
            "actor": None
            if change.actor is None
            else {"id": change.actor.pk, "username": change.actor.username},
            "fields": change.fields,
        }
        for change in selectors.call_changes(call=call)
    ]
    return {**call_data(call), "changes": changes}
