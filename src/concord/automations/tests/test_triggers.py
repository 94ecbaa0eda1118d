"""Triggers: each action, conditions, order, exactly-once and the loop guard."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from concord.accounts.models import Team, User
from concord.accounts.services import SYSTEM_USERNAME
from concord.automations.context import suppressed
from concord.automations.models import Outcome, TriggerRun
from concord.automations.services import change_process
from concord.automations.tests.conftest import make_trigger
from concord.common.testing.commit import Committing
from concord.conversations.models import Conversation, EventKind, Status, Visibility
from concord.conversations.services import conversation_open, conversation_set_status
from concord.customers.models import Tier

pytestmark = pytest.mark.django_db

Open = Callable[..., Conversation]


def test_set_priority_and_tags_on_created(open_conversation: Open) -> None:
    make_trigger(
        name="Parcel problems are urgent",
        events=["created"],
        conditions=[("subject", "contains", "parcel")],
        actions=[("set_priority", "urgent", ""), ("add_tags", "shipping, late", "")],
    )
    conversation = open_conversation()
    assert conversation.priority == "urgent"
    assert sorted(t.name for t in conversation.tags.all()) == ["late", "shipping"]
    event = conversation.events.get(kind=EventKind.PRIORITY_CHANGED)
    assert event.actor_user is not None
    assert event.actor_user.username == SYSTEM_USERNAME
    run = TriggerRun.objects.get()
    assert run.outcome == Outcome.FIRED
    assert "priority urgent" in run.detail


def test_conditions_that_fail_leave_the_conversation_alone(open_conversation: Open) -> None:
    make_trigger(
        name="VIP only",
        events=["created"],
        conditions=[("customer_tier", "is", Tier.VIP)],
        actions=[("set_priority", "high", "")],
    )
    conversation = open_conversation()
    assert conversation.priority == "normal"
    assert not TriggerRun.objects.exists()


def test_any_match(open_conversation: Open) -> None:
    make_trigger(
        name="Either word",
        events=["created"],
        match="any",
        conditions=[("subject", "contains", "refund"), ("message_text", "contains", "order")],
        actions=[("add_tags", "order", "")],
    )
    assert [t.name for t in open_conversation().tags.all()] == ["order"]


def test_assign_and_set_team(open_conversation: Open, agent: User, support: Team) -> None:
    make_trigger(
        name="Route",
        events=["created"],
        actions=[("set_team", support.slug, ""), ("assign", agent.username, "")],
    )
    conversation = open_conversation()
    assert conversation.team == support
    assert conversation.assignee == agent


def test_set_status_and_remove_tags(open_conversation: Open) -> None:
    make_trigger(
        name="Spam",
        events=["created"],
        conditions=[("tags", "is", "spam")],
        actions=[
            ("remove_tags", "spam", ""),
            ("add_tags", "junk", ""),
            ("set_status", "solved", ""),
        ],
    )
    conversation = open_conversation(tags=["spam"])
    assert conversation.status == Status.SOLVED
    assert [t.name for t in conversation.tags.all()] == ["junk"]


def test_note_and_templated_email(open_conversation: Open) -> None:
    make_trigger(
        name="Acknowledge",
        events=["created"],
        actions=[
            ("add_note", "", "Check the carrier for {{ customer.name }} ({{ customer.email }})."),
            (
                "send_email",
                "",
                "Hello {{ customer.name }}, we have your request #{{ conversation.id }}.",
            ),
        ],
    )
    conversation = open_conversation()
    note = conversation.messages.get(visibility=Visibility.INTERNAL)
    assert note.body_text == "Check the carrier for Dana Smith (dana@example.com)."
    reply = conversation.messages.get(direction="outbound", visibility=Visibility.PUBLIC)
    assert reply.body_text == f"Hello Dana Smith, we have your request #{conversation.pk}."
    # The machine answered, but it does not own the conversation.
    assert conversation.assignee is None


def test_customer_reply_event_is_not_the_opening_message(
    open_conversation: Open, committed: Committing
) -> None:
    make_trigger(
        name="Customer wrote again",
        events=["customer_replied"],
        actions=[("add_tags", "followed-up", "")],
    )
    conversation = open_conversation()
    assert not conversation.tags.exists()
    from concord.conversations.services import message_receive

    with committed():
        message_receive(conversation=conversation, body_text="Any news?")
    assert [t.name for t in conversation.tags.all()] == ["followed-up"]


def test_triggers_run_in_order_and_see_earlier_changes(open_conversation: Open) -> None:
    make_trigger(
        name="Second: tag urgent ones",
        events=["created"],
        position=20,
        conditions=[("priority", "is", "urgent")],
        actions=[("add_tags", "escalated", "")],
    )
    make_trigger(
        name="First: raise priority",
        events=["created"],
        position=10,
        actions=[("set_priority", "urgent", "")],
    )
    conversation = open_conversation()
    assert [t.name for t in conversation.tags.all()] == ["escalated"]


def test_a_rerun_of_the_same_change_fires_nothing_twice(open_conversation: Open) -> None:
    make_trigger(name="Note", events=["created"], actions=[("add_note", "", "Seen.")])
    conversation = open_conversation()
    created = conversation.events.get(kind=EventKind.CREATED)
    # The worker died after committing but before marking the task done: it runs again.
    change_process(conversation_id=conversation.pk, event_ids=[created.pk], chain=[])
    change_process(conversation_id=conversation.pk, event_ids=[created.pk], chain=[])
    assert conversation.messages.filter(visibility=Visibility.INTERNAL).count() == 1
    assert TriggerRun.objects.count() == 1


def test_a_failing_action_rolls_back_its_trigger_and_others_go_on(
    open_conversation: Open, billing: Team, supervisor: User
) -> None:
    make_trigger(
        name="Broken",
        events=["created"],
        position=1,
        # The supervisor is not a member of Billing: the assignment is refused.
        actions=[
            ("add_tags", "half-done", ""),
            ("set_team", billing.slug, ""),
            ("assign", supervisor.username, ""),
        ],
    )
    make_trigger(name="Fine", events=["created"], position=2, actions=[("add_tags", "ok", "")])
    conversation = open_conversation()
    assert [t.name for t in conversation.tags.all()] == ["ok"]
    assert conversation.team is None
    failed = TriggerRun.objects.get(outcome=Outcome.FAILED)
    assert "not a member" in failed.detail


def test_loop_guard_stops_two_triggers_undoing_each_other(
    open_conversation: Open, committed: Committing, agent: User, caplog: pytest.LogCaptureFixture
) -> None:
    make_trigger(
        name="Reopen pending",
        events=["status_changed"],
        conditions=[("new_value", "is", "pending")],
        actions=[("set_status", "open", "")],
    )
    make_trigger(
        name="Park open",
        events=["status_changed"],
        conditions=[("new_value", "is", "open")],
        actions=[("set_status", "pending", "")],
    )
    conversation = open_conversation()
    with caplog.at_level(logging.WARNING, logger="concord.automations"), committed():
        conversation_set_status(conversation=conversation, actor=agent, status="pending")
    changes = conversation.events.filter(kind=EventKind.STATUS_CHANGED).count()
    # agent: new->pending; Reopen: ->open; Park: ->pending; Reopen again is stopped.
    assert changes == 3
    guard = TriggerRun.objects.get(outcome=Outcome.LOOP_GUARD)
    assert guard.trigger.name == "Reopen pending"
    assert "already fired earlier in this chain" in guard.detail
    assert any("Loop guard: trigger" in r.getMessage() for r in caplog.records)


def test_suppressed_changes_run_no_automation(committed: Committing) -> None:
    make_trigger(name="Tag", events=["created"], actions=[("add_tags", "seen", "")])
    with suppressed(), committed():
        conversation = conversation_open(
            channel="web",
            body_text="Old history",
            identity_kind="email",
            identity_value="old@example.com",
        )
    assert not conversation.tags.exists()
    assert not TriggerRun.objects.exists()


def test_a_low_survey_score_fires_a_survey_answered_trigger(
    open_conversation: Open, committed: Committing
) -> None:
    from concord.surveys.services import survey_answer
    from concord.surveys.tests.conftest import make_definition
    from concord.surveys.tests.helpers import invite

    make_trigger(
        name="Unhappy customer",
        events=["survey_answered"],
        conditions=[("survey_kind", "is", "csat"), ("survey_score", "at_most", "2")],
        actions=[("add_tags", "unhappy", "")],
    )
    happy = open_conversation()
    unhappy = open_conversation(identity_value="eve@example.com")
    csat = make_definition("csat")
    for conversation, score in ((happy, 5), (unhappy, 1)):
        _, token = invite(definition=csat, conversation=conversation)
        with committed():
            survey_answer(token=token, score=score)
    assert not happy.tags.exists()
    assert [t.name for t in unhappy.tags.all()] == ["unhappy"]
    event = unhappy.events.get(kind=EventKind.SURVEY_ANSWERED)
    assert (event.old_value, event.new_value) == ("csat", "1")
