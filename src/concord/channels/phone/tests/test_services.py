"""Recording a call: validation, joining the customer's history, and re-sent records."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from concord.accounts.models import Team, User
from concord.automations.context import suppressed
from concord.channels.phone.models import CallRecord, CallRecordChange
from concord.channels.phone.services import call_record_upsert
from concord.channels.phone.tests.helpers import (
    PHONE,
    T0,
    call_values,
    missed_values,
    record,
    record_missed,
)
from concord.common.errors import Conflict, ValidationFailed
from concord.conversations.models import Conversation, Direction, EventKind, Status
from concord.conversations.services import conversation_merge, conversation_open
from concord.customers.models import Customer
from concord.customers.services import customer_create
from concord.metrics.selectors import first_contact_resolution, resolution_time
from concord.metrics.services import conversation_facts_refresh
from concord.metrics.tests.helpers import period

pytestmark = pytest.mark.django_db


def _customer(phone: str = PHONE, name: str = "Dana Miller") -> Customer:
    return customer_create(name=name, identities=[("email", "dana@example.net"), ("phone", phone)])


def _email_case(customer: Customer) -> Conversation:
    with suppressed():
        return conversation_open(
            channel="email", customer=customer, subject="Refund", body_text="Where is it?", at=T0
        )


# ---- joining the customer's history ---------------------------------------------


def test_an_answered_call_opens_a_phone_conversation_owned_by_the_agent(
    agent: User, support: Team
) -> None:
    call = record(agent=agent, team=support, summary="Wanted to change the delivery address.").call
    conversation = Conversation.objects.get(pk=call.conversation_id)
    assert (conversation.channel, conversation.subject) == ("phone", f"Call from {PHONE}")
    assert (conversation.team, conversation.assignee) == (support, agent)
    assert conversation.created_at == T0
    first = conversation.messages.order_by("created_at", "id").first()
    assert first is not None
    assert first.body_text == "Wanted to change the delivery address."
    assert (first.direction, first.channel, first.external_id) == (
        Direction.INBOUND,
        "phone",
        call.external_id,
    )
    assigned = conversation.events.get(kind=EventKind.ASSIGNED)
    assert assigned.created_at == T0 + timedelta(seconds=45)


def test_without_a_summary_the_first_message_says_what_happened(agent: User) -> None:
    call = record(agent=agent).call
    messages = Conversation.objects.get(pk=call.conversation_id).messages.order_by("created_at")
    body = messages[0].body_text
    assert body == (
        f"Call from {PHONE}, answered by {agent} after 45 s in the queue; talk 5 min, hold 1 min."
    )


def test_an_answered_call_without_follow_up_is_created_solved_by_the_agent(
    agent: User, support: Team
) -> None:
    call = record(agent=agent, team=support).call
    conversation = Conversation.objects.get(pk=call.conversation_id)
    assert (conversation.status, conversation.solved_at) == (Status.SOLVED, call.ended_at)
    # The pickup is the agent's answer, the end of the call the solve: both theirs.
    answer = conversation.messages.get(direction=Direction.OUTBOUND)
    assert (answer.author_user, answer.created_at) == (agent, call.answered_at)
    assert answer.body_text == f"{agent} answered your call and helped on the phone (talk 5 min)."
    solved = conversation.events.get(kind=EventKind.STATUS_CHANGED, new_value=Status.SOLVED)
    assert (solved.actor_user, solved.created_at) == (agent, call.ended_at)


def test_an_answered_call_counts_as_resolved_at_first_contact(agent: User) -> None:
    for minute in range(3):
        record(agent=agent, queued_at=T0 + timedelta(minutes=10 * minute))
    query = replace(period(), min_samples=1)
    for conversation in Conversation.objects.all():
        conversation_facts_refresh(conversation_id=conversation.pk)
    fcr = first_contact_resolution(query=query)
    assert (fcr.value, fcr.sample_size) == (100.0, 3)
    assert resolution_time(query=query).value == 45 + 360


def test_a_call_flagged_for_follow_up_stays_open_with_the_agent(agent: User, support: Team) -> None:
    call = record(agent=agent, team=support, follow_up=True).call
    conversation = Conversation.objects.get(pk=call.conversation_id)
    assert (conversation.status, conversation.assignee) == (Status.NEW, agent)
    assert conversation.solved_at is None
    assert not conversation.messages.filter(direction=Direction.OUTBOUND).exists()


def test_a_follow_up_flag_on_a_call_about_a_case_changes_nothing(agent: User) -> None:
    case = _email_case(_customer())
    call = record(agent=agent, conversation_id=case.pk, follow_up=True).call
    case.refresh_from_db()
    assert (call.conversation_id, case.status) == (case.pk, Status.NEW)


def test_a_missed_call_lands_in_history_for_the_team_to_call_back(support: Team) -> None:
    call = record_missed(team=support).call
    conversation = Conversation.objects.get(pk=call.conversation_id)
    assert conversation.subject == f"Missed call from {PHONE}"
    assert (conversation.status, conversation.team, conversation.assignee) == (
        Status.NEW,
        support,
        None,
    )
    assert "hung up after 2 min in the queue. Call them back." in (
        conversation.messages.get().body_text
    )
    assert (call.abandoned, call.answered_at, call.wait_seconds) == (True, None, None)


def test_an_outbound_call_is_logged_by_the_agent_who_placed_it(agent: User) -> None:
    call = record(direction="outbound", agent=agent).call
    conversation = Conversation.objects.get(pk=call.conversation_id)
    assert conversation.subject == f"Call to {PHONE}"
    assert conversation.events.get(kind=EventKind.CREATED).actor_user == agent


def test_the_call_joins_the_customer_who_owns_the_phone_number() -> None:
    dana = _customer()
    # The same number as the telephony system writes it.
    call = record(customer_phone="0049 (30) 123-4567").call
    assert call.customer == dana
    assert call.customer_phone_normalized == "+49301234567"
    assert Customer.objects.count() == 1


def test_an_unknown_number_becomes_a_new_customer_with_that_phone() -> None:
    call = record(customer_phone="+44 7700 900123", customer_name="Sam Jones").call
    assert call.customer.name == "Sam Jones"
    assert call.customer.identities.get().normalized == "+447700900123"
    assert call.customer.created_at == T0


def test_a_call_about_an_existing_case_is_attached_to_it() -> None:
    case = _email_case(_customer())
    before = Conversation.objects.count()
    call = record(conversation_id=case.pk).call
    assert call.conversation_id == case.pk
    assert Conversation.objects.count() == before
    # Nothing is written into the case itself: the call shows beside it.
    assert case.messages.count() == 1


def test_a_case_of_another_customer_is_refused_and_nothing_is_kept() -> None:
    other = customer_create(name="Other", identities=[("email", "other@example.net")])
    case = _email_case(other)
    with pytest.raises(ValidationFailed) as raised:
        record(customer_phone="+1 202 555 0188", conversation_id=case.pk)
    assert raised.value.field == "conversation_id"
    assert "not a conversation with the customer at +1 202 555 0188" in raised.value.message
    # One transaction: the customer the number would have created is gone too.
    assert not CallRecord.objects.exists()
    assert Customer.objects.count() == 1


def test_a_missing_case_is_refused_like_someone_elses() -> None:
    _customer()
    with pytest.raises(ValidationFailed) as raised:
        record(conversation_id=999_999)
    assert raised.value.field == "conversation_id"


def test_a_call_about_a_merged_case_lands_in_the_case_it_was_merged_into(agent: User) -> None:
    dana = _customer()
    source, target = _email_case(dana), _email_case(dana)
    with suppressed():
        conversation_merge(source=source, target=target, actor=agent)
    assert record(conversation_id=source.pk).call.conversation_id == target.pk


# ---- re-sent records ---------------------------------------------------------------


def test_the_same_record_twice_is_one_call(agent: User) -> None:
    values = call_values(agent=agent)
    with suppressed():
        first = call_record_upsert(**values)
        again = call_record_upsert(**values)
    assert (first.outcome, again.outcome) == ("created", "unchanged")
    assert again.call.pk == first.call.pk
    assert CallRecord.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert not CallRecordChange.objects.exists()


def test_a_corrected_record_updates_the_call_and_logs_each_change(
    agent: User, admin_user: User
) -> None:
    values = call_values(agent=agent)
    with suppressed():
        first = call_record_upsert(**values)
        fixed = call_record_upsert(
            **{**values, "wrap_up_seconds": 150, "summary": "Address changed."},
            actor=admin_user,
            at=T0 + timedelta(hours=1),
        )
    assert fixed.outcome == "updated"
    call = CallRecord.objects.get(pk=first.call.pk)
    assert (call.wrap_up_seconds, call.summary) == (150, "Address changed.")
    assert call.updated_at == T0 + timedelta(hours=1)
    change = CallRecordChange.objects.get(call=call)
    assert change.actor == admin_user
    assert change.fields == {
        "wrap_up_seconds": {"old": 90, "new": 150},
        "summary": {"old": "", "new": "Address changed."},
    }
    assert Conversation.objects.count() == 1


def test_a_correction_can_name_the_case_the_call_was_about() -> None:
    first = record()
    case = _email_case(first.call.customer)
    values = {"external_id": first.call.external_id, "conversation_id": case.pk}
    moved = record(**values)
    assert (moved.outcome, moved.call.conversation_id) == ("updated", case.pk)
    change = CallRecordChange.objects.get()
    assert change.fields["conversation"] == {"old": first.call.conversation_id, "new": case.pk}


def test_a_record_sent_again_for_another_number_is_refused() -> None:
    first = record()
    with pytest.raises(Conflict) as raised:
        record(external_id=first.call.external_id, customer_phone="+1 202 555 0100")
    assert raised.value.field == "customer_phone"
    assert CallRecord.objects.get().customer_phone == PHONE


# ---- validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"external_id": "  "}, "external_id"),
        ({"direction": "sideways"}, "direction"),
        ({"customer_phone": "call me"}, "customer_phone"),
        ({"answered_at": T0 - timedelta(seconds=1)}, "answered_at"),
        ({"ended_at": T0 + timedelta(seconds=10)}, "ended_at"),  # before it was answered
        ({"answered_at": None}, "answered_at"),  # unanswered but not abandoned
        ({"abandoned": True}, "abandoned"),  # abandoned but answered
        ({"talk_seconds": -1}, "talk_seconds"),
        ({"hold_seconds": -5}, "hold_seconds"),
        ({"wrap_up_seconds": 10**9}, "wrap_up_seconds"),
        ({"recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"summary": "x" * 20_001}, "summary"),
        ({"queued_at": T0.replace(tzinfo=None)}, "queued_at"),
    ],
)
def test_bad_records_are_refused_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        record(**overrides)
    assert raised.value.field == field
    assert not CallRecord.objects.exists()
    assert not Conversation.objects.exists()


def test_an_abandoned_call_had_no_talk() -> None:
    with pytest.raises(ValidationFailed) as raised, suppressed():
        call_record_upsert(**missed_values(talk_seconds=30))
    assert raised.value.field == "talk_seconds"


def test_a_call_cannot_end_in_the_future(agent: User) -> None:
    with pytest.raises(ValidationFailed) as raised:
        record(at=T0, ended_at=T0 + timedelta(hours=1))
    assert raised.value.field == "ended_at"


def test_the_agent_must_be_working_staff(collaborator: User, agent: User, billing: Team) -> None:
    with pytest.raises(ValidationFailed) as raised:
        record(agent=collaborator)
    assert raised.value.field == "agent_id"
    with pytest.raises(ValidationFailed) as raised:
        record(agent=agent, team=billing)  # alex is in Support
    assert raised.value.field == "agent_id"
    assert "not a member of the team Billing" in raised.value.message
    assert not CallRecord.objects.exists()
