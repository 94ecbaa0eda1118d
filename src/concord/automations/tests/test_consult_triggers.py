"""Consults in triggers: "consult <team>" as an action, open and overdue consults as conditions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.accounts.services import SYSTEM_USERNAME
from concord.automations.dryrun import dry_run
from concord.automations.models import Outcome, TriggerAction, TriggerRun
from concord.automations.services import change_process
from concord.automations.tests.conftest import make_trigger
from concord.automations.validation import check_action, check_condition
from concord.collaboration.models import Consult
from concord.collaboration.services import consult_close, consult_open
from concord.collaboration.sla import consult_target_set
from concord.common.errors import ValidationFailed
from concord.common.testing.commit import Committing
from concord.conversations.models import Conversation, EventKind
from concord.conversations.services import conversation_set_category, conversation_set_status
from concord.notifications.models import Notification

pytestmark = pytest.mark.django_db

Open = Callable[..., Conversation]
REFUNDS = [("category", "is", "refund")]
ASK_BILLING = [("consult", "billing", "Refund for {{ customer.name }} on #{{ conversation.id }}?")]


def _refund(open_conversation: Open, agent: User, committed: Committing) -> Conversation:
    conversation = open_conversation()
    with committed():
        conversation_set_category(conversation=conversation, actor=agent, category="refund")
    return conversation


def _set_status(
    conversation: Conversation, agent: User, committed: Committing, status: str
) -> None:
    with committed():
        conversation_set_status(conversation=conversation, actor=agent, status=status)


def test_a_trigger_consults_billing_once(
    open_conversation: Open,
    agent: User,
    collaborator: User,
    billing: Team,
    committed: Committing,
) -> None:
    make_trigger(
        name="Refunds go past Billing",
        events=["status_changed"],
        conditions=REFUNDS,
        actions=ASK_BILLING,
    )
    conversation = _refund(open_conversation, agent, committed)
    _set_status(conversation, agent, committed, "pending")
    consult = Consult.objects.get()
    assert consult.team == billing
    assert consult.asked_by.username == SYSTEM_USERNAME
    assert consult.question == f"Refund for Dana Smith on #{conversation.pk}?"
    assert conversation.events.filter(kind=EventKind.CONSULT_ASKED).count() == 1
    assert Notification.objects.filter(recipient=collaborator, kind="consult").exists()
    run = TriggerRun.objects.get()
    assert (run.outcome, run.detail) == (Outcome.FIRED, f"consulted billing (consult {consult.pk})")

    # The same event processed again (a retried task) asks nothing more.
    event = conversation.events.filter(kind=EventKind.STATUS_CHANGED).latest("id")
    change_process(conversation_id=conversation.pk, event_ids=[event.pk], chain=[])
    assert Consult.objects.count() == 1
    # A later event fires the trigger again, but Billing's consult is still open.
    _set_status(conversation, agent, committed, "open")
    assert Consult.objects.count() == 1
    latest = TriggerRun.objects.order_by("-id").first()
    assert latest is not None
    assert latest.detail == f"consult billing: consult {consult.pk} is open already"
    # Once it is closed, the next matching event asks again.
    consult_close(consult=consult, actor=agent)
    _set_status(conversation, agent, committed, "pending")
    assert Consult.objects.count() == 2


def test_a_trigger_on_a_conversation_the_system_user_is_not_in_the_team_of(
    open_conversation: Open, agent: User, support: Team, billing: Team, committed: Committing
) -> None:
    """The system user belongs to no team; the trigger still asks for a team-owned one."""
    make_trigger(name="Refunds go past Billing", events=["status_changed"], actions=ASK_BILLING)
    conversation = open_conversation(team=support)
    _set_status(conversation, agent, committed, "pending")
    assert Consult.objects.filter(conversation=conversation, team=billing).count() == 1


def test_conditions_on_open_and_overdue_consults(
    open_conversation: Open, agent: User, billing: Team, committed: Committing
) -> None:
    make_trigger(
        name="Any consult",
        events=["status_changed"],
        conditions=[("consult_open", "is_set", "")],
        actions=[("add_tags", "consulted", "")],
    )
    make_trigger(
        name="Billing is late",
        events=["status_changed"],
        conditions=[("consult_overdue", "is", "Billing")],
        actions=[("add_tags", "billing-late", "")],
    )
    make_trigger(
        name="No consult",
        events=["status_changed"],
        conditions=[("consult_open", "is_not_set", "")],
        actions=[("add_tags", "alone", "")],
    )
    conversation = open_conversation()
    _set_status(conversation, agent, committed, "pending")
    assert _tags(conversation) == ["alone"]

    consult_target_set(team=billing, first_answer_seconds=4 * 3600)
    with committed():
        consult_open(
            conversation=conversation,
            actor=agent,
            team=billing,
            question="Refund?",
            at=timezone.now() - timedelta(hours=3),
        )
    _set_status(conversation, agent, committed, "open")
    assert _tags(conversation) == ["alone", "consulted"]  # open, not yet overdue

    Consult.objects.update(due_at=timezone.now() - timedelta(minutes=1))
    _set_status(conversation, agent, committed, "pending")
    assert _tags(conversation) == ["alone", "billing-late", "consulted"]


def _tags(conversation: Conversation) -> list[str]:
    return sorted(conversation.tags.values_list("name", flat=True))


def test_an_unknown_team_is_refused_naming_the_field(billing: Team) -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_action(kind="consult", target="billling", text="Refund?")
    assert raised.value.field == "target"
    assert "'billling'" in raised.value.message
    with pytest.raises(ValidationFailed) as raised:
        check_action(kind="consult", target="billing", text=" ")
    assert raised.value.field == "text"
    check_action(kind="consult", target="Billing", text="Refund for {{ customer.name }}?")

    with pytest.raises(ValidationFailed) as raised:
        check_condition(field="consult_open", operator="in", value="billing, ghosts")
    assert raised.value.field == "value"
    assert "'ghosts'" in raised.value.message
    with pytest.raises(ValidationFailed) as raised:
        check_condition(field="consult_overdue", operator="at_least", value="2")
    assert raised.value.field == "operator"
    check_condition(field="consult_open", operator="is_set", value="")
    check_condition(field="consult_overdue", operator="is", value="billing")


def test_the_dry_run_describes_the_consult_it_would_ask(
    open_conversation: Open, agent: User, billing: Team, committed: Committing
) -> None:
    conversation = open_conversation()
    make_trigger(
        name="Refunds go past Billing",
        events=["status_changed"],
        conditions=[*REFUNDS, ("consult_open", "is_not", "billing")],
        actions=ASK_BILLING,
    )
    with committed():
        conversation_set_category(conversation=conversation, actor=agent, category="refund")
    result = dry_run(conversation_id=conversation.pk, event_name="status_changed")
    assert result is not None
    [verdict] = [v for v in result.verdicts if v.kind == "trigger"]
    assert verdict.matches
    assert verdict.actions == [f"Consult billing: “Refund for Dana Smith on #{conversation.pk}?”"]
    assert [c.text for c in verdict.conditions][
        1
    ] == "Open consult to (team slug or username) is not billing"
    assert not Consult.objects.exists()  # nothing changed

    consult_open(conversation=conversation, actor=agent, team=billing, question="Refund?")
    result = dry_run(conversation_id=conversation.pk, event_name="status_changed")
    assert result is not None
    [verdict] = [v for v in result.verdicts if v.kind == "trigger"]
    assert not verdict.matches
    assert verdict.actions[0].endswith("(not asked again: a consult to Billing is open)")


def test_the_admin_offers_the_consult_action_and_condition(
    client_as_admin: Client, billing: Team
) -> None:
    form = {
        "name": "Refunds to billing",
        "description": "",
        "position": "10",
        "is_active": "on",
        "events": ["customer_replied"],
        "match": "all",
        "conditions-TOTAL_FORMS": "1",
        "conditions-INITIAL_FORMS": "0",
        "conditions-0-field": "consult_open",
        "conditions-0-operator": "is_not",
        "conditions-0-value": "billing",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-kind": "consult",
        "actions-0-target": "no-such-team",
        "actions-0-text": "Refund for {{ customer.name }}?",
    }
    page = client_as_admin.get("/admin/automations/trigger/add/").content.decode()
    assert 'value="consult"' in page
    assert 'value="consult_overdue"' in page
    refused = client_as_admin.post("/admin/automations/trigger/add/", form)
    assert refused.status_code == 200
    assert "No team has the slug &#x27;no-such-team&#x27;" in refused.content.decode()
    form["actions-0-target"] = "billing"
    saved = client_as_admin.post("/admin/automations/trigger/add/", form)
    assert saved.status_code == 302
    assert TriggerAction.objects.get().kind == "consult"
