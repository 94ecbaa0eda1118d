"""API for surveys: definitions (admins), responses (staff), and answers (portal and widget)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from concord.accounts.models import Role, User
from concord.api.auth import current_user
from concord.api.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut
from concord.common.errors import NotAllowed
from concord.surveys import selectors, services
from concord.surveys.models import SurveyDefinition, SurveyResponse
from concord.surveys.schemas import (
    AnswerIn,
    AnswerOut,
    DefinitionIn,
    DefinitionOut,
    ResponseFiltersIn,
    ResponseOut,
)

router = Router(tags=["surveys"])

_RESPONSE_READERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT})


def _admin(request: HttpRequest) -> User:
    user = current_user(request)
    if user.role != Role.ADMIN:
        raise NotAllowed("Only admins manage survey definitions.")
    return user


def definition_data(definition: SurveyDefinition) -> dict[str, Any]:
    scale = definition.scale
    return {
        "id": definition.pk,
        "name": definition.name,
        "kind": definition.kind,
        "language": definition.language,
        "subject": definition.subject,
        "question": definition.question,
        "question_2": definition.question_2,
        "low_label": definition.low_label,
        "high_label": definition.high_label,
        "comment_prompt": definition.comment_prompt,
        "is_active": definition.is_active,
        "scale_low": scale.low,
        "scale_high": scale.high,
    }


def response_data(response: SurveyResponse) -> dict[str, Any]:
    return {
        "id": response.pk,
        "definition_id": response.definition_id,
        "kind": response.kind,
        "score": response.score,
        "score_2": response.score_2,
        "comment": response.comment,
        "conversation_id": response.conversation_id,
        "customer_id": response.customer_id,
        "agent_id": response.agent_id,
        "team_id": response.team_id,
        "channel": response.channel,
        "answered_at": response.answered_at,
        "updated_at": response.updated_at,
    }


@router.get(
    "/surveys/definitions", response={200: list[DefinitionOut], 403: ErrorOut, **READ_ERRORS}
)
def list_definitions(request: HttpRequest) -> list[dict[str, Any]]:
    _admin(request)
    return [definition_data(d) for d in selectors.definition_list()]


@router.post("/surveys/definitions", response={201: DefinitionOut, **WRITE_ERRORS})
def create_definition(request: HttpRequest, payload: DefinitionIn) -> Status[dict[str, Any]]:
    _admin(request)
    definition = services.survey_definition_create(**payload.model_dump())
    return Status(201, definition_data(definition))


@router.get("/surveys/responses", response={200: list[ResponseOut], 403: ErrorOut, **READ_ERRORS})
def list_responses(request: HttpRequest, params: Query[ResponseFiltersIn]) -> list[dict[str, Any]]:
    """Answers about conversations the caller may see, newest first; filter by any cut."""
    user = current_user(request)
    if user.role not in _RESPONSE_READERS:
        raise NotAllowed("Only agents, supervisors and admins read survey answers.")
    filters = selectors.ResponseFilters(
        conversation=params.conversation,
        customer=params.customer,
        agent=params.agent,
        team=params.team,
        channel=params.channel,
        kind=params.kind,
    )
    rows = selectors.response_list(
        user=user, filters=filters, limit=params.limit, offset=params.offset
    )
    return [response_data(r) for r in rows]


@router.post("/surveys/answers", auth=None, response={200: AnswerOut, **WRITE_ERRORS})
def post_answer(request: HttpRequest, payload: AnswerIn) -> dict[str, Any]:
    """Record an answer with the token from a survey link; no account needed.

    Posting again with the same token updates the answer.
    """
    response = services.survey_answer(
        token=payload.token,
        score=payload.score,
        score_2=payload.score_2,
        comment=payload.comment,
    )
    return {
        "id": response.pk,
        "kind": response.kind,
        "score": response.score,
        "score_2": response.score_2,
        "comment": response.comment,
        "answered_at": response.answered_at,
        "updated_at": response.updated_at,
    }
