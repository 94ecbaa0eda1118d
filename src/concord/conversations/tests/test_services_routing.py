"""Assigning conversations to agents and teams, and tagging them."""

from __future__ import annotations

import pytest

from concord.accounts.models import Role, Team, User
from concord.common.errors import Conflict, ValidationFailed
from concord.common.testing import factories
from concord.conversations import services
from concord.conversations.models import Conversation, Event, EventKind, Status, Tag

pytestmark = pytest.mark.django_db

EventRow = tuple[str, int | None, str, str]


def events(conversation: Conversation) -> list[EventRow]:
    """(kind, actor user, old, new) of the conversation's events."""
    return list(
        Event.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("kind", "actor_user_id", "old_value", "new_value")
    )


def conversation(
    *, team: Team | None = None, assignee: User | None = None, status: str = Status.OPEN
) -> Conversation:
    # Scene-setting; the behaviour under test goes through services.
    return factories.ConversationFactory.create(team=team, assignee=assignee, status=status)


def state(conv: Conversation) -> tuple[int | None, int | None]:
    conv.refresh_from_db()
    return conv.team_id, conv.assignee_id


# --- conversation_assign --------------------------------------------------------


def test_assign_an_agent(supervisor: User, agent: User, support: Team) -> None:
    conv = conversation(team=support)

    services.conversation_assign(conversation=conv, actor=supervisor, assignee=agent)

    assert state(conv) == (support.pk, agent.pk)
    assert events(conv) == [(EventKind.ASSIGNED, supervisor.pk, "", str(agent.pk))]


def test_assign_a_team(supervisor: User, billing: Team) -> None:
    conv = conversation()

    services.conversation_assign(conversation=conv, actor=supervisor, team=billing)

    assert state(conv) == (billing.pk, None)
    assert events(conv) == [(EventKind.TEAM_CHANGED, supervisor.pk, "", str(billing.pk))]


def test_assign_team_and_agent_together(
    supervisor: User, other_agent: User, support: Team, billing: Team, agent: User
) -> None:
    conv = conversation(team=support, assignee=agent)

    services.conversation_assign(
        conversation=conv, actor=supervisor, team=billing, assignee=other_agent
    )

    assert state(conv) == (billing.pk, other_agent.pk)
    assert events(conv) == [
        (EventKind.TEAM_CHANGED, supervisor.pk, str(support.pk), str(billing.pk)),
        (EventKind.ASSIGNED, supervisor.pk, str(agent.pk), str(other_agent.pk)),
    ]


def test_none_clears_and_an_omitted_argument_is_kept(
    supervisor: User, agent: User, support: Team
) -> None:
    conv = conversation(team=support, assignee=agent)

    services.conversation_assign(conversation=conv, actor=supervisor, assignee=None)
    assert state(conv) == (support.pk, None)

    services.conversation_assign(conversation=conv, actor=supervisor, team=None)
    assert state(conv) == (None, None)

    assert events(conv) == [
        (EventKind.ASSIGNED, supervisor.pk, str(agent.pk), ""),
        (EventKind.TEAM_CHANGED, supervisor.pk, str(support.pk), ""),
    ]


def test_changing_the_team_keeps_an_assignee_who_is_a_member(
    supervisor: User, agent: User, support: Team, billing: Team
) -> None:
    billing.members.add(agent)
    conv = conversation(team=support, assignee=agent)

    services.conversation_assign(conversation=conv, actor=supervisor, team=billing)

    assert state(conv) == (billing.pk, agent.pk)
    assert [e[0] for e in events(conv)] == [EventKind.TEAM_CHANGED]


def test_assigning_the_same_values_writes_nothing(
    supervisor: User, agent: User, support: Team
) -> None:
    conv = conversation(team=support, assignee=agent)
    updated = conv.updated_at

    services.conversation_assign(conversation=conv, actor=supervisor, assignee=agent, team=support)
    services.conversation_assign(conversation=conv, actor=supervisor)

    assert events(conv) == []
    conv.refresh_from_db()
    assert conv.updated_at == updated


def test_an_assignee_outside_the_team_is_refused(
    supervisor: User, other_agent: User, agent: User, support: Team, billing: Team
) -> None:
    conv = conversation(team=support)

    with pytest.raises(ValidationFailed) as caught:
        services.conversation_assign(conversation=conv, actor=supervisor, assignee=other_agent)
    assert caught.value.field == "assignee"

    # Moving to a team the current assignee is not in is refused too.
    conv2 = conversation(team=support, assignee=agent)
    with pytest.raises(ValidationFailed):
        services.conversation_assign(conversation=conv2, actor=supervisor, team=billing)

    assert state(conv) == (support.pk, None)
    assert state(conv2) == (support.pk, agent.pk)
    assert not Event.objects.exists()


