"""The survey email: one link per score, sent once from a task.

Sent with Django's ``EmailMultiAlternatives`` rather than the email channel's
outbound queue: that queue's rows are replies and acknowledgements threaded
into a conversation (``OutboundEmail.kind`` has no survey kind, and a
relationship survey has no conversation), and adding a kind means changing
the channel's models. A survey that fails to send is marked failed, not retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from concord.surveys import selectors
from concord.surveys.models import EmailState, SurveyInvitation
from concord.surveys.tokens import make_token

logger = logging.getLogger("concord.surveys")


@dataclass(frozen=True)
class ScoreLink:
    score: int
    label: str
    url: str


def invitation_token(invitation: SurveyInvitation) -> str:
    return make_token(invitation_id=invitation.pk, expires_at=invitation.expires_at)


def answer_url(*, token: str, score: int) -> str:
    return settings.CONCORD_BASE_URL + reverse(
        "surveys:answer", kwargs={"token": token, "score": str(score)}
    )


def score_links(invitation: SurveyInvitation) -> list[ScoreLink]:
    token = invitation_token(invitation)
    scale = invitation.definition.scale
    scores = scale.scores
    if invitation.definition.kind == "gcr":
        scores = sorted(scores, reverse=True)  # "Yes" first
    return [ScoreLink(s, scale.label(s), answer_url(token=token, score=s)) for s in scores]


def survey_email_render(*, invitation: SurveyInvitation) -> tuple[str, str, str]:
    """(subject, text, html) of the survey email."""
    definition = invitation.definition
    context = {
        "definition": definition,
        "customer": invitation.customer,
        "conversation": invitation.conversation,
        "links": score_links(invitation),
        "scale": definition.scale,
        "expires_at": invitation.expires_at,
    }
    subject = " ".join(definition.subject.split())[:200] or definition.question
    text = render_to_string("surveys/email.txt", context)
    html = render_to_string("surveys/email.html", context)
    return subject, text, html


def survey_email_send(*, invitation_id: int) -> str:
    """Send one invitation's email; idempotent (only a queued one is claimed and sent)."""
    claimed = SurveyInvitation.objects.filter(
        pk=invitation_id, email_state=EmailState.QUEUED
    ).update(email_state=EmailState.SENDING)
    if not claimed:
        return "skipped"
    invitation = selectors.invitation_for_email(invitation_id=invitation_id)
    if invitation is None:
        return "skipped"
    subject, text, html = survey_email_render(invitation=invitation)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.to_address],
        # RFC 3834: an out-of-office robot must not answer a survey.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send(fail_silently=False)
    except Exception:
        logger.exception("The survey email for invitation %s could not be sent", invitation_id)
        state = EmailState.FAILED
    else:
        state = EmailState.SENT
    SurveyInvitation.objects.filter(pk=invitation_id).update(
        email_state=state, sent_at=timezone.now() if state == EmailState.SENT else None
    )
    return str(state)
