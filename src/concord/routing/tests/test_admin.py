"""Routing is configured in the admin without code: rules with checkboxes, settings, agents."""

from __future__ import annotations

import pytest
from django.test import Client

from concord.accounts.models import Role, Team
from concord.common.testing import factories
from concord.routing.models import RoutingSettings, TriageRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_() -> Client:
    user = factories.UserFactory.create(
        username="root", role=Role.ADMIN, is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model",
    ["triagerule", "routingsettings", "teamrouting", "agentstatus", "classifiermodel"],
)
def test_the_pages_open(admin_client_: Client, model: str) -> None:
    assert admin_client_.get(f"/admin/routing/{model}/").status_code == 200


def test_a_rule_is_made_with_checkboxes_and_a_words_field(
    admin_client_: Client, billing: Team
) -> None:
    page = admin_client_.get("/admin/routing/triagerule/add/").content.decode()
    assert 'type="checkbox" name="channels" value="email"' in page

    response = admin_client_.post(
        "/admin/routing/triagerule/add/",
        {
            "name": "Billing",
            "position": 1,
            "is_active": "on",
            "channels": ["email", "web"],
            "words": "invoice refund",
            "tiers": ["vip"],
            "set_team": billing.pk,
            "set_category": "billing",
            "set_priority": "high",
            "add_tags": "billing",
        },
    )

    assert response.status_code == 302
    rule = TriageRule.objects.get()
    assert (rule.channels, rule.tiers, rule.words) == (["email", "web"], ["vip"], "invoice refund")


def test_a_bad_tag_is_refused_in_the_form(admin_client_: Client) -> None:
    response = admin_client_.post(
        "/admin/routing/triagerule/add/", {"name": "Bad", "position": 1, "add_tags": "a/b"}
    )

    assert response.status_code == 200
    assert "not a valid tag" in response.content.decode()
    assert not TriageRule.objects.exists()


def test_the_settings_row_is_saved_as_the_one_row(admin_client_: Client) -> None:
    response = admin_client_.post(
        "/admin/routing/routingsettings/add/",
        {"confidence_threshold": "0.8", "high_value_tiers": ["vip", "premium"]},
    )

    assert response.status_code == 302
    row = RoutingSettings.objects.get()
    assert (row.pk, row.confidence_threshold, sorted(row.high_value_tiers)) == (
        1,
        0.8,
        ["premium", "vip"],
    )
    assert admin_client_.get("/admin/routing/routingsettings/add/").status_code == 403
