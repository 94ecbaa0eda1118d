"""API for conversations: the list, one conversation, and one endpoint per change.

Every conversation is fetched through ``conversation_get_for_user``, so one the
caller may not see answers 404 whether it exists or not. Staff-only changes on
a conversation the caller *can* see (a customer's own) answer 403.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from concord.accounts.models import Team, User
from concord.accounts.selectors import team_get, user_get
from concord.api.auth import current_user
from concord.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS
from concord.common.errors import NotAllowed, NotFound, ValidationFailed
from concord.conversations import selectors, services
from concord.conversations.models import Conversation, Direction, Event, Message
from concord.conversations.models import Status as ConvStatus
from concord.conversations.providers import DeliveryState, delivery_states
from concord.conversations.schemas import (
    AssignIn,
    ConversationCreateIn,
    ConversationDetail,
    ConversationFiltersIn,
    ConversationPage,
    ConversationRow,
    MergeIn,
    MessageCreated,
    MessageIn,
    PriorityIn,
    ReplyIn,
    StatusIn,
    TagsChanged,
    TagsIn,
)
from concord.conversations.services.routing import UNSET, _Unset
from concord.customers.models import Customer
from concord.customers.selectors import customer_get_for_user

router = Router(tags=["conversations"])


# ---- serialising -----------------------------------------------------------


def row_data(conversation: Conversation, *, staff: bool) -> dict[str, Any]:
    """The list row. Reads only what select_related/prefetch_related loaded."""
    customer, team, assignee = conversation.customer, conversation.team, conversation.assignee
    return {
        "id": conversation.pk,
        "subject": conversation.subject,
        "status": conversation.status,
        "priority": conversation.priority,
        "channel": conversation.channel,
        "customer": {"id": customer.pk, "name": customer.name},
        "team": None if team is None else {"id": team.pk, "name": team.name},
        "assignee": None
        if assignee is None
        else {"id": assignee.pk, "username": assignee.username},
        # Tags are the team's internal labels ("angry", "refund-abuse"): staff only.
        "tags": [t.name for t in conversation.tags.all()] if staff else [],
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
        "message_count": conversation.message_count,
    }


def _author(user: User | None, customer: Customer | None) -> dict[str, Any]:
    if user is not None:
        return {"kind": "user", "id": user.pk, "name": str(user)}
    if customer is not None:
        return {"kind": "customer", "id": customer.pk, "name": str(customer)}
    return {"kind": "system", "id": None, "name": ""}


def message_data(message: Message, delivery: DeliveryState | None = None) -> dict[str, Any]:
    return {
        "id": message.pk,
        "direction": message.direction,
        "visibility": message.visibility,
        "channel": message.channel,
        "author": _author(message.author_user, message.author_customer),
        "body_html": message.body_html,
        "body_text": message.body_text,
        "quoted_text": message.quoted_text,
        "automatic": message.automatic,
        "delivery": None
        if delivery is None
        else {
            "status": delivery.status,
            "attempts": delivery.attempts,
            "last_error": delivery.last_error,
            "next_attempt_at": delivery.next_attempt_at,
            "sent_at": delivery.sent_at,
        },
        "created_at": message.created_at,
    }


def event_data(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "actor": _author(event.actor_user, event.actor_customer),
        "old_value": event.old_value,
        "new_value": event.new_value,
        "message_id": event.message_id,
        "merged_from_id": event.merged_from_id,
        "created_at": event.created_at,
    }


# ---- access ---------------------------------------------------------------


def _visible(user: User, conversation_id: int, field: str | None = None) -> Conversation:
    try:
        return selectors.conversation_get_for_user(user=user, conversation_id=conversation_id)
    except NotFound as exc:
        raise NotFound(exc.message, field=field) from None


def _workable(user: User, conversation_id: int) -> Conversation:
    """A conversation the caller sees (else 404) and may work (else 403).

    One only consulted to the caller's team is readable, not workable: 403.
    """
    conversation = _visible(user, conversation_id)
    _require_worker(user)
    if not selectors.conversation_may_work(user=user, conversation=conversation):
        raise NotAllowed("Your team was consulted on this conversation; answer in the consult.")
    return conversation


def _require_worker(user: User) -> None:
    if not selectors.conversation_user_works(user=user):
        raise NotAllowed("Only agents, supervisors and admins can do this.")


def _user(actor: User, user_id: int, field: str) -> User:
    found = user_get(actor=actor, user_id=user_id)
    if found is None:
        raise NotFound(f"User {user_id} not found.", field=field)
    return found


def _team(actor: User, team_id: int, field: str) -> Team:
    found = team_get(actor=actor, team_id=team_id)
    if found is None:
        raise NotFound(f"Team {team_id} not found.", field=field)
    return found


def _filters(params: ConversationFiltersIn) -> selectors.ConversationFilters:
    statuses = [s.strip() for value in params.status for s in value.split(",") if s.strip()]
    for status in statuses:
        if status not in ConvStatus.values:
            raise ValidationFailed(
                f"{status!r} is not a status ({', '.join(ConvStatus.values)}).", field="status"
            )
    assignee_id, unassigned = None, False
    if params.assignee is not None:
        if params.assignee.strip().lower() == "none":
            unassigned = True
        elif params.assignee.strip().isdigit() and 0 < int(params.assignee) <= MAX_ID:
            assignee_id = int(params.assignee)
        else:
            raise ValidationFailed("Give a user id or 'none'.", field="assignee")
    return selectors.ConversationFilters(
        status=statuses or None,
        assignee_id=assignee_id,
        unassigned=unassigned,
        team_id=params.team,
        tag=params.tag,
        customer_id=params.customer,
        channel=params.channel,
        priority=params.priority,
        updated_since=params.updated_since,
    )


def _created(user: User, message: Message) -> Status[dict[str, Any]]:
    # Re-read through the caller's visibility: writing a message never takes a
    # conversation out of the writer's sight, and a follow-up is the customer's own.
    conversation = selectors.conversation_get_for_user(
        user=user, conversation_id=message.conversation_id
    )
    return Status(
        201,
        {
            "message": message_data(message),
            "conversation": row_data(conversation, staff=user.is_staff_member),
        },
    )


# ---- reads ------------------------------------------------------------------


@router.get("/conversations", response={200: ConversationPage, **READ_ERRORS})
def list_conversations(
    request: HttpRequest, params: Query[ConversationFiltersIn]
) -> dict[str, Any]:
    """Conversations the caller may see, most recently updated first, a page at a time."""
    user = current_user(request)
    page = selectors.conversation_list_rows(
        user=user, filters=_filters(params), cursor=params.cursor, limit=params.limit
    )
    if not user.is_staff_member:
        for row in page.items:
            row["tags"] = []  # internal labels, as in row_data
    return {"items": page.items, "next_cursor": page.next_cursor}


def _detail(user: User, conversation: Conversation) -> dict[str, Any]:
    staff = user.is_staff_member
    messages = list(selectors.message_list(user=user, conversation=conversation))
    # Delivery states come from the conversation's channel, through the provider
    # it registered (email today); customers never see them.
    deliveries = (
        delivery_states(
            channel=conversation.channel,
            message_ids=[m.pk for m in messages if m.direction == Direction.OUTBOUND],
        )
        if staff
        else {}
    )
    return {
        **row_data(conversation, staff=staff),
        "category": conversation.category,
        "merged_into_id": conversation.merged_into_id,
        "follow_up_of_id": conversation.follow_up_of_id,
        "solved_at": conversation.solved_at,
        "closed_at": conversation.closed_at,
        "messages": [message_data(m, deliveries.get(m.pk)) for m in messages],
        "events": (
            [event_data(e) for e in selectors.event_list(user=user, conversation=conversation)]
            if staff
            else None
        ),
    }


@router.get("/conversations/{conversation_id}", response={200: ConversationDetail, **READ_ERRORS})
def get_conversation(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    """One conversation with its messages (customers: public ones) and, for staff, events."""
    user = current_user(request)
    return _detail(user, _visible(user, conversation_id))


# ---- writes -----------------------------------------------------------------


@router.post("/conversations", response={201: ConversationDetail, **WRITE_ERRORS})
def create_conversation(
    request: HttpRequest, payload: ConversationCreateIn
) -> Status[dict[str, Any]]:
    """Log a request on a customer's behalf: the body is the customer's first message."""
    user = current_user(request)
    _require_worker(user)
    customer = None
    if payload.customer_id is not None:
        customer = customer_get_for_user(user=user, customer_id=payload.customer_id)
        if customer is None:
            raise NotFound(f"Customer {payload.customer_id} not found.", field="customer_id")
    elif payload.identity is None:
        raise ValidationFailed("Send customer_id or identity.", field="customer_id")
    team = None if payload.team_id is None else _team(user, payload.team_id, "team_id")
    identity = payload.identity
    conversation = services.conversation_open(
        channel=payload.channel,
        subject=payload.subject,
        body_text=payload.body,
        body_html=payload.body_html,
        customer=customer,
        identity_kind=identity.kind if identity and customer is None else None,
        identity_value=identity.value if identity and customer is None else None,
        customer_name=identity.name if identity else "",
        priority=payload.priority,
        team=team,
        tags=payload.tags,
        actor=user,
    )
    # Answer with what was created, not a re-read through the caller's visibility:
    # an agent may log a request for no team, which they then cannot list.
    return Status(201, _detail(user, conversation))


@router.post(
    "/conversations/{conversation_id}/reply", response={201: MessageCreated, **WRITE_ERRORS}
)
def reply(request: HttpRequest, conversation_id: int, payload: ReplyIn) -> Status[dict[str, Any]]:
    """A public reply to the customer, optionally moving the status (e.g. to pending)."""
    user = current_user(request)
    conversation = _workable(user, conversation_id)
    message = services.conversation_reply(
        conversation=conversation,
        actor=user,
        body_text=payload.body,
        body_html=payload.body_html,
        status=payload.status,
    )
    return _created(user, message)


@router.post(
    "/conversations/{conversation_id}/notes", response={201: MessageCreated, **WRITE_ERRORS}
)
def add_note(
    request: HttpRequest, conversation_id: int, payload: MessageIn
) -> Status[dict[str, Any]]:
    """An internal note: staff see it, the customer never does."""
    user = current_user(request)
    conversation = _workable(user, conversation_id)
    message = services.conversation_note(
        conversation=conversation, actor=user, body_text=payload.body, body_html=payload.body_html
    )
    return _created(user, message)


@router.post(
    "/conversations/{conversation_id}/messages", response={201: MessageCreated, **WRITE_ERRORS}
)
def customer_message(
    request: HttpRequest, conversation_id: int, payload: MessageIn
) -> Status[dict[str, Any]]:
    """A message from the customer the conversation is with (their own token only).

    A solved conversation reopens; a closed one gets a follow-up conversation,
    which the response names.
    """
    user = current_user(request)
    conversation = _visible(user, conversation_id)
    if not selectors.conversation_customer_may_write(user=user, conversation=conversation):
        raise NotAllowed("Only the customer can write here; staff use /reply or /notes.")
    if conversation.merged_into_id is not None:
        # The service would forward the message; make sure the caller may see where.
        conversation = _visible(user, conversation.merged_into_id)
    message = services.message_receive(
        conversation=conversation, body_text=payload.body, body_html=payload.body_html
    )
    return _created(user, message)


@router.post(
    "/conversations/{conversation_id}/assign", response={200: ConversationRow, **WRITE_ERRORS}
)
def assign(request: HttpRequest, conversation_id: int, payload: AssignIn) -> dict[str, Any]:
    """Set the assignee and/or the team: an omitted field is kept, null clears it."""
    user = current_user(request)
    conversation = _workable(user, conversation_id)
    sent = payload.model_fields_set
    if not sent & {"assignee_id", "team_id"}:
        raise ValidationFailed("Send assignee_id, team_id or both.", field="assignee_id")
    assignee: User | _Unset | None = UNSET
    team: Team | _Unset | None = UNSET
    if "assignee_id" in sent:
        assignee = (
            None if payload.assignee_id is None else _user(user, payload.assignee_id, "assignee_id")
        )
    if "team_id" in sent:
        team = None if payload.team_id is None else _team(user, payload.team_id, "team_id")
    changed = services.conversation_assign(
        conversation=conversation, actor=user, assignee=assignee, team=team
    )
    # The caller may have handed it to a team they are not in: answer with what
    # the service saved rather than re-reading through the caller's visibility.
    return row_data(changed, staff=True)


@router.post(
    "/conversations/{conversation_id}/status", response={200: ConversationRow, **WRITE_ERRORS}
)
def set_status(request: HttpRequest, conversation_id: int, payload: StatusIn) -> dict[str, Any]:
    """Move the conversation along new → open ↔ pending ↔ on_hold → solved → closed."""
    user = current_user(request)
    conversation = _workable(user, conversation_id)
    services.conversation_set_status(conversation=conversation, actor=user, status=payload.status)
    return row_data(_visible(user, conversation_id), staff=True)


@router.post(
    "/conversations/{conversation_id}/priority", response={200: ConversationRow, **WRITE_ERRORS}
)
def set_priority(request: HttpRequest, conversation_id: int, payload: PriorityIn) -> dict[str, Any]:
    user = current_user(request)
    conversation = _workable(user, conversation_id)
    services.conversation_set_priority(
        conversation=conversation, actor=user, priority=payload.priority
    )
    return row_data(_visible(user, conversation_id), staff=True)


@router.post("/conversations/{conversation_id}/tags", response={200: TagsChanged, **WRITE_ERRORS})
def add_tags(request: HttpRequest, conversation_id: int, payload: TagsIn) -> dict[str, Any]:
    """Add tags; ``changed`` lists those that were not there before."""
    user = current_user(request)
    conversation = _workable(user, conversation_id)
    changed = services.conversation_tag(conversation=conversation, actor=user, tags=payload.tags)
    return {
        "changed": changed,
        "conversation": row_data(_visible(user, conversation_id), staff=True),
    }


def _remove_tags(request: HttpRequest, conversation_id: int, payload: TagsIn) -> dict[str, Any]:
    user = current_user(request)
    conversation = _workable(user, conversation_id)
    changed = services.conversation_untag(conversation=conversation, actor=user, tags=payload.tags)
    return {
        "changed": changed,
        "conversation": row_data(_visible(user, conversation_id), staff=True),
    }


@router.delete("/conversations/{conversation_id}/tags", response={200: TagsChanged, **WRITE_ERRORS})
def remove_tags(request: HttpRequest, conversation_id: int, payload: TagsIn) -> dict[str, Any]:
    """Remove tags; ``changed`` lists those that were there."""
    return _remove_tags(request, conversation_id, payload)


@router.post(
    "/conversations/{conversation_id}/tags/remove", response={200: TagsChanged, **WRITE_ERRORS}
)
def remove_tags_post(request: HttpRequest, conversation_id: int, payload: TagsIn) -> dict[str, Any]:
    """The same as DELETE …/tags, for clients that cannot send a body with DELETE."""
    return _remove_tags(request, conversation_id, payload)


@router.post(
    "/conversations/{conversation_id}/merge", response={200: ConversationRow, **WRITE_ERRORS}
)
def merge(request: HttpRequest, conversation_id: int, payload: MergeIn) -> dict[str, Any]:
    """Merge this conversation into ``target_id``; the answer is the target."""
    user = current_user(request)
    # Both must be visible before the role is checked, so that naming another
    # party's conversation answers 404 whoever asks.
    source = _visible(user, conversation_id)
    target = _visible(user, payload.target_id, field="target_id")
    _require_worker(user)
    for each in (source, target):
        if not selectors.conversation_may_work(user=user, conversation=each):
            raise NotAllowed("Your team was only consulted on one of these conversations.")
    services.conversation_merge(source=source, target=target, actor=user)
    return row_data(_visible(user, payload.target_id), staff=True)
