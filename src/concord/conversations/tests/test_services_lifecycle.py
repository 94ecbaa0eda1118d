"""Status transitions, priority and merging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from concord.accounts.models import User
from concord.common.errors import Conflict, ValidationFailed
from concord.common.testing import factories
from concord.conversations import services
from concord.conversations.models import (
    TRANSITIONS,
    Conversation,
    Event,
    EventKind,
    Message,
    Priority,
    Status,
)

pytestmark = pytest.mark.django_db

EventRow = tuple[str, int | None, str, str]
# After every scene's creation time, so it moves ``updated_at`` (which never goes back).
AT = timezone.now().replace(microsecond=0) + timedelta(days=1)

ALLOWED = [(old, new) for old, targets in TRANSITIONS.items() for new in sorted(targets)]
REFUSED = [
    (old, new)
    for old in Status.values
    for new in Status.values
    if new != old and new not in TRANSITIONS[old]
]


def events(conversation: Conversation) -> list[EventRow]:
    """(kind, actor user, old, new) of the conversation's events."""
    return list(
        Event.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("kind", "actor_user_id", "old_value", "new_value")
    )


def in_status(status: str) -> Conversation:
    # Scene-setting: a conversation already in ``status``.
    return factories.ConversationFactory.create(status=status)


# --- status -------------------------------------------------------------------


def test_the_table_covers_every_pair() -> None:
    assert len(ALLOWED) + len(REFUSED) == len(Status.values) * (len(Status.values) - 1)
    assert len(ALLOWED) == 15


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_every_allowed_transition_works_and_is_recorded(agent: User, old: str, new: str) -> None:
    conv = in_status(old)

    services.conversation_set_status(conversation=conv, actor=agent, status=new, at=AT)

    conv.refresh_from_db()
    assert conv.status == new
    assert conv.updated_at == AT
    expected = [(EventKind.STATUS_CHANGED, agent.pk, old, new)]
    if (old, new) == (Status.SOLVED, Status.OPEN):
        expected.insert(0, (EventKind.REOPENED, agent.pk, old, new))
    assert events(conv) == expected
    if new == Status.SOLVED:
        assert conv.solved_at == AT
    if new == Status.CLOSED:
        assert conv.closed_at == AT


@pytest.mark.parametrize(("old", "new"), REFUSED)
def test_every_other_transition_is_a_conflict_and_writes_nothing(
    agent: User, old: str, new: str
) -> None:
    conv = in_status(old)
    updated = conv.updated_at

    with pytest.raises(Conflict) as caught:
        services.conversation_set_status(conversation=conv, actor=agent, status=new, at=AT)

    assert caught.value.field == "status"
    conv.refresh_from_db()
    assert (conv.status, conv.updated_at, conv.solved_at, conv.closed_at) == (
        old,
        updated,
        None,
        None,
    )
    assert not Event.objects.exists()


@pytest.mark.parametrize("status", Status.values)
def test_setting_the_same_status_is_a_no_op(agent: User, status: str) -> None:
    conv = in_status(status)
    updated = conv.updated_at

    services.conversation_set_status(conversation=conv, actor=agent, status=status, at=AT)

    conv.refresh_from_db()
    assert (conv.status, conv.updated_at) == (status, updated)
    assert not Event.objects.exists()


def test_an_unknown_status_is_refused(agent: User) -> None:
    conv = in_status(Status.OPEN)

    with pytest.raises(ValidationFailed) as caught:
        services.conversation_set_status(conversation=conv, actor=agent, status="archived")

    assert caught.value.field == "status"
    assert not Event.objects.exists()


def test_a_merged_conversation_keeps_its_status(agent: User) -> None:
    source, target = in_status(Status.OPEN), in_status(Status.OPEN)
    services.conversation_merge(source=source, target=target, actor=agent)
    count = Event.objects.count()

    with pytest.raises(Conflict):
        services.conversation_set_status(conversation=source, actor=agent, status="open")

    source.refresh_from_db()
    assert source.status == Status.CLOSED
    assert Event.objects.count() == count


def test_a_reopened_conversation_keeps_when_it_was_solved(agent: User) -> None:
    conv = in_status(Status.OPEN)
    services.conversation_set_status(conversation=conv, actor=agent, status="solved", at=AT)

    services.conversation_set_status(conversation=conv, actor=agent, status="open")

    conv.refresh_from_db()
    assert conv.solved_at == AT


# --- priority -----------------------------------------------------------------


def test_priority_change_is_recorded(agent: User) -> None:
    conv = in_status(Status.OPEN)

    services.conversation_set_priority(conversation=conv, actor=agent, priority=Priority.URGENT)
    services.conversation_set_priority(conversation=conv, actor=agent, priority=Priority.URGENT)

    conv.refresh_from_db()
    assert conv.priority == Priority.URGENT
    assert events(conv) == [(EventKind.PRIORITY_CHANGED, agent.pk, "normal", "urgent")]


def test_an_unknown_priority_is_refused(agent: User) -> None:
    conv = in_status(Status.OPEN)

    with pytest.raises(ValidationFailed) as caught:
        services.conversation_set_priority(conversation=conv, actor=agent, priority="asap")

    assert caught.value.field == "priority"
    conv.refresh_from_db()
    assert conv.priority == Priority.NORMAL
    assert not Event.objects.exists()


