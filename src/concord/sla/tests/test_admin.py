"""The policy admin: conditions ticked as checkboxes, list by position; targets read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from concord.accounts.models import Team
from concord.sla.models import SlaPolicy
from concord.sla.services import sla_policy_create

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
            "first_response_seconds": "3600",
            "warn_before_seconds": "600",
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


def test_the_list_is_in_position_order(client_as_admin: Client) -> None:
    sla_policy_create(name="Later", position=5, first_response_seconds=7200)
    sla_policy_create(name="Sooner", position=1, first_response_seconds=1800)
    page = client_as_admin.get("/admin/sla/slapolicy/").content.decode()
    assert page.index("Sooner") < page.index("Later")
    assert "30 min" in page


def test_targets_are_read_only(client_as_admin: Client) -> None:
    assert client_as_admin.get("/admin/sla/slatarget/").status_code == 200
    assert client_as_admin.get("/admin/sla/slatarget/add/").status_code == 403
