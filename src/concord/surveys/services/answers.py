"""Recording a customer's answer from a survey link, and acting on a bad one at once."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from concord.accounts.models import User
from concord.automations.context import is_suppressed
from concord.common.errors import ValidationFailed
from concord.conversations.models import Status
from concord.conversations.services import conversation_record_survey_answer
from concord.surveys import selectors
from concord.surveys.models import (
    SurveyDefinition,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
    SurveySettings,
)
from concord.surveys.tokens import read_token

logger = logging.getLogger("concord.surveys")

MAX_COMMENT = 5000


class SurveyLinkInvalid(ValidationFailed):
    """A token that is forged, truncated, or names no invitation."""

    def __init__(self, message: str = "This survey link is not valid.") -> None:
        super().__init__(message, field="token")


class SurveyLinkExpired(SurveyLinkInvalid):
    def __init__(self) -> None:
        super().__init__("This survey link has expired.")


def invitation_from_token(*, token: str, now: datetime | None = None) -> SurveyInvitation:
    data = read_token(token)
    if data is None:
        raise SurveyLinkInvalid()
    invitation = selectors.invitation_for_answer(invitation_id=data.invitation_id)
    if invitation is None:
        raise SurveyLinkInvalid()
    moment = now or timezone.now()
    if moment.timestamp() > data.expires_at or moment > invitation.expires_at:
        raise SurveyLinkExpired()
    return invitation


def check_score(*, definition: SurveyDefinition, score: Any, field: str = "score") -> int:
    """The score if it is an integer on the definition's scale; ValidationFailed otherwise."""
    scale = definition.scale
    if type(score) is not int:
        raise ValidationFailed("The score must be a whole number.", field=field)
    if not scale.low <= score <= scale.high:
        raise ValidationFailed(f"The score must be from {scale.low} to {scale.high}.", field=field)
    return score


def _clean_comment(comment: str | None) -> str | None:
    if comment is None:
        return None
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(
            f"The comment is longer than {MAX_COMMENT} characters.", field="comment"
        )
    return comment


def _check_second(definition: SurveyDefinition, score_2: Any) -> int | None:
    if score_2 is None:
        return None
    if definition.kind != SurveyKind.VES:
        raise ValidationFailed("Only a VES survey has a second score.", field="score_2")
    return check_score(definition=definition, score=score_2, field="score_2")


def survey_answer(
    *,
    token: str,
    score: Any,
    score_2: Any = None,
    comment: str | None = None,
    now: datetime | None = None,
) -> SurveyResponse:
    """Record (or change) the answer to the invitation the token names.

    Answering again updates the one response, so a second click never counts
    twice. Nothing is stored unless every part of the answer is valid.
    """
    moment = now or timezone.now()
    invitation = invitation_from_token(token=token, now=moment)
    definition = invitation.definition
    score = check_score(definition=definition, score=score)
    second = _check_second(definition, score_2)
    text = _clean_comment(comment)
    with transaction.atomic():
        # Serialises two clicks on the same link: the second one sees the first's row.
        SurveyInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
        response = SurveyResponse.objects.filter(invitation=invitation).first()
        changed = response is None or response.score != score
        if response is None:
            response = SurveyResponse.objects.create(
                invitation=invitation,
                definition=definition,
                kind=definition.kind,
                customer_id=invitation.customer_id,
                conversation_id=invitation.conversation_id,
                agent_id=invitation.agent_id,
                team_id=invitation.team_id,
                channel=invitation.channel,
                score=score,
                score_2=second,
                comment=text or "",
                answered_at=moment,
                updated_at=moment,
            )
        else:
            response.score = score
            response.updated_at = moment
            fields = ["score", "updated_at"]
            if second is not None:
                response.score_2 = second
                fields.append("score_2")
            if text is not None:
                response.comment = text
                fields.append("comment")
            response.save(update_fields=fields)
        if changed and response.conversation is not None:
            # On the conversation's log, so triggers ("survey answered") and the
            # timeline see it; a second click with the same score adds nothing.
            conversation_record_survey_answer(
                conversation=response.conversation, kind=response.kind, score=score, at=moment
            )
        if not is_suppressed():
            # Imported answers are history: no alerts or reopenings for them now.
            _act_on(response=response, invitation=invitation, now=moment)
    return response


