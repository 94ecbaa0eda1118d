"""Who may reach which conversation, message, event and attachment: the one access rule."""

from __future__ import annotations

from collections.abc import Callable, Collection

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from concord.accounts.models import Role, Team, User
from concord.common.errors import NotAllowed, NotFound
from concord.conversations.models import (
    Attachment,
    Conversation,
    Event,
    Message,
    Visibility,
)
from concord.customers.models import Customer

# Apps above the core that open a conversation to more staff (a consult opens
# it to the team it asks) register a filter here from their AppConfig.ready:
# it gets the user and answers a Q over conversations. The rule stays in this
# one function; the core never imports those apps.
StaffVisibility = Callable[[User], Q]
_staff_visibility: list[StaffVisibility] = []


def conversation_register_visibility(provider: StaffVisibility) -> None:
    if provider not in _staff_visibility:
        _staff_visibility.append(provider)


def _also_visible(user: User) -> Q | None:
    extra = [provider(user) for provider in _staff_visibility]
    if not extra:
        return None
    combined = extra[0]
    for q in extra[1:]:
        combined |= q
    return combined


def conversation_visible_to(*, user: User) -> QuerySet[Conversation]:
    """The one place that says which conversations a user may read.

    Admins and supervisors see all; agents those of their teams, those with
    no team yet, and those assigned to them; a customer their own, and their
    organization's when it shares conversations; collaborators (and agents of
    other teams) those a registered provider opens to them, e.g. the ones
    consulted to their team (concord.collaboration).
    """
    return _scope(user=user, opened=True)


def conversation_worked_by(*, user: User) -> QuerySet[Conversation]:
    """The conversations ``user`` may work (and the inbox lists): their own scope.

    Those a provider only opens to them (consulted to their team) are left out:
    the owner keeps the conversation, and the consulted answer in the consult.
    """
    return _scope(user=user, opened=False)


def _scope(*, user: User, opened: bool) -> QuerySet[Conversation]:
    qs = Conversation.objects.all()
    if not user.is_active:
        return qs.none()
    if user.role in (Role.ADMIN, Role.SUPERVISOR):
        return qs
    works = user.role in (Role.AGENT, Role.COLLABORATOR)
    also = _also_visible(user) if opened and works else None
    if user.role == Role.AGENT:
        in_my_team = Team.members.through.objects.filter(
            team_id=OuterRef("team_id"), user_id=user.pk
        )
        # A conversation with no team yet is in the shared triage queue, which
        # every agent works; once a team owns it, only that team's agents (and
        # whoever it is assigned to) see it.
        mine = Q(assignee_id=user.pk) | Q(team__isnull=True) | Q(Exists(in_my_team))
        return qs.filter(mine | also if also is not None else mine)
    if user.role == Role.CUSTOMER:
        own = Customer.objects.filter(user_id=user.pk)
        shared_org = Customer.objects.filter(
            user_id=user.pk,
            organization__isnull=False,
            organization__shares_conversations=True,
            organization_id=OuterRef("customer__organization_id"),
        )
        return qs.filter(Q(customer__in=own) | Exists(shared_org))
    if user.role == Role.COLLABORATOR and also is not None:
        return qs.filter(also)
    return qs.none()


