"""Surveys from outside: an invitation whose link an integration delivers, and imported answers."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from concord.automations.context import suppressed
from concord.common.errors import ValidationFailed
from concord.conversations.models import Channel, Conversation
from concord.customers.models import Customer
from concord.surveys import selectors
from concord.surveys.models import EmailState, SurveyDefinition, SurveyInvitation, SurveyResponse
from concord.surveys.services.answers import check_score, survey_answer
from concord.surveys.services.mail import invitation_token


def _check_conversation(customer: Customer, conversation: Conversation | None) -> None:
    if conversation is not None and conversation.customer_id != customer.pk:
        raise ValidationFailed(
            f"Conversation {conversation.pk} is not with customer {customer.pk}.",
            field="conversation_id",
        )


def _create(
    *,
    definition: SurveyDefinition,
    customer: Customer,
    conversation: Conversation | None,
    at: datetime,
    key: str,
) -> SurveyInvitation:
    valid_days = selectors.survey_settings().link_valid_days
    return SurveyInvitation.objects.create(
        definition=definition,
        dispatch_key=f"{key}:{uuid.uuid4().hex}",
        customer=customer,
        conversation=conversation,
        agent=conversation.assignee if conversation else None,
        team=conversation.team if conversation else None,
        channel=conversation.channel if conversation else Channel.EMAIL,
        to_address="",
        # The integration delivers the link (or delivered it long ago): no email from here.
        email_state=EmailState.SENT,
        created_at=at,
        sent_at=at,
        expires_at=at + timedelta(days=valid_days),
    )


def survey_invitation_create(
    *,
    definition: SurveyDefinition,
    customer: Customer,
    conversation: Conversation | None = None,
    now: datetime | None = None,
) -> tuple[SurveyInvitation, str]:
    """An invitation an integration sends itself (SMS, chat, its own email); returns its token.

    The answer comes back through the link or ``POST /surveys/answers`` with the
    token, like an emailed one; the cool-down counts it.
    """
    _check_conversation(customer, conversation)
    moment = now or timezone.now()
    with transaction.atomic():
        invitation = _create(
            definition=definition,
            customer=customer,
            conversation=conversation,
            at=moment,
            key="api",
        )
    return invitation, invitation_token(invitation)


def survey_response_import(
    *,
    definition: SurveyDefinition,
    customer: Customer,
    conversation: Conversation | None = None,
    score: int,
    score_2: int | None = None,
    comment: str | None = None,
    answered_at: datetime,
    now: datetime | None = None,
) -> SurveyResponse:
    """Record an answer given in the past (another survey tool's history) at its own time.

    Checked like a live answer (the definition's scale, VES's second score);
    ``answered_at`` carries a time zone and is not in the future. No alert,
    reopening or email follows: it is history.
    """
    moment = now or timezone.now()
    if timezone.is_naive(answered_at):
        raise ValidationFailed("Times must carry a time zone.", field="answered_at")
    if answered_at > moment:
        raise ValidationFailed("answered_at cannot be in the future.", field="answered_at")
    _check_conversation(customer, conversation)
    check_score(definition=definition, score=score)
    with transaction.atomic(), suppressed():
        invitation = _create(
            definition=definition,
            customer=customer,
            conversation=conversation,
            at=answered_at,
            key="import",
        )
        return survey_answer(
            token=invitation_token(invitation),
            score=score,
            score_2=score_2,
            comment=comment,
            now=answered_at,
        )
