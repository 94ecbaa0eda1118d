"""Which policy applies: each condition, position order, inactive policies."""

from __future__ import annotations

import pytest

from concord.accounts.models import Team
from concord.common.errors import ValidationFailed
from concord.customers.models import Customer
from concord.customers.services import customer_create, organization_create
from concord.sla.models import SlaPolicy
from concord.sla.selectors import sla_policies_active, sla_policy_for, sla_subject
from concord.sla.services import sla_policy_create
from concord.sla.tests.conftest import HOUR, Opener

pytestmark = pytest.mark.django_db


def _picked(conversation_id: int) -> str | None:
    subject = sla_subject(conversation_id=conversation_id)
    assert subject is not None
    policy = sla_policy_for(subject=subject, policies=sla_policies_active())
    return policy.name if policy else None


def _fallback() -> None:
    sla_policy_create(name="Everyone", position=100, first_response_seconds=8 * HOUR)


def test_priority_condition(open_conversation: Opener) -> None:
    sla_policy_create(
        name="Hot", position=1, priorities=["high", "urgent"], first_response_seconds=HOUR
    )
    _fallback()
    assert _picked(open_conversation(priority="urgent").pk) == "Hot"
    assert _picked(open_conversation(priority="high").pk) == "Hot"
    assert _picked(open_conversation(priority="normal").pk) == "Everyone"


def test_channel_condition(open_conversation: Opener) -> None:
    sla_policy_create(
        name="Live", position=1, channels=["chat", "phone"], first_response_seconds=60
    )
    _fallback()
    assert _picked(open_conversation(channel="chat").pk) == "Live"
    assert _picked(open_conversation(channel="email").pk) == "Everyone"


def test_team_condition(open_conversation: Opener, support: Team, billing: Team) -> None:
    sla_policy_create(name="Support", position=1, teams=[support], first_response_seconds=HOUR)
    _fallback()
    assert _picked(open_conversation(team=support).pk) == "Support"
    assert _picked(open_conversation(team=billing).pk) == "Everyone"
    assert _picked(open_conversation().pk) == "Everyone"


def test_tier_condition_matches_the_customer_or_their_organization(
    open_conversation: Opener, customer: Customer
) -> None:
    sla_policy_create(name="VIP", position=1, customer_tiers=["vip"], first_response_seconds=HOUR)
    _fallback()
    vip_person = customer_create(name="Vera", tier="vip")
    vip_org = organization_create(name="Key account", tier="vip")
    member = customer_create(name="Mo", organization=vip_org)
    assert _picked(open_conversation(customer=vip_person).pk) == "VIP"
    assert _picked(open_conversation(customer=member).pk) == "VIP"
    assert _picked(open_conversation(customer=customer).pk) == "Everyone"


def test_organization_condition(open_conversation: Opener, customer: Customer) -> None:
    acme = organization_create(name="Acme")
    other = organization_create(name="Other")
    sla_policy_create(name="Acme", position=1, organizations=[acme], first_response_seconds=HOUR)
    _fallback()
    assert (
        _picked(open_conversation(customer=customer_create(name="A", organization=acme)).pk)
        == "Acme"
    )
    assert (
        _picked(open_conversation(customer=customer_create(name="O", organization=other)).pk)
        == "Everyone"
    )
    assert _picked(open_conversation(customer=customer).pk) == "Everyone"


def test_every_condition_must_hold(open_conversation: Opener, support: Team) -> None:
    sla_policy_create(
        name="Urgent support chats",
        position=1,
        priorities=["urgent"],
        channels=["chat"],
        teams=[support],
        first_response_seconds=60,
    )
    _fallback()
    assert _picked(open_conversation(priority="urgent", channel="chat", team=support).pk) == (
        "Urgent support chats"
    )
    assert (
        _picked(open_conversation(priority="urgent", channel="email", team=support).pk)
        == "Everyone"
    )
    assert (
        _picked(open_conversation(priority="normal", channel="chat", team=support).pk) == "Everyone"
    )


def test_the_first_active_policy_by_position_wins(open_conversation: Opener) -> None:
    sla_policy_create(name="Second", position=2, first_response_seconds=HOUR)
    sla_policy_create(name="First", position=1, first_response_seconds=HOUR)
    sla_policy_create(name="Off", position=0, first_response_seconds=HOUR, is_active=False)
    assert _picked(open_conversation().pk) == "First"


def test_no_policy_matches(open_conversation: Opener) -> None:
    sla_policy_create(name="Hot", priorities=["urgent"], first_response_seconds=HOUR)
    assert _picked(open_conversation().pk) is None


def test_unknown_condition_values_are_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        sla_policy_create(name="Typo", priorities=["urgnet"], first_response_seconds=HOUR)
    assert caught.value.field == "priorities"
    with pytest.raises(ValidationFailed):
        sla_policy_create(name="Zero", first_response_seconds=0)


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "resolution", "warn"), [(3600, None, 3600), (None, 600, 7200)])
def test_a_warning_not_shorter_than_the_target_is_refused(
    first: int | None, resolution: int | None, warn: int
) -> None:
    with pytest.raises(ValidationFailed, match="never warns") as refused:
        sla_policy_create(
            name="Too early",
            first_response_seconds=first,
            resolution_seconds=resolution,
            warn_before_seconds=warn,
        )
    assert refused.value.field == "warn_before_seconds"
    assert not SlaPolicy.objects.exists()


@pytest.mark.django_db
def test_a_warning_shorter_than_every_target_is_kept() -> None:
    policy = sla_policy_create(
        name="Fine", first_response_seconds=3600, resolution_seconds=7200, warn_before_seconds=900
    )
    assert policy.warn_before_seconds == 900
