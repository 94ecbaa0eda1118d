"""Opening conversations, customer messages, agent replies and internal notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from concord.accounts.models import Team, User
from concord.common.errors import Conflict, NotAllowed, ValidationFailed
from concord.common.testing import factories
from concord.conversations import services
from concord.conversations.models import (
    Channel,
    Conversation,
    Direction,
    Event,
    EventKind,
    Message,
    Priority,
    Status,
    Visibility,
)
from concord.customers.models import Customer, CustomerIdentity
from concord.customers.services import customer_create

pytestmark = pytest.mark.django_db

EventRow = tuple[str, int | None, int | None, str, str]


def events_after(conversation: Conversation, after: int = 0) -> list[EventRow]:
    """(kind, actor user, actor customer, old, new) of the events after id ``after``."""
    return list(
        Event.objects.filter(conversation=conversation, pk__gt=after)
        .order_by("id")
        .values_list("kind", "actor_user_id", "actor_customer_id", "old_value", "new_value")
    )


def last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def open_conversation(team: Team | None = None, **kwargs: object) -> Conversation:
    args: dict[str, object] = {
        "channel": "email",
        "identity_kind": "email",
        "identity_value": "ann@example.com",
        "subject": "Help",
        "body_text": "Hello",
        "team": team,
        **kwargs,
    }
    return services.conversation_open(**args)  # type: ignore[arg-type]


def in_status(status: str, team: Team | None = None) -> Conversation:
    # Scene-setting: a conversation already in ``status``.
    return factories.ConversationFactory.create(status=status, team=team, message_count=1)


# --- conversation_open --------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "kind", "value", "variant"),
    [
        ("email", "email", "Ann@Example.com", "ann@EXAMPLE.com"),
        ("web", "email", "ann@example.com", " ANN@example.com "),
        ("chat", "chat", "visitor-42", "visitor-42"),
        ("sms", "phone", "+1 (555) 123-4567", "001 555 123 4567"),
        ("phone", "phone", "+15551234567", "+1-555-123-4567"),
        ("social", "social", "@AnnLee", "@annlee"),
        ("api", "email", "ann@example.com", "Ann@example.com"),
    ],
)
def test_conversation_open_from_each_channel_resolves_the_customer(
    channel: str, kind: str, value: str, variant: str, support: Team
) -> None:
    first = services.conversation_open(
        channel=channel,
        identity_kind=kind,
        identity_value=value,
        customer_name="Ann",
        subject="Where is my order?",
        body_text="It is late.",
        priority=Priority.HIGH,
        team=support,
        tags=["Orders", "late delivery"],
    )
    second = services.conversation_open(
        channel=channel, identity_kind=kind, identity_value=variant, body_text="Again"
    )

    customer = Customer.objects.get()
    assert customer.name == "Ann"
    assert CustomerIdentity.objects.get().customer == customer
    assert first.customer == customer
    assert second.customer == customer
    first.refresh_from_db()
    assert (first.channel, first.status, first.priority, first.team) == (
        channel,
        Status.NEW,
        Priority.HIGH,
        support,
    )
    assert first.subject == "Where is my order?"
    assert first.message_count == 1
    assert sorted(first.tags.values_list("name", flat=True)) == ["late-delivery", "orders"]
    message = first.messages.get()
    assert (message.direction, message.visibility, message.channel) == (
        Direction.INBOUND,
        Visibility.PUBLIC,
        channel,
    )
    assert message.author_customer == customer
    assert message.body_text == "It is late."
    c = customer.pk
    assert events_after(first) == [
        (EventKind.CREATED, None, c, "", channel),
        (EventKind.MESSAGE_RECEIVED, None, c, "", ""),
        (EventKind.TEAM_CHANGED, None, None, "", str(support.pk)),
        (EventKind.TAG_ADDED, None, None, "", "late-delivery"),
        (EventKind.TAG_ADDED, None, None, "", "orders"),
    ]
    assert Event.objects.get(conversation=first, kind=EventKind.MESSAGE_RECEIVED).message == message


def test_conversation_open_for_a_given_customer_logged_by_an_agent(agent: User) -> None:
    customer = customer_create(name="Ann", identities=[("email", "ann@example.com")])
    at = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)

    conv = services.conversation_open(
        channel=Channel.PHONE,
        customer=customer,
        body_text="Called about a refund",
        actor=agent,
        external_id="call-1",
        at=at,
    )

    conv.refresh_from_db()
    assert conv.created_at == conv.updated_at == at
    assert conv.messages.get().external_id == "call-1"
    assert conv.messages.get().created_at == at
    assert events_after(conv)[0] == (EventKind.CREATED, agent.pk, customer.pk, "", "phone")
    assert Customer.objects.count() == 1


def test_conversation_open_takes_a_flat_subject_from_the_body() -> None:
    conv = open_conversation(subject="", body_text="First line\nsecond line " + "x" * 200)

    assert conv.subject.startswith("First line second line x")
    assert "\n" not in conv.subject
    assert len(conv.subject) == 80


def test_conversation_open_takes_a_subject_from_a_long_body() -> None:
    # The body may be far longer than a subject may be; only its start is used.
    conv = open_conversation(subject="", body_text="Long story\n" + "word " * 2000)

    assert conv.subject.startswith("Long story word word")
    assert len(conv.subject) == 80


def test_conversation_open_flattens_a_subject_with_line_breaks() -> None:
    conv = open_conversation(subject="Hello\r\nBcc: evil@example.com\t  there")

    assert conv.subject == "Hello Bcc: evil@example.com there"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"identity_kind": None, "identity_value": None}, "customer"),
        ({"identity_value": ""}, "customer"),
        ({"identity_value": "not-an-email"}, "value"),
        ({"channel": "pigeon"}, "channel"),
        ({"priority": "whenever"}, "priority"),
        ({"tags": ["ok", "not ok!"]}, "tags"),
        ({"subject": "x" * 301}, "subject"),
        ({"body_text": "  \n\t "}, "body"),
        ({"at": datetime(2025, 1, 1)}, "at"),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_conversation_open_refuses_bad_input_and_writes_nothing(
    kwargs: dict[str, object], field: str, support: Team
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        open_conversation(team=support, **{"tags": ["fine"], **kwargs})

    assert caught.value.field == field
    assert not Conversation.objects.exists()
    assert not Customer.objects.exists()  # a new customer is rolled back with the rest
    assert not Event.objects.exists()


def test_conversation_open_refuses_a_collaborator_as_actor(collaborator: User) -> None:
    with pytest.raises(NotAllowed):
        open_conversation(actor=collaborator)

    assert not Conversation.objects.exists()
    assert not Customer.objects.exists()


# --- message_receive ----------------------------------------------------------


@pytest.mark.parametrize("status", [Status.NEW, Status.OPEN, Status.ON_HOLD])
def test_message_receive_keeps_the_status(status: str) -> None:
    conv = in_status(status)
    before = last_event_id()

    message = services.message_receive(conversation=conv, body_text="More detail")

    conv.refresh_from_db()
    assert conv.status == status
    assert conv.message_count == 2
    assert message.conversation_id == conv.pk
    assert message.direction == Direction.INBOUND
    assert message.author_customer == conv.customer
    assert events_after(conv, before) == [
        (EventKind.MESSAGE_RECEIVED, None, conv.customer_id, "", "")
    ]


def test_message_receive_opens_a_pending_conversation() -> None:
    conv = in_status(Status.PENDING)

    services.message_receive(conversation=conv, body_text="Here is the info")

    conv.refresh_from_db()
    assert conv.status == Status.OPEN
    c = conv.customer_id
    assert events_after(conv) == [
        (EventKind.MESSAGE_RECEIVED, None, c, "", ""),
        (EventKind.STATUS_CHANGED, None, c, "pending", "open"),
    ]


def test_message_receive_reopens_a_solved_conversation() -> None:
    conv = in_status(Status.SOLVED)

    services.message_receive(conversation=conv, body_text="Still broken")

    conv.refresh_from_db()
    assert conv.status == Status.OPEN
    c = conv.customer_id
    assert events_after(conv) == [
        (EventKind.MESSAGE_RECEIVED, None, c, "", ""),
        (EventKind.REOPENED, None, c, "solved", "open"),
        (EventKind.STATUS_CHANGED, None, c, "solved", "open"),
    ]


def test_message_receive_on_a_closed_conversation_starts_a_follow_up(support: Team) -> None:
    closed = factories.ConversationFactory.create(
        status=Status.CLOSED, team=support, priority=Priority.HIGH, subject="Old", message_count=3
    )
    before = last_event_id()

    message = services.message_receive(
        conversation=closed, body_text="One more thing", channel=Channel.CHAT, external_id="m-9"
    )

    follow_up = message.conversation
    assert follow_up.pk != closed.pk
    assert follow_up.follow_up_of == closed
    assert (follow_up.customer, follow_up.team, follow_up.priority, follow_up.subject) == (
        closed.customer,
        support,
        Priority.HIGH,
        "Old",
    )
    assert (follow_up.status, follow_up.channel, follow_up.message_count) == (
        Status.NEW,
        Channel.CHAT,
        1,
    )
    assert Conversation.objects.get(pk=follow_up.pk).follow_up_of_id == closed.pk
    assert message.external_id == "m-9"
    closed.refresh_from_db()
    assert (closed.status, closed.message_count) == (Status.CLOSED, 3)
    assert events_after(closed, before) == []
    assert [e[0] for e in events_after(follow_up, before)] == [
        EventKind.CREATED,
        EventKind.MESSAGE_RECEIVED,
        EventKind.TEAM_CHANGED,
    ]


def test_message_receive_on_a_merged_conversation_lands_in_its_target(agent: User) -> None:
    source, target = in_status(Status.OPEN), in_status(Status.OPEN)
    services.conversation_merge(source=source, target=target, actor=agent)
    before = last_event_id()

    message = services.message_receive(conversation=source, body_text="Reply to old thread")

    assert message.conversation_id == target.pk
    target.refresh_from_db()
    assert target.message_count == 2
    assert events_after(source, before) == []
    assert events_after(target, before) == [
        (EventKind.MESSAGE_RECEIVED, None, target.customer_id, "", "")
    ]


def test_message_receive_follows_a_chain_of_merges(agent: User) -> None:
    a, b, c = in_status(Status.OPEN), in_status(Status.OPEN), in_status(Status.OPEN)
    services.conversation_merge(source=a, target=b, actor=agent)
    services.conversation_merge(source=b, target=c, actor=agent)

    message = services.message_receive(conversation=a, body_text="Hello?")

    assert message.conversation_id == c.pk


def test_message_receive_never_moves_updated_at_back() -> None:
    conv = in_status(Status.OPEN)
    later = conv.updated_at

    message = services.message_receive(
        conversation=conv, body_text="Late import", at=later - timedelta(days=1)
    )

    conv.refresh_from_db()
    assert conv.updated_at == later
    assert message.created_at == later - timedelta(days=1)


def test_message_receive_moves_updated_at_forward() -> None:
    conv = in_status(Status.OPEN)
    at = conv.updated_at + timedelta(minutes=5)

    services.message_receive(conversation=conv, body_text="Hi", at=at)

    conv.refresh_from_db()
    assert conv.updated_at == at


# --- conversation_reply -------------------------------------------------------


def test_the_first_reply_by_a_team_member_opens_and_takes_the_conversation(
    agent: User, support: Team
) -> None:
    conv = open_conversation(team=support)
    before = last_event_id()

    message = services.conversation_reply(conversation=conv, actor=agent, body_text="On it")

    conv.refresh_from_db()
    assert (conv.status, conv.assignee, conv.message_count) == (Status.OPEN, agent, 2)
    assert (message.direction, message.visibility, message.author_user) == (
        Direction.OUTBOUND,
        Visibility.PUBLIC,
        agent,
    )
    assert message.channel == conv.channel
    assert events_after(conv, before) == [
        (EventKind.REPLIED, agent.pk, None, "", ""),
        (EventKind.ASSIGNED, agent.pk, None, "", str(agent.pk)),
        (EventKind.STATUS_CHANGED, agent.pk, None, "new", "open"),
    ]


def test_a_reply_from_outside_the_team_does_not_take_the_conversation(
    other_agent: User, support: Team
) -> None:
    conv = open_conversation(team=support)
    before = last_event_id()

    services.conversation_reply(conversation=conv, actor=other_agent, body_text="Billing here")

    conv.refresh_from_db()
    assert conv.assignee is None
    assert conv.status == Status.OPEN
    assert [e[0] for e in events_after(conv, before)] == [
        EventKind.REPLIED,
        EventKind.STATUS_CHANGED,
    ]


def test_the_first_replier_takes_a_conversation_without_a_team(supervisor: User) -> None:
    conv = open_conversation()

    services.conversation_reply(conversation=conv, actor=supervisor, body_text="Hi")

    conv.refresh_from_db()
    assert conv.assignee == supervisor


def test_a_reply_keeps_an_existing_assignee(agent: User, supervisor: User, support: Team) -> None:
    conv = open_conversation(team=support)
    services.conversation_reply(conversation=conv, actor=agent, body_text="Mine")
    support.members.add(supervisor)
    before = last_event_id()

    services.conversation_reply(conversation=conv, actor=supervisor, body_text="Adding to it")

    conv.refresh_from_db()
    assert conv.assignee == agent
    assert events_after(conv, before) == [(EventKind.REPLIED, supervisor.pk, None, "", "")]


@pytest.mark.parametrize(
    ("start", "status"),
    [(Status.NEW, Status.PENDING), (Status.OPEN, Status.PENDING), (Status.OPEN, Status.SOLVED)],
)
def test_a_reply_can_set_the_status(agent: User, start: str, status: str) -> None:
    conv = in_status(start)
    before = last_event_id()

    services.conversation_reply(conversation=conv, actor=agent, body_text="Done?", status=status)

    conv.refresh_from_db()
    assert conv.status == status
    assert events_after(conv, before)[-1] == (
        EventKind.STATUS_CHANGED,
        agent.pk,
        None,
        start,
        status,
    )


def test_a_reply_to_a_solved_conversation_leaves_it_solved(agent: User) -> None:
    conv = in_status(Status.SOLVED)

    services.conversation_reply(conversation=conv, actor=agent, body_text="You're welcome")

    conv.refresh_from_db()
    assert conv.status == Status.SOLVED


@pytest.mark.parametrize(("status", "exc"), [("closed", Conflict), ("done", ValidationFailed)])
def test_a_reply_with_an_impossible_status_writes_nothing(
    agent: User, status: str, exc: type[Exception]
) -> None:
    conv = in_status(Status.NEW)

    with pytest.raises(exc):
        services.conversation_reply(conversation=conv, actor=agent, body_text="x", status=status)

    conv.refresh_from_db()
    assert (conv.status, conv.assignee, conv.message_count) == (Status.NEW, None, 1)
    assert not Message.objects.filter(conversation=conv).exists()
    assert not Event.objects.exists()


def test_a_reply_to_a_closed_conversation_is_a_conflict(agent: User) -> None:
    conv = in_status(Status.CLOSED)

    with pytest.raises(Conflict):
        services.conversation_reply(conversation=conv, actor=agent, body_text="Hello?")
    with pytest.raises(Conflict):
        services.conversation_note(conversation=conv, actor=agent, body_text="Hello?")

    assert not Message.objects.filter(conversation=conv).exists()
    assert not Event.objects.exists()


def test_a_reply_to_a_merged_conversation_is_a_conflict(agent: User) -> None:
    source, target = in_status(Status.OPEN), in_status(Status.OPEN)
    services.conversation_merge(source=source, target=target, actor=agent)
    before = last_event_id()

    with pytest.raises(Conflict):
        services.conversation_reply(conversation=source, actor=agent, body_text="Hi")

    assert not Event.objects.filter(pk__gt=before).exists()
    assert not Message.objects.exists()


# --- conversation_note --------------------------------------------------------


def test_a_note_is_internal_and_changes_neither_status_nor_assignee(
    agent: User, support: Team
) -> None:
    conv = open_conversation(team=support)
    before = last_event_id()

    note = services.conversation_note(conversation=conv, actor=agent, body_text="VIP, be nice")

    conv.refresh_from_db()
    assert (conv.status, conv.assignee, conv.message_count) == (Status.NEW, None, 2)
    assert (note.visibility, note.direction, note.author_user) == (
        Visibility.INTERNAL,
        Direction.OUTBOUND,
        agent,
    )
    assert events_after(conv, before) == [(EventKind.NOTE_ADDED, agent.pk, None, "", "")]
