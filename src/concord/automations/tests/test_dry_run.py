"""The dry run explains each rule's verdict and changes nothing; the admin shows it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from concord.accounts.models import User
from concord.automations.dryrun import dry_run
from concord.automations.models import Trigger, TriggerRun
from concord.automations.services import time_rules_run
from concord.automations.tests.conftest import make_time_rule, make_trigger
from concord.common.testing.commit import Committing
from concord.conversations.models import Conversation
from concord.conversations.services import conversation_set_status

pytestmark = pytest.mark.django_db

Open = Callable[..., Conversation]


def test_dry_run_explains_every_rule(
    open_conversation: Open, agent: User, committed: Committing
) -> None:
    start = datetime.now(UTC) - timedelta(days=2)
    conversation = open_conversation(at=start)
    with committed():
        conversation_set_status(
            conversation=conversation, actor=agent, status="pending", at=start + timedelta(hours=1)
        )
    make_trigger(
        name="Parcel",
        events=["created"],
        conditions=[("subject", "contains", "parcel"), ("channel", "is", "email")],
        actions=[("add_tags", "shipping", "")],
    )
    make_trigger(
        name="VIP",
        events=["created"],
        conditions=[("customer_tier", "is", "vip")],
        actions=[("set_priority", "high", "")],
    )
    make_trigger(name="Replies", events=["agent_replied"], actions=[("add_tags", "x", "")])
    make_time_rule(
        name="Remind", status="pending", after_seconds=86400, actions=[("add_note", "", "Hi")]
    )
    result = dry_run(conversation_id=conversation.pk, event_name="created")
    assert result is not None
    verdicts = {v.name: v for v in result.verdicts}
    assert verdicts["Parcel"].would_fire
    assert [c.holds for c in verdicts["Parcel"].conditions] == [True, True]
    assert not verdicts["VIP"].would_fire
    assert verdicts["VIP"].conditions[0].holds is False
    assert not verdicts["Replies"].would_fire
    assert "does not listen" in verdicts["Replies"].note
    assert verdicts["Remind"].would_fire
    # Nothing happened.
    assert not conversation.tags.exists()
    assert not TriggerRun.objects.exists()

    # Once the time rule has fired for this stay in pending, it would not fire again.
    with committed():
        assert time_rules_run() == 1
    again = dry_run(conversation_id=conversation.pk, event_name="created")
    assert again is not None
    remind = next(v for v in again.verdicts if v.name == "Remind")
    assert not remind.would_fire
    assert "already fired for this stay" in remind.note


def test_admin_dry_run_page(client_as_admin: Client, open_conversation: Open) -> None:
    client = client_as_admin
    conversation = open_conversation()
    make_trigger(name="Parcel", events=["created"], conditions=[("subject", "contains", "parcel")])
    page = client.get(
        "/admin/automations/trigger/dry-run/",
        {"conversation": str(conversation.pk), "event": "created"},
    )
    assert page.status_code == 200
    assert "Would fire" in page.content.decode()
    missing = client.get("/admin/automations/trigger/dry-run/", {"conversation": "999999"})
    assert "There is no conversation #999999" in missing.content.decode()


def test_admin_defines_a_trigger_without_code_and_bad_rows_are_refused(
    client_as_admin: Client, open_conversation: Open
) -> None:
    client = client_as_admin
    form = {
        "name": "Refunds to billing",
        "description": "",
        "position": "10",
        "is_active": "on",
        "events": ["created"],
        "match": "all",
        "conditions-TOTAL_FORMS": "1",
        "conditions-INITIAL_FORMS": "0",
        "conditions-0-field": "subject",
        "conditions-0-operator": "contains",
        "conditions-0-value": "parcel",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-kind": "set_team",
        "actions-0-target": "no-such-team",
        "actions-0-text": "",
    }
    refused = client.post("/admin/automations/trigger/add/", form)
    assert refused.status_code == 200
    assert "No team has the slug" in refused.content.decode()
    assert not Trigger.objects.exists()

    form["actions-0-kind"] = "add_tags"
    form["actions-0-target"] = "shipping"
    saved = client.post("/admin/automations/trigger/add/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert [t.name for t in open_conversation().tags.all()] == ["shipping"]