def conversation_get_for_user(
    *, user: User, conversation_id: int, to_work: bool = False
) -> Conversation:
    """The conversation if ``user`` may reach it; otherwise NotFound, whichever the reason.

    ``to_work``: also refuse (NotAllowed) one the user may only read, e.g. a
    conversation consulted to their team: they answer in the consult.
    """
    conversation = (
        conversation_visible_to(user=user)
        .select_related("customer", "customer__organization", "team", "assignee", "merged_into")
        .prefetch_related("tags")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound(f"Conversation {conversation_id} not found.")
    if to_work and not conversation_may_work(user=user, conversation=conversation):
        raise NotAllowed(
            "You can read this conversation because your team was consulted; "
            "answer in the consult, its owner replies to the customer."
        )
    return conversation


def conversation_may_work(*, user: User, conversation: Conversation) -> bool:
    """Whether ``user`` may reply, assign or change ``conversation`` (not only read it)."""
    if not conversation_user_works(user=user):
        return False
    # The common answers need no query: these roles and cases are in every scope.
    if user.role in (Role.ADMIN, Role.SUPERVISOR):
        return True
    if conversation.assignee_id == user.pk or conversation.team_id is None:
        return True
    return conversation_worked_by(user=user).filter(pk=conversation.pk).exists()


def message_list(
    *, user: User, conversation: Conversation, with_attachments: bool = False
) -> QuerySet[Message]:
    """The timeline's messages; customers never see internal notes.

    ``with_attachments`` loads every message's files in one more query, as a
    list in ``attachment_list`` (a plain list is cheaper for templates).
    """
    qs = conversation.messages.select_related("author_user", "author_customer")
    if with_attachments:
        qs = qs.prefetch_related(Prefetch("attachments", to_attr="attachment_list"))
    if user.role == Role.CUSTOMER:
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return qs.order_by("created_at", "id")


def event_list(
    *, user: User, conversation: Conversation, exclude_kinds: Collection[str] = ()
) -> QuerySet[Event]:
    """The event log, for staff only (it mentions internal notes and assignees).

    ``exclude_kinds`` leaves out events a caller would only drop (the workspace
    timeline shows messages themselves, not their "replied" events).
    """
    if user.role == Role.CUSTOMER:
        return Event.objects.none()
    qs = conversation.events.select_related("actor_user", "actor_customer")
    if exclude_kinds:
        qs = qs.exclude(kind__in=list(exclude_kinds))
    return qs.order_by("created_at", "id")


def conversation_recent_for_customer(
    *, user: User, customer: Customer, limit: int = 20
) -> list[Conversation]:
    """A customer's latest conversations on every channel, as far as ``user`` may see them."""
    return list(
        conversation_visible_to(user=user)
        .filter(customer=customer, merged_into__isnull=True)
        .select_related("team", "assignee")
        .order_by("-updated_at", "-id")[:limit]
    )


def conversation_any_exist() -> bool:
    """Whether the database holds any conversation yet (``concord serve --demo-if-empty``)."""
    return Conversation.objects.exists()


def conversation_user_works(*, user: User) -> bool:
    """Whether ``user`` may work conversations (reply, assign, change status, merge).

    Interfaces ask this before resolving the ids a request names, so a customer
    or collaborator learns "not allowed", never which users or teams exist.
    The services enforce the same rule.
    """
    from concord.conversations.services._common import WORKING_ROLES

    return user.is_active and user.role in WORKING_ROLES


def conversation_role_works(*, role: str) -> bool:
    """``conversation_user_works`` for an active user of ``role``, when only the role is at hand."""
    from concord.conversations.services._common import WORKING_ROLES

    return role in WORKING_ROLES


def conversation_customer_may_write(*, user: User, conversation: Conversation) -> bool:
    """Whether ``user`` may post as the customer: only the customer the conversation is with.

    A colleague who sees it through a shared organization may read it but not
    write in someone else's name.
    """
    return (
        user.is_active and user.role == Role.CUSTOMER and conversation.customer.user_id == user.pk
    )


def attachment_get_for_user(*, user: User, attachment_id: int) -> Attachment:
    """The attachment if ``user`` may see its message; otherwise NotFound.

    A file on an internal note is as private as the note: customers never get it.
    """
    qs = Attachment.objects.select_related("message").filter(
        pk=attachment_id,
        message__conversation__in=conversation_visible_to(user=user).values("pk"),
    )
    if user.role == Role.CUSTOMER:
        qs = qs.filter(message__visibility=Visibility.PUBLIC)
    attachment = qs.first()
    if attachment is None:
        raise NotFound(f"Attachment {attachment_id} not found.")
    return attachment


def conversation_find(*, conversation_id: int) -> Conversation | None:
    """A conversation by id, with no access rule: for channel adapters routing a message."""
    return Conversation.objects.filter(pk=conversation_id).first()
