"""Deciding who gets which survey, and creating the invitation that carries it.

Every path is idempotent: an invitation's ``dispatch_key`` is unique, so a
task that runs twice, or two workers at once, send one survey.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from concord.automations.context import is_suppressed
from concord.conversations.models import Channel, Conversation, EventKind, Status
from concord.conversations.selectors.facts import conversation_with_context
from concord.customers.models import Customer, IdentityKind
from concord.customers.selectors import customer_email_identity, identity_undeliverable_since
from concord.surveys import selectors
from concord.surveys.models import DispatchRule, EmailState, SurveyInvitation, Trigger

logger = logging.getLogger("concord.surveys")

# A relationship run creates at most this many invitations per rule; the next run goes on.
RELATIONSHIP_BATCH = 500


def survey_on_conversation_change(*, conversation_id: int, event_kinds: set[str]) -> None:
    """The automation pipeline's hook: a conversation that became solved may get a survey."""
    if EventKind.STATUS_CHANGED in event_kinds:
        survey_dispatch_for_conversation(conversation_id=conversation_id)


def _triggers_for(conversation: Conversation) -> list[str]:
    # A chat is over when it is solved: its transcript is the conversation.
    if conversation.channel == Channel.CHAT:
        return [Trigger.SOLVED, Trigger.CHAT_ENDED]
    return [Trigger.SOLVED]


def survey_dispatch_for_conversation(
    *, conversation_id: int, now: datetime | None = None
) -> list[SurveyInvitation]:
    """Invite the customer of a solved conversation to the surveys its rules name.

    Rules are taken in their position order; the per-customer cool-down counts
    any survey, so one solve sends at most one survey when the cool-down is set.
    Returns the invitations created (none when excluded, cooling down, or done).
    """
    moment = now or timezone.now()
    conversation = conversation_with_context(conversation_id=conversation_id)
    if conversation is None or conversation.status not in (Status.SOLVED, Status.CLOSED):
        return []
    rules = [
        rule
        for rule in selectors.rules_for_triggers(triggers=_triggers_for(conversation))
        if rule.applies_to(conversation.channel)
    ]
    if not rules:
        return []
    excluded = selectors.dispatch_exclusion(conversation=conversation)
    if excluded is not None:
        logger.info("No survey for conversation %s: %s.", conversation.pk, excluded)
        return []
    created: list[SurveyInvitation] = []
    for rule in rules:
        invitation = _invite(
            rule=rule,
            customer=conversation.customer,
            conversation=conversation,
            dispatch_key=f"c{conversation.pk}:d{rule.definition_id}",
            now=moment,
        )
        if invitation is not None:
            created.append(invitation)
    return created


def survey_dispatch_relationship_nps(*, now: datetime) -> int:
    """The periodic relationship survey: each active customer once every N days at most."""
    sent = 0
    for rule in selectors.relationship_rules():
        period = timedelta(days=rule.every_days)
        since = now - max(period, timedelta(days=rule.cooldown_days))
        bucket = int(now.timestamp() // period.total_seconds())
        for customer_id in selectors.relationship_candidates(
            rule=rule, surveyed_since=since, limit=RELATIONSHIP_BATCH
        ):
            customer = Customer.objects.get(pk=customer_id)
            invitation = _invite(
                rule=rule,
                customer=customer,
                conversation=None,
                dispatch_key=f"r{rule.definition_id}:u{customer_id}:p{bucket}",
                now=now,
            )
            sent += invitation is not None
    return sent


def _email_address(customer: Customer) -> str | None:
    identity = customer_email_identity(customer_id=customer.pk)
    if identity is None:
        return None
    if identity_undeliverable_since(kind=IdentityKind.EMAIL, normalized=identity.normalized):
        return None
    return identity.value


def _invite(
    *,
    rule: DispatchRule,
    customer: Customer,
    conversation: Conversation | None,
    dispatch_key: str,
    now: datetime,
) -> SurveyInvitation | None:
    if selectors.invitation_exists(dispatch_key=dispatch_key):
        return None
    if rule.cooldown_days and selectors.customer_surveyed_since(
        customer_id=customer.pk, since=now - timedelta(days=rule.cooldown_days)
    ):
        logger.info("No survey for customer %s: surveyed within the cool-down.", customer.pk)
        return None
    address = _email_address(customer)
    if address is None:
        # Email is the only way a survey reaches a customer for now.
        logger.info("No survey for customer %s: no deliverable email address.", customer.pk)
        return None
    valid_days = selectors.survey_settings().link_valid_days
    try:
        with transaction.atomic():
            invitation = SurveyInvitation.objects.create(
                definition=rule.definition,
                rule=rule,
                dispatch_key=dispatch_key,
                customer=customer,
                conversation=conversation,
                agent=conversation.assignee if conversation else None,
                team=conversation.team if conversation else None,
                channel=conversation.channel if conversation else Channel.EMAIL,
                to_address=address,
                created_at=now,
                expires_at=now + timedelta(days=valid_days),
            )
    except IntegrityError:
        return None  # a concurrent dispatch created it
    if is_suppressed():
        # Imported history (demo data, a migration): the survey went out long
        # ago, so it is recorded as sent and no email leaves now.
        invitation.email_state = EmailState.SENT
        invitation.sent_at = now
        invitation.save(update_fields=["email_state", "sent_at"])
        return invitation
    _enqueue_email_on_commit(invitation.pk)
    return invitation


def _enqueue_email_on_commit(invitation_id: int) -> None:
    from concord.surveys.tasks import send_survey_email

    transaction.on_commit(lambda: send_survey_email.enqueue(invitation_id=invitation_id))