@pytest.mark.parametrize("kind", ["collaborator", "customer", "inactive"])
def test_who_cannot_work_conversations_cannot_be_assigned(
    kind: str, supervisor: User, collaborator: User, support: Team
) -> None:
    assignee = {
        "collaborator": collaborator,
        "customer": factories.UserFactory.create(username="portal", role=Role.CUSTOMER),
        "inactive": factories.UserFactory.create(username="gone", is_active=False),
    }[kind]
    conv = conversation()

    with pytest.raises(ValidationFailed) as caught:
        services.conversation_assign(conversation=conv, actor=supervisor, assignee=assignee)

    assert caught.value.field == "assignee"
    assert state(conv) == (None, None)
    assert not Event.objects.exists()


@pytest.mark.parametrize("status", [Status.CLOSED])
def test_a_closed_conversation_cannot_be_assigned(
    status: str, supervisor: User, agent: User
) -> None:
    conv = conversation(status=status)

    with pytest.raises(Conflict):
        services.conversation_assign(conversation=conv, actor=supervisor, assignee=agent)

    assert state(conv) == (None, None)
    assert not Event.objects.exists()


def test_a_merged_conversation_cannot_be_assigned(supervisor: User, agent: User) -> None:
    source, target = conversation(), conversation()
    services.conversation_merge(source=source, target=target, actor=supervisor)
    count = Event.objects.count()

    with pytest.raises(Conflict):
        services.conversation_assign(conversation=source, actor=supervisor, assignee=agent)

    assert state(source) == (None, None)
    assert Event.objects.count() == count


# --- tags ---------------------------------------------------------------------


def test_tag_normalises_and_reports_what_changed(agent: User) -> None:
    conv = conversation()
    updated = conv.updated_at

    added = services.conversation_tag(
        conversation=conv, actor=agent, tags=["Bug Report", " URGENT ", "bug   report", "v2.1:x_y"]
    )

    assert added == ["bug-report", "urgent", "v2.1:x_y"]
    assert sorted(conv.tags.values_list("name", flat=True)) == added
    assert events(conv) == [
        (EventKind.TAG_ADDED, agent.pk, "", "bug-report"),
        (EventKind.TAG_ADDED, agent.pk, "", "urgent"),
        (EventKind.TAG_ADDED, agent.pk, "", "v2.1:x_y"),
    ]
    conv.refresh_from_db()
    assert conv.updated_at >= updated


def test_tag_writes_events_only_for_new_tags(agent: User) -> None:
    conv = conversation()
    services.conversation_tag(conversation=conv, actor=agent, tags=["billing"])

    added = services.conversation_tag(conversation=conv, actor=agent, tags=["Billing", "refund"])
    again = services.conversation_tag(conversation=conv, actor=agent, tags=["refund"])

    assert added == ["refund"]
    assert again == []
    assert [e[3] for e in events(conv)] == ["billing", "refund"]


def test_tags_are_shared_between_conversations(agent: User) -> None:
    first, second = conversation(), conversation()

    services.conversation_tag(conversation=first, actor=agent, tags=["vip"])
    services.conversation_tag(conversation=second, actor=agent, tags=["VIP"])

    assert Tag.objects.filter(name="vip").count() == 1
    assert Tag.objects.get().conversations.count() == 2


def test_untag_removes_only_present_tags(agent: User) -> None:
    conv = conversation()
    services.conversation_tag(conversation=conv, actor=agent, tags=["a", "b"])

    removed = services.conversation_untag(conversation=conv, actor=agent, tags=["A", "c"])
    none = services.conversation_untag(conversation=conv, actor=agent, tags=["a"])

    assert removed == ["a"]
    assert none == []
    assert list(conv.tags.values_list("name", flat=True)) == ["b"]
    assert events(conv)[-1] == (EventKind.TAG_REMOVED, agent.pk, "a", "")
    assert [e[0] for e in events(conv)].count(EventKind.TAG_REMOVED) == 1
    assert Tag.objects.filter(name="a").exists()  # the tag stays for other conversations


@pytest.mark.parametrize(
    "tags",
    [
        [],
        [""],
        ["ok", "not ok!"],
        ["-leading-dash"],
        ["x" * 51],
        ["emoji-🙂"],
        [f"t{n}" for n in range(51)],
    ],
)
def test_invalid_tags_are_refused_and_nothing_changes(agent: User, tags: list[str]) -> None:
    conv = conversation()
    services.conversation_tag(conversation=conv, actor=agent, tags=["keep"])

    with pytest.raises(ValidationFailed) as caught:
        services.conversation_tag(conversation=conv, actor=agent, tags=tags)
    with pytest.raises(ValidationFailed):
        services.conversation_untag(conversation=conv, actor=agent, tags=tags)

    assert caught.value.field == "tags"
    assert list(conv.tags.values_list("name", flat=True)) == ["keep"]
    assert len(events(conv)) == 1
    assert list(Tag.objects.values_list("name", flat=True)) == ["keep"]


def test_a_closed_conversation_cannot_be_tagged(agent: User) -> None:
    conv = conversation(status=Status.CLOSED)

    with pytest.raises(Conflict):
        services.conversation_tag(conversation=conv, actor=agent, tags=["late"])

    assert not conv.tags.exists()
    assert not Event.objects.exists()