def test_a_closed_conversation_keeps_its_priority(agent: User) -> None:
    conv = in_status(Status.CLOSED)

    with pytest.raises(Conflict):
        services.conversation_set_priority(conversation=conv, actor=agent, priority="high")

    conv.refresh_from_db()
    assert conv.priority == Priority.NORMAL
    assert not Event.objects.exists()


# --- merge --------------------------------------------------------------------


def test_merge_moves_messages_events_and_tags(agent: User) -> None:
    source = services.conversation_open(
        channel="email",
        identity_kind="email",
        identity_value="ann@example.com",
        body_text="First",
        tags=["billing", "shared"],
    )
    services.message_receive(conversation=source, body_text="Second")
    target = services.conversation_open(
        channel="chat", customer=source.customer, body_text="Chat", tags=["shared", "chat"]
    )
    source_events = set(Event.objects.filter(conversation=source).values_list("id", flat=True))
    target_events = set(Event.objects.filter(conversation=target).values_list("id", flat=True))

    result = services.conversation_merge(source=source, target=target, actor=agent, at=AT)

    assert result.pk == target.pk
    assert result.message_count == 3
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.status, source.merged_into, source.closed_at, source.message_count) == (
        Status.CLOSED,
        target,
        AT,
        0,
    )
    assert (target.message_count, target.updated_at) == (3, AT)
    assert target.status == Status.NEW
    assert list(
        Message.objects.filter(conversation=target).values_list("body_text", flat=True)
    ) == [
        "First",
        "Second",
        "Chat",
    ]
    assert not Message.objects.filter(conversation=source).exists()
    moved = Event.objects.filter(pk__in=source_events)
    assert {e.conversation_id for e in moved} == {target.pk}
    assert {e.merged_from_id for e in moved} == {source.pk}
    untouched = Event.objects.filter(pk__in=target_events)
    assert {e.merged_from_id for e in untouched} == {None}
    assert sorted(target.tags.values_list("name", flat=True)) == ["billing", "chat", "shared"]
    assert not source.tags.exists()
    assert events(source) == [(EventKind.MERGED, agent.pk, "new", str(target.pk))]
    # The tag the target lacked is recorded on it; the shared one is not.
    assert events(target)[-2:] == [
        (EventKind.TAG_ADDED, agent.pk, "", "billing"),
        (EventKind.MERGED_IN, agent.pk, "", str(source.pk)),
    ]
    merged_in = Event.objects.get(kind=EventKind.MERGED_IN)
    assert merged_in.merged_from is None
    assert merged_in.created_at == AT


def test_a_second_merge_keeps_where_events_first_came_from(agent: User) -> None:
    a, b, c = in_status(Status.OPEN), in_status(Status.OPEN), in_status(Status.OPEN)
    factories.MessageFactory.create(conversation=a)
    services.conversation_tag(conversation=a, actor=agent, tags=["from-a"])
    services.conversation_tag(conversation=b, actor=agent, tags=["from-b"])
    from_a = Event.objects.get(new_value="from-a").pk
    from_b = Event.objects.get(new_value="from-b").pk

    services.conversation_merge(source=a, target=b, actor=agent)
    services.conversation_merge(source=b, target=c, actor=agent)

    assert Event.objects.get(pk=from_a).conversation_id == c.pk
    assert Event.objects.get(pk=from_a).merged_from_id == a.pk
    assert Event.objects.get(pk=from_b).merged_from_id == b.pk
    assert Message.objects.get().conversation_id == c.pk
    c.refresh_from_db()
    assert sorted(c.tags.values_list("name", flat=True)) == ["from-a", "from-b"]


def test_merging_into_itself_is_refused(agent: User) -> None:
    conv = in_status(Status.OPEN)

    with pytest.raises(ValidationFailed) as caught:
        services.conversation_merge(source=conv, target=conv, actor=agent)

    assert caught.value.field == "target_id"
    assert not Event.objects.exists()


@pytest.mark.parametrize("which", ["source", "target"])
def test_merging_an_already_merged_conversation_is_a_conflict(agent: User, which: str) -> None:
    merged, elsewhere, other = (in_status(Status.OPEN) for _ in range(3))
    services.conversation_merge(source=merged, target=elsewhere, actor=agent)
    count = Event.objects.count()

    source, target = (merged, other) if which == "source" else (other, merged)
    with pytest.raises(Conflict):
        services.conversation_merge(source=source, target=target, actor=agent)

    other.refresh_from_db()
    assert other.merged_into is None
    assert other.status == Status.OPEN
    assert Event.objects.count() == count


def test_merging_into_a_closed_conversation_is_a_conflict(agent: User) -> None:
    source, target = in_status(Status.OPEN), in_status(Status.CLOSED)
    factories.MessageFactory.create(conversation=source)

    with pytest.raises(Conflict) as caught:
        services.conversation_merge(source=source, target=target, actor=agent)

    assert caught.value.field == "target_id"
    source.refresh_from_db()
    assert (source.status, source.merged_into) == (Status.OPEN, None)
    assert Message.objects.get().conversation_id == source.pk
    assert not Event.objects.exists()