def survey_comment(
    *, token: str, comment: str, score_2: Any = None, now: datetime | None = None
) -> SurveyResponse:
    """Add the open comment (and a VES survey's second score) to an answer already given."""
    moment = now or timezone.now()
    invitation = invitation_from_token(token=token, now=moment)
    second = _check_second(invitation.definition, score_2)
    text = _clean_comment(comment) or ""
    with transaction.atomic():
        response = SurveyResponse.objects.select_for_update().filter(invitation=invitation).first()
        if response is None:
            raise ValidationFailed("Choose a score before adding a comment.", field="score")
        response.comment = text
        response.updated_at = moment
        fields = ["comment", "updated_at"]
        if second is not None:
            response.score_2 = second
            fields.append("score_2")
        response.save(update_fields=fields)
    return response


def _act_on(*, response: SurveyResponse, invitation: SurveyInvitation, now: datetime) -> None:
    """Alerts for a bad answer; each at most once per response (dedupe keys, followed_up_at)."""
    config = selectors.survey_settings()
    if response.kind == SurveyKind.CES and response.score <= config.ces_alert_at_or_below:
        _alert_agent(response=response, invitation=invitation, now=now)
    elif response.kind == SurveyKind.NPS and response.score <= config.nps_detractor_at_or_below:
        _alert_account_owner(response=response, invitation=invitation, config=config, now=now)
    elif (
        response.kind == SurveyKind.CSAT
        and response.score <= config.csat_low_at_or_below
        and config.csat_low_reopens
    ):
        _reopen(response=response, invitation=invitation, now=now)


def _alert_agent(*, response: SurveyResponse, invitation: SurveyInvitation, now: datetime) -> None:
    from concord.notifications.services import notification_send

    conversation = invitation.conversation
    agent = invitation.agent or (conversation.assignee if conversation else None)
    if agent is None or not agent.is_active:
        logger.info("Low CES on response %s: no agent to notify.", response.pk)
        return
    about = f" on #{conversation.pk} {conversation.subject}" if conversation else ""
    notification_send(
        recipients=[agent],
        title=f"Low effort score ({response.score}/7){about}",
        body=(
            f"{invitation.customer} found getting help hard. Reach out to recover the "
            f"experience.\n\nComment: {response.comment or '(none yet)'}"
        ),
        conversation=conversation,
        dedupe_key=f"survey:{response.pk}:ces-low",
        now=now,
    )


def _alert_account_owner(
    *,
    response: SurveyResponse,
    invitation: SurveyInvitation,
    config: SurveySettings,
    now: datetime,
) -> None:
    from concord.notifications.services import notification_send

    organization = invitation.customer.organization
    if organization is None or organization.tier not in (config.key_account_tiers or []):
        return
    owner: User | None = organization.account_owner
    if owner is None or not owner.is_active:
        logger.info("NPS detractor at %s: the account has no owner to notify.", organization)
        return
    notification_send(
        recipients=[owner],
        title=f"NPS detractor at {organization.name}: {response.score}/10",
        body=(
            f"{invitation.customer} of {organization.name} ({organization.get_tier_display()}) "
            f"answered {response.score} to “{invitation.definition.question}”."
        ),
        conversation=invitation.conversation,
        dedupe_key=f"survey:{response.pk}:nps-detractor",
        now=now,
    )


def _reopen(*, response: SurveyResponse, invitation: SurveyInvitation, now: datetime) -> None:
    from concord.accounts.services import system_user_get
    from concord.conversations.services import conversation_set_status

    conversation = invitation.conversation
    if conversation is None or response.followed_up_at is not None:
        return
    conversation.refresh_from_db(fields=["status", "merged_into"])
    if conversation.status != Status.SOLVED or conversation.merged_into_id is not None:
        return  # already reopened by the customer, or closed (locked)
    conversation_set_status(
        conversation=conversation, actor=system_user_get(), status=Status.OPEN, at=now
    )
    response.followed_up_at = now
    response.save(update_fields=["followed_up_at"])
