"""API for consults: ask from a conversation, the queue, answer or follow up, close.

Every consult is fetched through ``consult_get_for_user`` and every
conversation through the conversations' access rule, so what is not the
caller's is a 404 here as everywhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from concord.accounts.models import User
from concord.accounts.selectors import team_get, user_get
from concord.api.auth import current_user
from concord.api.schemas import READ_ERRORS, WRITE_ERRORS
from concord.collaboration.models import Consult, ConsultReply
from concord.collaboration.schemas import ConsultIn, ConsultOut, ConsultReplyIn, ConsultReplyOut
from concord.collaboration.selectors import (
    consult_get_for_user,
    consult_queue,
    consults_for_conversation,
)
from concord.collaboration.services import consult_close, consult_open, consult_reply
from concord.common.errors import NotFound
from concord.conversations.selectors import conversation_get_for_user

router = Router(tags=["consults"])


class QueueIn(Schema):
    show: Literal["open", "answered"] = "open"


def _user_ref(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "username": user.username}


def _reply_data(reply: ConsultReply) -> dict[str, Any]:
    return {
        "id": reply.pk,
        "author": _user_ref(reply.author),
        "author_email": reply.author_email,
        "body": reply.body,
        "created_at": reply.created_at,
    }


def consult_data(consult: Consult, *, now: datetime | None = None) -> dict[str, Any]:
    moment = now or timezone.now()
    return {
        "id": consult.pk,
        "conversation_id": consult.conversation_id,
        "team": None
        if consult.team is None
        else {"id": consult.team.pk, "name": consult.team.name},
        "user": _user_ref(consult.user),
        "email": consult.email,
        "asked_by": _user_ref(consult.asked_by),
        "question": consult.question,
        "status": consult.status,
        "created_at": consult.created_at,
        "due_at": consult.due_at,
        "warn_at": consult.warn_at,
        "first_answer_at": consult.first_answer_at,
        "closed_at": consult.closed_at,
        "warned_at": consult.warned_at,
        "breached_at": consult.breached_at,
        "overdue": consult.is_overdue(now=moment),
        "answered_late": consult.answered_late,
        "replies": [_reply_data(r) for r in consult.replies.all()],
    }


def _fresh(user: User, consult_id: int) -> dict[str, Any]:
    return consult_data(consult_get_for_user(user=user, consult_id=consult_id))


@router.get(
    "/conversations/{conversation_id}/consults",
    response={200: list[ConsultOut], **READ_ERRORS},
)
def list_conversation_consults(request: HttpRequest, conversation_id: int) -> list[dict[str, Any]]:
    """The conversation's consults with their threads, oldest first."""
    user = current_user(request)
    conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
    # Consults are internal: a customer reading their own conversation gets none.
    found = consults_for_conversation(user=user, conversation_id=conversation.pk)
    return [consult_data(c) for c in found]


@router.post(
    "/conversations/{conversation_id}/consults",
    response={201: ConsultOut, **WRITE_ERRORS},
)
def ask(request: HttpRequest, conversation_id: int, payload: ConsultIn) -> Status[dict[str, Any]]:
    """Ask a team or a person; the conversation keeps its owner."""
    user = current_user(request)
    conversation = conversation_get_for_user(
        user=user, conversation_id=conversation_id, to_work=True
    )
    team = None
    if payload.team_id is not None:
        team = team_get(actor=user, team_id=payload.team_id)
        if team is None:
            raise NotFound(f"Team {payload.team_id} not found.", field="team_id")
    asked = None
    if payload.user_id is not None:
        asked = user_get(actor=user, user_id=payload.user_id)
        if asked is None:
            raise NotFound(f"User {payload.user_id} not found.", field="user_id")
    consult = consult_open(
        conversation=conversation,
        actor=user,
        team=team,
        user=asked,
        email=payload.email,
        question=payload.question,
        due_at=payload.due_at,
        hold=payload.hold,
    )
    return Status(201, _fresh(user, consult.pk))


@router.get("/consults", response={200: list[ConsultOut], **READ_ERRORS})
def queue(request: HttpRequest, params: Query[QueueIn]) -> list[dict[str, Any]]:
    """Consults asking the caller or their teams, oldest first (``show=answered`` adds those)."""
    user = current_user(request)
    rows = consult_queue(user=user, include_answered=params.show == "answered")
    return [consult_data(c) for c in rows.prefetch_related("replies__author")[:500]]


@router.get("/consults/{consult_id}", response={200: ConsultOut, **READ_ERRORS})
def get_consult(request: HttpRequest, consult_id: int) -> dict[str, Any]:
    return _fresh(current_user(request), consult_id)


@router.post("/consults/{consult_id}/replies", response={201: ConsultReplyOut, **WRITE_ERRORS})
def reply(request: HttpRequest, consult_id: int, payload: ConsultReplyIn) -> Status[dict[str, Any]]:
    """An answer (from those asked) or a follow-up (from the conversation's owners)."""
    user = current_user(request)
    consult = consult_get_for_user(user=user, consult_id=consult_id)
    created = consult_reply(consult=consult, actor=user, body=payload.body)
    return Status(201, _reply_data(created))


@router.post("/consults/{consult_id}/close", response={200: ConsultOut, **WRITE_ERRORS})
def close(request: HttpRequest, consult_id: int) -> dict[str, Any]:
    user = current_user(request)
    consult = consult_get_for_user(user=user, consult_id=consult_id)
    consult_close(consult=consult, actor=user)
    return _fresh(user, consult_id)
