"""The policy admin: conditions ticked as checkboxes, list by position; targets read-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import Client

from concord.accounts.models import Team
from concord.calendars.models import Calendar
from concord.sla.admin import SlaTargetAdmin
from concord.sla.models import SlaPolicy, SlaTarget
from concord.sla.selectors import sla_policy_time_basis
from concord.sla.services import sla_policy_create, sla_refresh, sla_sweep
from concord.sla.tests.conftest import FRIDAY_16, HOUR, Opener

pytestmark = pytest.mark.django_db


def test_an_admin_ticks_conditions_without_writing_json(
    client_as_admin: Client, support: Team
) -> None:
    page = client_as_admin.get("/admin/sla/slapolicy/add/").content.decode()
    assert 'type="checkbox" name="priorities" value="urgent"' in page
    assert 'type="checkbox" name="channels" value="chat"' in page
    assert 'type="checkbox" name="customer_tiers" value="vip"' in page
    assert f'type="checkbox" name="teams" value="{support.pk}"' in page

    response = client_as_admin.post(
        "/admin/sla/slapolicy/add/",
        {
            "name": "Urgent support",
            "position": "1",
            "is_active": "on",
            "priorities": ["urgent", "high"],
            "channels": ["chat"],
            "teams": [str(support.pk)],
            "first_response_seconds": "1h",
            "resolution_seconds": "1d 2h",
            "warn_before_seconds": "10m",
            "business_hours": "on",
            "pause_on_pending": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    policy = SlaPolicy.objects.get()
    assert (policy.priorities, policy.channels, policy.customer_tiers) == (
        ["urgent", "high"],
        ["chat"],
        [],
    )
    assert [t.name for t in policy.teams.all()] == ["Support"]
    assert (policy.first_response_seconds, policy.resolution_seconds) == (3600, 93_600)
    assert policy.warn_before_seconds == 600
    shown = client_as_admin.get(f"/admin/sla/slapolicy/{policy.pk}/change/").content.decode()
    assert 'value="1d 2h"' in shown


def test_the_admin_refuses_a_bare_number_for_a_duration(client_as_admin: Client) -> None:
    response = client_as_admin.post(
        "/admin/sla/slapolicy/add/",
        {"name": "Typed seconds", "position": "0", "first_response_seconds": "3600"},
    )
    assert response.status_code == 200
    assert "has no unit" in response.content.decode()
    assert not SlaPolicy.objects.exists()


def test_the_list_is_in_position_order(client_as_admin: Client) -> None:
    sla_policy_create(name="Later", position=5, first_response_seconds=7200)
    sla_policy_create(name="Sooner", position=1, first_response_seconds=1800)
    page = client_as_admin.get("/admin/sla/slapolicy/").content.decode()
    assert page.index("Sooner") < page.index("Later")
    assert "30m" in page


def test_targets_are_read_only(client_as_admin: Client) -> None:
    assert client_as_admin.get("/admin/sla/slatarget/").status_code == 200
    assert client_as_admin.get("/admin/sla/slatarget/add/").status_code == 403


def test_the_policy_says_which_clock_it_counts_and_names_the_gaps(
    client_as_admin: Client, support: Team, hours: Calendar
) -> None:
    billing = Team.objects.create(name="Billing", slug="billing")
    support.calendar = hours
    support.save(update_fields=["calendar"])
    fallback = sla_policy_create(name="Standard", first_response_seconds=3600)
    own = sla_policy_create(name="VIP", first_response_seconds=1800, calendar=hours)
    plain = sla_policy_create(name="Chat", first_response_seconds=60, business_hours=False)
    billing_only = sla_policy_create(name="Billing", first_response_seconds=60, teams=[billing])

    said = sla_policy_time_basis(policy=fallback)
    assert "Support: “Support hours”" in said
    # Silent before: these counted round the clock with nothing saying so.
    assert "Round the clock for conversations of Billing and conversations without a team" in said
    assert sla_policy_time_basis(policy=own) == (
        "Business hours of the calendar “Support hours” (Europe/Berlin)."
    )
    assert sla_policy_time_basis(policy=plain) == "Round the clock (calendar time)."
    assert "Round the clock for conversations of Billing:" in sla_policy_time_basis(
        policy=billing_only
    )
    page = client_as_admin.get(f"/admin/sla/slapolicy/{fallback.pk}/change/").content.decode()
    assert "Time counted" in page
    assert "Round the clock for conversations of Billing" in page


def test_targets_show_when_the_breach_happened_and_when_it_was_noticed(
    client_as_admin: Client, open_conversation: Opener
) -> None:
    sla_policy_create(name="Standard", first_response_seconds=HOUR, business_hours=False)
    conversation = open_conversation(at=FRIDAY_16)
    sla_refresh(conversation_id=conversation.pk, now=FRIDAY_16)
    sla_sweep(now=FRIDAY_16 + timedelta(hours=3))  # noticed two hours late
    row = SlaTarget.objects.get(conversation=conversation, target="first_response")
    assert row.breached_at == FRIDAY_16 + timedelta(hours=3)

    target_admin = SlaTargetAdmin(SlaTarget, admin.site)
    assert target_admin.breach(row) == FRIDAY_16 + timedelta(hours=1)
    assert target_admin.breach_noticed(row) == FRIDAY_16 + timedelta(hours=3)
    page = client_as_admin.get("/admin/sla/slatarget/").content.decode()
    assert "Breached at" in page
    assert "Breach noticed" in page
