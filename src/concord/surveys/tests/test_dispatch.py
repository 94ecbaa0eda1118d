"""Who gets a survey: solved conversations, channels, the cool-down, and every exclusion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from concord.accounts.models import User
from concord.common.testing.commit import Committing
from concord.conversations.services import conversation_merge, conversation_note, conversation_tag
from concord.customers.models import Customer
from concord.surveys.models import EmailState, SurveyDefinition, SurveyInvitation, Trigger
from concord.surveys.services import (
    survey_dispatch_for_conversation,
    survey_dispatch_relationship_nps,
    survey_on_conversation_change,
)
from concord.surveys.tests.conftest import Solver, make_definition, make_rule

pytestmark = [pytest.mark.django_db, pytest.mark.urls("concord.surveys.tests.urls")]


def test_solving_a_conversation_sends_one_csat_email(
    csat: SurveyDefinition, solve: Solver, agent: User
) -> None:
    conversation = solve()
    [invitation] = SurveyInvitation.objects.all()
    assert invitation.conversation == conversation
    assert invitation.customer == conversation.customer
    assert invitation.agent == agent
    assert invitation.channel == "email"
    assert invitation.to_address == "dana@customer.test"
    assert invitation.email_state == EmailState.SENT
    assert invitation.sent_at is not None
    assert invitation.expires_at - invitation.created_at == timedelta(days=30)
    [email] = mail.outbox
    assert email.subject == "How did we do?"
    assert email.to == ["dana@customer.test"]
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"


def test_dispatch_is_idempotent(
    csat: SurveyDefinition, solve: Solver, committed: Committing
) -> None:
    conversation = solve()
    with committed():
        assert survey_dispatch_for_conversation(conversation_id=conversation.pk) == []
        survey_on_conversation_change(
            conversation_id=conversation.pk, event_kinds={"status_changed"}
        )
    assert SurveyInvitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_conversation_that_is_not_solved_gets_nothing(
    csat: SurveyDefinition, solve: Solver, agent: User
) -> None:
    conversation = solve(hook=False)
    from concord.conversations.services import conversation_set_status

    conversation_set_status(conversation=conversation, actor=agent, status="open")
    survey_on_conversation_change(conversation_id=conversation.pk, event_kinds={"status_changed"})
    assert not SurveyInvitation.objects.exists()


def test_other_changes_do_not_dispatch(csat: SurveyDefinition, solve: Solver) -> None:
    conversation = solve(hook=False)
    survey_on_conversation_change(conversation_id=conversation.pk, event_kinds={"tag_added"})
    assert not SurveyInvitation.objects.exists()


def test_the_cool_down_holds_back_a_second_survey_to_the_same_customer(
    csat: SurveyDefinition, solve: Solver
) -> None:
    solve(subject="First")
    second = solve(subject="Second")
    assert SurveyInvitation.objects.count() == 1
    # Another customer is not held back by Dana's cool-down.
    solve(subject="Third", email="lee@customer.test", customer_name="Lee")
    assert SurveyInvitation.objects.count() == 2
    # After the cool-down the same customer is asked again.
    later = timezone.now() + timedelta(days=7, minutes=1)
    [invitation] = survey_dispatch_for_conversation(conversation_id=second.pk, now=later)
    assert invitation.conversation == second


def test_no_cool_down_sends_every_rule(solve: Solver) -> None:
    make_rule(make_definition("csat"), cooldown_days=0, position=1)
    make_rule(make_definition("ces"), cooldown_days=0, position=2)
    solve()
    assert sorted(SurveyInvitation.objects.values_list("definition__kind", flat=True)) == [
        "ces",
        "csat",
    ]


def test_the_cool_down_counts_any_survey_so_one_solve_sends_the_first_rule_only(
    solve: Solver,
) -> None:
    make_rule(make_definition("ces"), cooldown_days=7, position=2)
    make_rule(make_definition("csat"), cooldown_days=7, position=1)
    solve()
    assert list(SurveyInvitation.objects.values_list("definition__kind", flat=True)) == ["csat"]


def test_a_rule_applies_only_to_its_channels(solve: Solver) -> None:
    make_rule(make_definition("csat"), channels=["web"])
    solve(channel="email")
    assert not SurveyInvitation.objects.exists()
    solve(channel="web", email="lee@customer.test")
    assert SurveyInvitation.objects.get().channel == "web"


def test_chat_ended_applies_to_chat_conversations_only(solve: Solver) -> None:
    make_rule(make_definition("ces"), trigger=Trigger.CHAT_ENDED)
    solve(channel="email")
    assert not SurveyInvitation.objects.exists()
    solve(channel="chat", email="lee@customer.test")
    assert SurveyInvitation.objects.get().definition.kind == "ces"


def test_inactive_definitions_and_rules_send_nothing(solve: Solver) -> None:
    make_rule(make_definition("csat", is_active=False))
    rule = make_rule(make_definition("nps"))
    rule.is_active = False
    rule.save()
    solve()
    assert not SurveyInvitation.objects.exists()


# ---- exclusions ----------------------------------------------------------------


def test_a_merged_conversation_gets_no_survey(
    csat: SurveyDefinition, solve: Solver, agent: User
) -> None:
    source = solve(hook=False, subject="Duplicate")
    target = solve(hook=False, subject="Original", email="lee@customer.test")
    conversation_merge(source=source, target=target, actor=agent)
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert survey_dispatch_for_conversation(conversation_id=source.pk) == []
    assert not SurveyInvitation.objects.filter(conversation=source).exists()


def test_a_spam_conversation_gets_no_survey(
    csat: SurveyDefinition, solve: Solver, agent: User
) -> None:
    spam = solve(hook=False)
    conversation_tag(conversation=spam, actor=agent, tags=["spam"])
    assert survey_dispatch_for_conversation(conversation_id=spam.pk) == []
    # Another tag is no exclusion.
    other = solve(hook=False, email="lee@customer.test")
    conversation_tag(conversation=other, actor=agent, tags=["refund"])
    [invitation] = survey_dispatch_for_conversation(conversation_id=other.pk)
    assert invitation.conversation == other


def test_a_conversation_of_only_automatic_messages_gets_no_survey(
    csat: SurveyDefinition, solve: Solver
) -> None:
    conversation = solve(automatic=True)
    assert not SurveyInvitation.objects.filter(conversation=conversation).exists()


def test_a_conversation_without_a_public_agent_reply_gets_no_survey(
    csat: SurveyDefinition, solve: Solver, agent: User
) -> None:
    conversation = solve(reply=False, hook=False)
    conversation_note(conversation=conversation, actor=agent, body_text="Internal only.")
    assert survey_dispatch_for_conversation(conversation_id=conversation.pk) == []
    assert not SurveyInvitation.objects.exists()


def test_a_customer_without_an_email_address_gets_no_survey(
    csat: SurveyDefinition, solve: Solver
) -> None:
    conversation = solve(hook=False)
    Customer.objects.get(pk=conversation.customer_id).identities.all().delete()
    assert survey_dispatch_for_conversation(conversation_id=conversation.pk) == []


# ---- relationship NPS ----------------------------------------------------------


def test_relationship_nps_goes_to_each_customer_once_per_period(
    solve: Solver, committed: Committing
) -> None:
    solve(hook=False, email="dana@customer.test")
    solve(hook=False, email="lee@customer.test", customer_name="Lee")
    nps = make_definition("nps")
    make_rule(nps, trigger=Trigger.RELATIONSHIP, every_days=90, cooldown_days=7)
    now = timezone.now()
    with committed():
        assert survey_dispatch_relationship_nps(now=now) == 2
    assert {i.to_address for i in SurveyInvitation.objects.all()} == {
        "dana@customer.test",
        "lee@customer.test",
    }
    assert all(i.conversation is None for i in SurveyInvitation.objects.all())
    assert len(mail.outbox) == 2
    assert survey_dispatch_relationship_nps(now=now + timedelta(hours=1)) == 0
    assert survey_dispatch_relationship_nps(now=now + timedelta(days=89)) == 0
    assert survey_dispatch_relationship_nps(now=now + timedelta(days=91)) == 2


def test_solving_dispatches_through_the_automation_pipeline(
    csat: SurveyDefinition, committed: Committing, agent: User
) -> None:
    from concord.conversations.services import conversation_open, conversation_reply

    with committed():
        conversation = conversation_open(
            channel="email",
            subject="Where is my parcel?",
            body_text="It is late.",
            identity_kind="email",
            identity_value="pat@customer.test",
        )
    with committed():
        conversation_reply(
            conversation=conversation, actor=agent, body_text="Sent again.", status="solved"
        )
    # No explicit call: the post-commit pipeline saw the status change.
    invitation = SurveyInvitation.objects.get()
    assert invitation.conversation_id == conversation.pk
    assert len(mail.outbox) == 1
