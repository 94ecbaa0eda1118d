"""Invitations made directly, for tests of answering (dispatch has its own tests)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from concord.accounts.models import User
from concord.conversations.models import Conversation
from concord.surveys.models import SurveyDefinition, SurveyInvitation
from concord.surveys.services.mail import invitation_token

_counter = [0]


def invite(
    *,
    definition: SurveyDefinition,
    conversation: Conversation,
    agent: User | None = None,
    expires_in: timedelta = timedelta(days=30),
) -> tuple[SurveyInvitation, str]:
    """An invitation about ``conversation`` and its token."""
    _counter[0] += 1
    now = timezone.now()
    invitation = SurveyInvitation.objects.create(
        definition=definition,
        dispatch_key=f"test:{_counter[0]}",
        customer=conversation.customer,
        conversation=conversation,
        agent=agent if agent is not None else conversation.assignee,
        team=conversation.team,
        channel=conversation.channel,
        to_address="dana@customer.test",
        created_at=now,
        expires_at=now + expires_in,
    )
    return invitation, invitation_token(invitation)
