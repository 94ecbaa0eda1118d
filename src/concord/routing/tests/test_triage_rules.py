"""Triage rules: each condition, each action, first match wins, and triage runs once."""

from __future__ import annotations

import pytest

from concord.accounts.models import Team
from concord.accounts.services import system_user_get
from concord.common.errors import ValidationFailed
from concord.common.testing import factories
from concord.conversations.models import Conversation, Event, EventKind
from concord.routing.models import RoutingDecision, TriageRule
from concord.routing.services import routing_triage, triage_rule_create
from concord.routing.tests.helpers import open_conversation

pytestmark = pytest.mark.django_db


def triaged(conversation: Conversation) -> Conversation:
    routing_triage(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    return conversation


def tags(conversation: Conversation) -> list[str]:
    return sorted(conversation.tags.values_list("name", flat=True))


def tagging_rule(**conditions: object) -> TriageRule:
    return triage_rule_create(name="Tagging", add_tags="matched", **conditions)  # type: ignore[arg-type]


# --- conditions --------------------------------------------------------------


def test_a_channel_condition_matches_only_those_channels() -> None:
    tagging_rule(channels=["chat", "sms"])

    assert tags(triaged(open_conversation(channel="chat"))) == ["matched"]
    assert tags(triaged(open_conversation(channel="email"))) == []


@pytest.mark.parametrize(
    ("subject", "body", "matches"),
    [
        ("Question about my INVOICE", "hi", True),  # any case
        ("Hi", "Where is the refund?", True),  # in the body, next to punctuation
        ("Invoices", "my invoicing is odd", False),  # whole words only
        ("Hi", "no money words here", False),
    ],
)
def test_words_match_whole_words_in_subject_or_first_message(
    subject: str, body: str, matches: bool
) -> None:
    tagging_rule(words="invoice, refund")

    conversation = triaged(open_conversation(subject=subject, body=body))

    assert tags(conversation) == (["matched"] if matches else [])


def test_words_with_punctuation_match_whole() -> None:
    tagging_rule(words="c++ e-mail")

    assert tags(triaged(open_conversation(body="The C++ SDK fails"))) == ["matched"]
    assert tags(triaged(open_conversation(body="the e-mail bounced"))) == ["matched"]
    assert tags(triaged(open_conversation(body="the email bounced"))) == []


def test_a_tier_condition_uses_the_customer_or_organization_tier() -> None:
    tagging_rule(tiers=["vip"])
    vip = factories.CustomerFactory.create(tier="vip")
    at_vip_org = factories.CustomerFactory.create(
        organization=factories.OrganizationFactory.create(tier="vip")
    )
    standard = factories.CustomerFactory.create()

    assert tags(triaged(open_conversation(customer=vip))) == ["matched"]
    assert tags(triaged(open_conversation(customer=at_vip_org))) == ["matched"]
    assert tags(triaged(open_conversation(customer=standard))) == []


def test_an_organization_condition() -> None:
    acme, other = factories.OrganizationFactory.create_batch(2)
    tagging_rule(organizations=[acme])

    member = factories.CustomerFactory.create(organization=acme)
    outsider = factories.CustomerFactory.create(organization=other)
    loner = factories.CustomerFactory.create()

    assert tags(triaged(open_conversation(customer=member))) == ["matched"]
    assert tags(triaged(open_conversation(customer=outsider))) == []
    assert tags(triaged(open_conversation(customer=loner))) == []


def test_all_filled_conditions_must_hold() -> None:
    tagging_rule(channels=["email"], words="refund", tiers=["premium"])
    premium = factories.CustomerFactory.create(tier="premium")

    assert tags(triaged(open_conversation(body="refund", customer=premium))) == ["matched"]
    assert tags(triaged(open_conversation(body="refund please"))) == []  # standard
    assert tags(triaged(open_conversation(body="hello", customer=premium))) == []
    chat = open_conversation(body="refund", customer=premium, channel="chat")
    assert tags(triaged(chat)) == []


# --- actions -----------------------------------------------------------------


def test_a_rule_sets_team_category_priority_and_tags_as_the_system_user(
    billing: Team, support: Team
) -> None:
    rule = triage_rule_create(
        name="Billing words",
        words="invoice refund charge",
        set_team=billing,
        set_category="billing",
        set_priority="high",
        add_tags="billing, Money",
    )
    conversation = triaged(open_conversation(body="A double charge on my card", team=support))

    assert conversation.team == billing
    assert conversation.category == "billing"
    assert conversation.priority == "high"
    assert tags(conversation) == ["billing", "money"]
    system = system_user_get()
    kinds = set(
        Event.objects.filter(conversation=conversation, actor_user=system).values_list(
            "kind", flat=True
        )
    )
    assert kinds == {
        EventKind.TEAM_CHANGED,
        EventKind.CATEGORY_CHANGED,
        EventKind.PRIORITY_CHANGED,
        EventKind.TAG_ADDED,
    }
    decision = RoutingDecision.objects.get(conversation=conversation)
    assert decision.rule == rule
    assert decision.rule_name == "Billing words"
    assert decision.applied == {
        "team": billing.pk,
        "category": "billing",
        "priority": "high",
        "tags": ["billing", "money"],
    }


def test_the_first_matching_rule_wins_and_inactive_rules_are_skipped() -> None:
    triage_rule_create(name="Off", position=1, words="refund", set_category="off")
    TriageRule.objects.filter(name="Off").update(is_active=False)
    first = triage_rule_create(name="First", position=2, words="refund", set_category="refunds")
    triage_rule_create(name="Second", position=3, words="refund", set_category="billing")
    triage_rule_create(name="Catch-all", position=9, add_tags="triaged")

    refund = triaged(open_conversation(body="refund please"))
    other = triaged(open_conversation(body="hello"))

    assert refund.category == "refunds"
    assert tags(refund) == []  # the catch-all never ran
    assert RoutingDecision.objects.get(conversation=refund).rule == first
    assert tags(other) == ["triaged"]


def test_no_rule_leaves_the_conversation_alone_and_says_so() -> None:
    triage_rule_create(name="Refunds", words="refund", set_category="refunds")
    conversation = triaged(open_conversation(body="hello"))

    assert conversation.category == ""
    decision = RoutingDecision.objects.get(conversation=conversation)
    assert decision.rule is None
    assert decision.applied == {}
    assert "no rule matched" in decision.reasons


def test_triage_runs_once(support: Team, billing: Team) -> None:
    triage_rule_create(name="Refunds", words="refund", set_category="refunds", set_team=billing)
    conversation = open_conversation(body="refund", team=support)
    routing_triage(conversation_id=conversation.pk)
    events_after_first = Event.objects.filter(conversation=conversation).count()
    # An agent moves it back; triaging again must not undo that.
    from concord.conversations.services import conversation_assign

    conversation_assign(
        conversation=conversation,
        actor=factories.UserFactory.create(role="supervisor"),
        team=support,
    )

    routing_triage(conversation_id=conversation.pk)

    conversation.refresh_from_db()
    assert conversation.team == support
    assert Event.objects.filter(conversation=conversation).count() == events_after_first + 1
    assert RoutingDecision.objects.filter(conversation=conversation).count() == 1


def test_triage_keeps_the_team_of_an_assigned_conversation(
    support: Team, billing: Team, agent: object
) -> None:
    triage_rule_create(name="Refunds", words="refund", set_team=billing, set_category="refunds")
    conversation = open_conversation(body="refund", team=support)
    Conversation.objects.filter(pk=conversation.pk).update(assignee=agent)

    conversation = triaged(conversation)

    assert conversation.team == support
    assert conversation.category == "refunds"


def test_an_unknown_conversation_is_ignored() -> None:
    routing_triage(conversation_id=999_999)

    assert not RoutingDecision.objects.exists()


def test_rules_refuse_bad_tags_and_channels() -> None:
    with pytest.raises(ValidationFailed):
        triage_rule_create(name="Bad", add_tags="no/slashes")
    with pytest.raises(ValidationFailed):
        triage_rule_create(name="Bad", channels=["fax"])
