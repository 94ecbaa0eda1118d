"""API for surveys: definitions and dispatch rules (admins), responses (staff), answers
(portal and widget), and invitations and imported answers (integrations)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Status

from concord.accounts.models import Role, User
from concord.api.auth import current_user
from concord.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, ErrorOut
from concord.common.errors import NotAllowed, NotFound
from concord.conversations.models import Conversation
from concord.conversations.selectors import conversation_get_for_user
from concord.customers.models import Customer
from concord.customers.selectors import customer_get_for_user
from concord.surveys import selectors, services
from concord.surveys.models import (
    DispatchRule,
    SurveyDefinition,
    SurveyInvitation,
    SurveyResponse,
)
from concord.surveys.schemas import (
    AnswerIn,
    AnswerOut,
    DefinitionIn,
    DefinitionOut,
    DispatchRuleIn,
    DispatchRuleOut,
    DispatchRulePatchIn,
    InvitationIn,
    InvitationOut,
    ResponseFiltersIn,
    ResponseImportIn,
    ResponseOut,
)

router = Router(tags=["surveys"])

_RESPONSE_READERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT})


def _admin(request: HttpRequest) -> User:
    user = current_user(request)
    if not selectors.survey_setup_allowed(user=user):
        raise NotAllowed("Only admins manage survey definitions and dispatch rules.")
    return user


def _integration(request: HttpRequest) -> User:
    user = current_user(request)
    if not selectors.survey_integration_allowed(user=user):
        raise NotAllowed(
            "Only admins and holders of the surveys.add_surveyinvitation permission "
            "create invitations and import answers."
        )
    return user


def _definition(definition_id: int) -> SurveyDefinition:
    found = selectors.definition_get(definition_id=definition_id)
    if found is None:
        raise NotFound(f"Survey definition {definition_id} not found.", field="definition_id")
    return found


def _customer(user: User, customer_id: int) -> Customer:
    found = customer_get_for_user(user=user, customer_id=customer_id)
    if found is None:
        raise NotFound(f"Customer {customer_id} not found.", field="customer_id")
    return found


def _conversation(user: User, conversation_id: int | None) -> Conversation | None:
    if conversation_id is None:
        return None
    try:
        return conversation_get_for_user(user=user, conversation_id=conversation_id)
    except NotFound:
        raise NotFound(
            f"Conversation {conversation_id} not found.", field="conversation_id"
        ) from None


def _rule(rule_id: int) -> DispatchRule:
    found = selectors.dispatch_rule_get(rule_id=rule_id) if 0 < rule_id <= MAX_ID else None
    if found is None:
        raise NotFound(f"Dispatch rule {rule_id} not found.")
    return found


def rule_data(rule: DispatchRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "definition_id": rule.definition_id,
        "definition_name": rule.definition.name,
        "trigger": rule.trigger,
        "channels": list(rule.channels or []),
        "cooldown_days": rule.cooldown_days,
        "every_days": rule.every_days,
        "position": rule.position,
        "is_active": rule.is_active,
    }


def invitation_data(invitation: SurveyInvitation, token: str) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "definition_id": invitation.definition_id,
        "customer_id": invitation.customer_id,
        "conversation_id": invitation.conversation_id,
        "channel": invitation.channel,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "token": token,
        "link": settings.CONCORD_BASE_URL + reverse("surveys:start", kwargs={"token": token}),
    }


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


@router.post("/surveys/responses", response={201: ResponseOut, **WRITE_ERRORS})
def import_response(request: HttpRequest, payload: ResponseImportIn) -> Status[dict[str, Any]]:
    """Import an answer given in the past, at its own ``answered_at``; no alerts follow."""
    user = _integration(request)
    definition = _definition(payload.definition_id)
    customer = _customer(user, payload.customer_id)
    response = services.survey_response_import(
        definition=definition,
        customer=customer,
        conversation=_conversation(user, payload.conversation_id),
        score=payload.score,
        score_2=payload.score_2,
        comment=payload.comment,
        answered_at=payload.answered_at,
    )
    return Status(201, response_data(response))


@router.post("/surveys/invitations", response={201: InvitationOut, **WRITE_ERRORS})
def create_invitation(request: HttpRequest, payload: InvitationIn) -> Status[dict[str, Any]]:
    """An invitation whose link the caller delivers; answered through the link or
    ``POST /surveys/answers`` with the token. No email is sent."""
    user = _integration(request)
    definition = _definition(payload.definition_id)
    customer = _customer(user, payload.customer_id)
    invitation, token = services.survey_invitation_create(
        definition=definition,
        customer=customer,
        conversation=_conversation(user, payload.conversation_id),
    )
    return Status(201, invitation_data(invitation, token))


@router.get("/surveys/rules", response={200: list[DispatchRuleOut], 403: ErrorOut, **READ_ERRORS})
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    """Dispatch rules in the order they apply."""
    _admin(request)
    return [rule_data(rule) for rule in selectors.dispatch_rule_list()]


@router.post("/surveys/rules", response={201: DispatchRuleOut, **WRITE_ERRORS})
def create_rule(request: HttpRequest, payload: DispatchRuleIn) -> Status[dict[str, Any]]:
    _admin(request)
    rule = services.dispatch_rule_create(
        definition=_definition(payload.definition_id),
        trigger=payload.trigger,
        channels=[str(channel) for channel in payload.channels],
        cooldown_days=payload.cooldown_days,
        every_days=payload.every_days,
        position=payload.position,
        is_active=payload.is_active,
    )
    return Status(201, rule_data(_rule(rule.pk)))


@router.get(
    "/surveys/rules/{rule_id}", response={200: DispatchRuleOut, 403: ErrorOut, **READ_ERRORS}
)
def get_rule(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    _admin(request)
    return rule_data(_rule(rule_id))


@router.patch("/surveys/rules/{rule_id}", response={200: DispatchRuleOut, **WRITE_ERRORS})
def update_rule(request: HttpRequest, rule_id: int, payload: DispatchRulePatchIn) -> dict[str, Any]:
    """Change the fields sent."""
    _admin(request)
    rule = _rule(rule_id)
    services.dispatch_rule_update(
        rule=rule,
        definition=None if payload.definition_id is None else _definition(payload.definition_id),
        trigger=payload.trigger,
        channels=None if payload.channels is None else [str(c) for c in payload.channels],
        cooldown_days=payload.cooldown_days,
        every_days=payload.every_days,
        position=payload.position,
        is_active=payload.is_active,
    )
    return rule_data(_rule(rule_id))


@router.delete("/surveys/rules/{rule_id}", response={204: None, **WRITE_ERRORS})
def delete_rule(request: HttpRequest, rule_id: int) -> Status[None]:
    """Remove the rule; invitations it sent stay."""
    _admin(request)
    services.dispatch_rule_delete(rule=_rule(rule_id))
    return Status(204, None)


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
