"""Conversations opening, customer messages, agent replies and internal notes."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F

from concord.accounts.models import Team, User
from concord.accounts.services import SYSTEM_USERNAME
from concord.common.errors import Conflict, ValidationFailed
from concord.conversations.models import (
    Channel,
    Conversation,
    Direction,
    EventKind,
    Message,
    Priority,
    Status,
    Visibility,
)
from concord.conversations.services._common import (
    WORKING_ROLES,
    clean_body,
    clean_subject,
    lock,
    record,
    require_worker,
    touch,
    when,
)
from concord.conversations.services.routing import apply_tags, check_assignment
from concord.conversations.signals import conversation_written, message_posted
from concord.customers.models import Customer
from concord.customers.services import customer_resolve


def _check_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise ValidationFailed(
            f"{channel!r} is not a channel ({', '.join(Channel.values)}).", field="channel"
        )


def conversation_open(
    *,
    channel: str,
    body_text: str | None = None,
    body_html: str | None = None,
    subject: str = "",
    customer: Customer | None = None,
    identity_kind: str | None = None,
    identity_value: str | None = None,
    customer_name: str = "",
    priority: str = Priority.NORMAL,
    team: Team | None = None,
    tags: list[str] | None = None,
    actor: User | None = None,
    external_id: str = "",
    quoted_text: str = "",
    automatic: bool = False,
    at: datetime | None = None,
) -> Conversation:
    """Open a conversation with the customer's first message.

    The customer is given directly or resolved (and created if new) from an
    identity on the channel: an email address, phone number, chat visitor id or
    social handle. ``actor`` is the agent who logged it on the customer's behalf.
    ``automatic`` marks a machine-sent first message (see ``message_receive``).
    """
    _check_channel(channel)
    if priority not in Priority.values:
        raise ValidationFailed(f"{priority!r} is not a priority.", field="priority")
    subject = clean_subject(subject)
    body = clean_body(text=body_text, html=body_html)
    moment = when(at)
    if actor is not None:
        require_worker(actor)
    with transaction.atomic():
        if customer is None:
            if not identity_kind or not identity_value:
                raise ValidationFailed(
                    "Name a customer or an identity to reach them by.", field="customer"
                )
            customer, _ = customer_resolve(
                kind=identity_kind, value=identity_value, name=customer_name, at=moment
            )
        if team is not None:
            check_assignment(team=team, assignee=None)
        conversation = Conversation.objects.create(
            # A subject taken from the body is flattened like a given one.
            subject=subject or " ".join(body.text[:400].split())[:80],
            channel=channel,
            status=Status.NEW,
            priority=priority,
            customer=customer,
            team=team,
            message_count=1,
            created_at=moment,
            updated_at=moment,
        )
        record(
            conversation,
            EventKind.CREATED,
            at=moment,
            actor=actor,
            actor_customer=customer,
            new=channel,
        )
        message = Message.objects.create(
            conversation=conversation,
            direction=Direction.INBOUND,
            channel=channel,
            visibility=Visibility.PUBLIC,
            author_customer=customer,
            body_html=body.html,
            body_text=body.text,
            external_id=external_id[:998],
            quoted_text=quoted_text,
            automatic=automatic,
            created_at=moment,
        )
        record(
            conversation,
            EventKind.AUTOMATIC_RECEIVED if automatic else EventKind.MESSAGE_RECEIVED,
            at=moment,
            actor_customer=customer,
            message=message,
        )
        if team is not None:
            record(conversation, EventKind.TEAM_CHANGED, at=moment, actor=actor, new=team)
        if tags:
            apply_tags(conversation=conversation, names=tags, actor=actor, at=moment, add=True)
        conversation_written.send(sender=Conversation, conversation_id=conversation.pk)
    return conversation


def message_receive(
    *,
    conversation: Conversation,
    body_text: str | None = None,
    body_html: str | None = None,
    channel: str | None = None,
    external_id: str = "",
    quoted_text: str = "",
    automatic: bool = False,
    at: datetime | None = None,
) -> Message:
    """A message from the conversation's customer.

    A solved conversation reopens; a pending one (waiting on the customer)
    becomes open. A closed conversation is locked, so the message starts a
    follow-up conversation that points back to it; the returned message's
    ``conversation`` says which conversation it landed in.

    An ``automatic`` message (an out-of-office answer, a mailing list) is
    recorded where it belongs and changes nothing else: no reopening, no
    follow-up, no status change, so a machine can never restart a conversation.
    """
    channel = channel or conversation.channel
    _check_channel(channel)
    body = clean_body(text=body_text, html=body_html)
    moment = when(at)
    with transaction.atomic():
        conversation = lock(conversation)
        if conversation.merged_into_id is not None:
            # Mail threaded to a merged conversation lands in the one it was merged into.
            return message_receive(
                conversation=Conversation.objects.get(pk=conversation.merged_into_id),
                body_text=body.text,
                body_html=body.html,
                channel=channel,
                external_id=external_id,
                quoted_text=quoted_text,
                automatic=automatic,
                at=moment,
            )
        customer = conversation.customer
        if conversation.status == Status.CLOSED and not automatic:
            follow_up = conversation_open(
                channel=channel,
                customer=customer,
                subject=conversation.subject,
                body_text=body.text,
                body_html=body.html,
                priority=conversation.priority,
                team=conversation.team,
                external_id=external_id,
                quoted_text=quoted_text,
                at=moment,
            )
            follow_up.follow_up_of = conversation
            follow_up.save(update_fields=["follow_up_of"])
            return follow_up.messages.get()
        message = Message.objects.create(
            conversation=conversation,
            direction=Direction.INBOUND,
            channel=channel,
            visibility=Visibility.PUBLIC,
            author_customer=customer,
            body_html=body.html,
            body_text=body.text,
            external_id=external_id[:998],
            quoted_text=quoted_text,
            automatic=automatic,
            created_at=moment,
        )
        record(
            conversation,
            EventKind.AUTOMATIC_RECEIVED if automatic else EventKind.MESSAGE_RECEIVED,
            at=moment,
            actor_customer=customer,
            message=message,
        )
        fields = ["message_count"]
        conversation.message_count = F("message_count") + 1
        old_status = conversation.status
        if not automatic and old_status in (Status.SOLVED, Status.PENDING):
            conversation.status = Status.OPEN
            fields.append("status")
            if old_status == Status.SOLVED:
                record(
                    conversation,
                    EventKind.REOPENED,
                    at=moment,
                    actor_customer=customer,
                    old=old_status,
                    new=Status.OPEN,
                )
            record(
                conversation,
                EventKind.STATUS_CHANGED,
                at=moment,
                actor_customer=customer,
                old=old_status,
                new=Status.OPEN,
            )
        touch(conversation, moment, fields)
        conversation.refresh_from_db(fields=["message_count"])
    return message


def conversation_reply(
    *,
    conversation: Conversation,
    actor: User,
    body_text: str | None = None,
    body_html: str | None = None,
    status: str | None = None,
    at: datetime | None = None,
) -> Message:
    """A public reply from staff to the customer.

    The first agent to answer an unassigned conversation becomes its owner.
    A new conversation becomes open unless ``status`` asks for another one
    (e.g. reply and set pending).
    """
    return _staff_message(
        conversation=conversation,
        actor=actor,
        body_text=body_text,
        body_html=body_html,
        status=status,
        at=at,
        visibility=Visibility.PUBLIC,
    )


def conversation_start_outbound(
    *,
    customer: Customer,
    actor: User,
    subject: str,
    body_text: str,
    channel: str = Channel.EMAIL,
    status: str | None = None,
    at: datetime | None = None,
) -> Message:
    """Start a conversation from our side: a message to a customer who did not write first.

    For proactive news (a fixed problem told to a customer whose own request
    was closed, a voter on a feature request). The conversation opens with the
    reply, so it lands in the customer's one history and their answer threads
    back to it; ``status`` (e.g. solved) saves it from waiting in the inbox.
    """
    require_worker(actor)
    _check_channel(channel)
    subject = clean_subject(subject)
    moment = when(at)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            subject=subject or "A message from us",
            channel=channel,
            status=Status.OPEN,
            customer=customer,
            message_count=0,
            created_at=moment,
            updated_at=moment,
        )
        record(conversation, EventKind.CREATED, at=moment, actor=actor, new=channel)
        return _staff_message(
            conversation=conversation,
            actor=actor,
            body_text=body_text,
            body_html=None,
            status=status,
            at=moment,
            visibility=Visibility.PUBLIC,
        )


def conversation_note(
    *,
    conversation: Conversation,
    actor: User,
    body_text: str | None = None,
    body_html: str | None = None,
    at: datetime | None = None,
) -> Message:
    """An internal note: staff see it, the customer never does."""
    return _staff_message(
        conversation=conversation,
        actor=actor,
        body_text=body_text,
        body_html=body_html,
        status=None,
        at=at,
        visibility=Visibility.INTERNAL,
    )


def _staff_message(
    *,
    conversation: Conversation,
    actor: User,
    body_text: str | None,
    body_html: str | None,
    status: str | None,
    at: datetime | None,
    visibility: str,
) -> Message:
    require_worker(actor)
    body = clean_body(text=body_text, html=body_html)
    moment = when(at)
    from concord.conversations.services.lifecycle import change_status

    with transaction.atomic():
        conversation = lock(conversation)
        if conversation.merged_into_id is not None:
            raise Conflict("This conversation was merged; write in the one it was merged into.")
        if conversation.status == Status.CLOSED:
            raise Conflict("This conversation is closed.", field="conversation")
        public = visibility == Visibility.PUBLIC
        message = Message.objects.create(
            conversation=conversation,
            direction=Direction.OUTBOUND,
            channel=conversation.channel,
            visibility=visibility,
            author_user=actor,
            body_html=body.html,
            body_text=body.text,
            created_at=moment,
        )
        record(
            conversation,
            EventKind.REPLIED if public else EventKind.NOTE_ADDED,
            at=moment,
            actor=actor,
            message=message,
        )
        conversation.message_count = F("message_count") + 1
        fields = ["message_count"]
        if public and conversation.assignee_id is None and _may_own(conversation, actor):
            conversation.assignee = actor
            fields.append("assignee")
            record(conversation, EventKind.ASSIGNED, at=moment, actor=actor, old="", new=actor)
        target = status or (Status.OPEN if public and conversation.status == Status.NEW else None)
        if target is not None and target != conversation.status:
            fields += change_status(
                conversation=conversation, status=target, actor=actor, at=moment
            )
        touch(conversation, moment, fields)
        conversation.refresh_from_db(fields=["message_count"])
        if public:
            # Inside the transaction: a channel that delivers the reply (email)
            # queues it with the reply, so neither exists without the other.
            message_posted.send(sender=Message, message=message)
    return message


def _may_own(conversation: Conversation, actor: User) -> bool:
    """The first replier becomes the owner if they belong to the conversation's team.

    Automations act as the system user; a templated email they send must not
    make the machine the conversation's owner.
    """
    if actor.role not in WORKING_ROLES or actor.username == SYSTEM_USERNAME:
        return False
    return conversation.team is None or conversation.team.members.filter(pk=actor.pk).exists()
