"""Reads for surveys: settings, rules, the facts dispatch decides on, responses for staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from concord.accounts.models import SEE_ALL_ROLES, Role, User
from concord.accounts.services import SYSTEM_USERNAME
from concord.conversations.models import Conversation, Direction, Message, Visibility
from concord.conversations.selectors.access import conversation_visible_to
from concord.surveys.models import (
    DispatchRule,
    SurveyDefinition,
    SurveyInvitation,
    SurveyResponse,
    SurveySettings,
    Trigger,
)

SPAM_TAG = "spam"


def survey_settings() -> SurveySettings:
    """The settings row; defaults (unsaved) until an admin saves one."""
    return SurveySettings.objects.filter(pk=1).first() or SurveySettings(pk=1)


def rules_for_triggers(*, triggers: list[str]) -> list[DispatchRule]:
    return list(
        DispatchRule.objects.filter(
            is_active=True, definition__is_active=True, trigger__in=triggers
        ).select_related("definition")
    )


def relationship_rules() -> list[DispatchRule]:
    return rules_for_triggers(triggers=[Trigger.RELATIONSHIP])


def dispatch_exclusion(*, conversation: Conversation) -> str | None:
    """Why a conversation gets no survey, or None when it may get one."""
    if conversation.merged_into_id is not None:
        return "merged"
    if any(tag.name == SPAM_TAG for tag in conversation.tags.all()):
        return "spam"
    messages = Message.objects.filter(conversation_id=conversation.pk)
    if not messages.filter(direction=Direction.INBOUND, automatic=False).exists():
        return "only automatic messages from the customer"
    agent_reply = messages.filter(
        direction=Direction.OUTBOUND,
        visibility=Visibility.PUBLIC,
        author_user__isnull=False,
    ).exclude(author_user__username=SYSTEM_USERNAME)
    if not agent_reply.exists():
        return "no public agent reply"
    return None


def invitation_exists(*, dispatch_key: str) -> bool:
    return SurveyInvitation.objects.filter(dispatch_key=dispatch_key).exists()


def customer_surveyed_since(*, customer_id: int, since: datetime) -> bool:
    """Whether the customer was sent any survey at or after ``since`` (the cool-down)."""
    return SurveyInvitation.objects.filter(customer_id=customer_id, created_at__gte=since).exists()


def relationship_candidates(
    *, rule: DispatchRule, surveyed_since: datetime, limit: int
) -> list[int]:
    """Customers due a relationship survey: they wrote on the rule's channels, none lately.

    ``surveyed_since`` is the earlier of the rule's period and its cool-down:
    whoever got any survey since then is not due.
    """
    from concord.customers.models import Customer

    conversations = Conversation.objects.filter(customer_id=OuterRef("pk"))
    if rule.channels:
        conversations = conversations.filter(channel__in=rule.channels)
    recent = SurveyInvitation.objects.filter(
        customer_id=OuterRef("pk"), created_at__gte=surveyed_since
    )
    return list(
        Customer.objects.filter(churned_at__isnull=True)
        .filter(Exists(conversations))
        .exclude(Exists(recent))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def invitation_for_answer(*, invitation_id: int) -> SurveyInvitation | None:
    return (
        SurveyInvitation.objects.select_related(
            "definition", "customer", "customer__organization", "agent", "conversation"
        )
        .filter(pk=invitation_id)
        .first()
    )


def invitation_for_email(*, invitation_id: int) -> SurveyInvitation | None:
    return (
        SurveyInvitation.objects.select_related("definition", "customer", "conversation")
        .filter(pk=invitation_id)
        .first()
    )


def definition_list() -> QuerySet[SurveyDefinition]:
    return SurveyDefinition.objects.order_by("name", "id")


def definition_get(*, definition_id: int) -> SurveyDefinition | None:
    return SurveyDefinition.objects.filter(pk=definition_id).first()


def dispatch_rule_list() -> QuerySet[DispatchRule]:
    return DispatchRule.objects.select_related("definition").order_by("position", "id")


def dispatch_rule_get(*, rule_id: int) -> DispatchRule | None:
    return dispatch_rule_list().filter(pk=rule_id).first()


# Django's own permission, granted in the admin to an integration user: create
# invitations whose links it delivers, and import answers from another tool.
INTEGRATION_PERMISSION = "surveys.add_surveyinvitation"


def survey_setup_allowed(*, user: User) -> bool:
    """Definitions and dispatch rules: admins only."""
    return user.is_active and user.role == Role.ADMIN


def survey_integration_allowed(*, user: User) -> bool:
    """Invitations and imported answers: admins, and users holding the integration permission."""
    return user.is_active and (
        user.role == Role.ADMIN or (user.is_staff_member and user.has_perm(INTEGRATION_PERMISSION))
    )


@dataclass(frozen=True)
class ResponseFilters:
    conversation: int | None = None
    customer: int | None = None
    agent: int | None = None
    team: int | None = None
    channel: str | None = None
    kind: str | None = None


def response_visible_to(*, user: User) -> QuerySet[SurveyResponse]:
    """Admins and supervisors read every answer; agents those about conversations they see.

    A relationship answer has no conversation; agents read those too, as they
    read every customer's profile.
    """
    qs = SurveyResponse.objects.all()
    if not user.is_active:
        return qs.none()
    if user.role in SEE_ALL_ROLES:
        return qs
    if user.role == Role.AGENT:
        seen = conversation_visible_to(user=user).filter(pk=OuterRef("conversation_id"))
        return qs.filter(Q(conversation__isnull=True) | Exists(seen))
    return qs.none()


def response_list(
    *, user: User, filters: ResponseFilters, limit: int = 50, offset: int = 0
) -> list[SurveyResponse]:
    qs = response_visible_to(user=user)
    for field in ("conversation", "customer", "agent", "team"):
        value = getattr(filters, field)
        if value is not None:
            qs = qs.filter(**{f"{field}_id": value})
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return list(
        qs.select_related("definition", "customer", "agent", "team").order_by(
            "-answered_at", "-id"
        )[offset : offset + limit]
    )


def survey_history_for_customer(
    *, user: User, customer_id: int, limit: int = 10
) -> list[SurveyResponse]:
    """The customer's latest answers that ``user`` may read, newest first (360° view, sidebar).

    Through ``response_visible_to``: an answer about a conversation of another
    team would leak its score, comment and number.
    """
    return list(
        response_visible_to(user=user)
        .filter(customer_id=customer_id)
        .select_related("definition", "conversation", "agent")
        .order_by("-answered_at", "-id")[: max(0, limit)]
    )
