"""The consult figures in the metrics API, by name, with a breakdown per consulted team.

The scene is ``test_consults``'s (worked by hand there): consult rate 50 %,
first answers 30 min (Logistics), 2 h and 8 h (Billing); Billing asked 3.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from concord.accounts.models import User
from concord.api.tests.helpers import assert_error
from concord.conversations.models import Conversation
from concord.metrics.tests.test_api import WEEK, get
from concord.metrics.tests.test_consults import logistics, lou, scene

__all__ = ["logistics", "lou", "scene"]  # fixtures
pytestmark = [pytest.mark.django_db, pytest.mark.urls("concord.metrics.tests.test_api")]
ApiClient = Callable[[User], Client]


def test_consult_rate_answer_time_and_consults_per_department(
    scene: list[Conversation], admin_user: User, api_client: ApiClient
) -> None:
    client = api_client(admin_user)
    rate = get(client, f"/api/v1/metrics/consult_rate?{WEEK}")
    assert (rate["value"], rate["sample_size"], rate["unit"]) == (50.0, 6, "%")
    timed = get(client, f"/api/v1/metrics/consult_answer_time?{WEEK}")
    assert (timed["sample_size"], timed["median"]) == (3, 7200.0)
    assert timed["mean"] == pytest.approx(12600.0)
    assert timed["breakdown"] == {"Billing": 5 * 3600, "Logistics": 1800}
    asked = get(client, f"/api/v1/metrics/consults_asked?{WEEK}&bucket=day")
    assert (asked["value"], asked["unit"]) == (4, "consults")
    assert asked["breakdown"] == {"Billing": 3, "Logistics": 1}
    assert [b["value"] for b in asked["series"]] == [4, 0, 0, 0, 0, 0, 0]


def test_the_usual_access_rule_applies(
    scene: list[Conversation], agent: User, other_agent: User, api_client: ApiClient
) -> None:
    client = api_client(agent)
    # An agent's figures are their own work: none of the six is assigned to them.
    assert get(client, f"/api/v1/metrics/consults_asked?{WEEK}")["value"] == 0
    url = f"/api/v1/metrics/consults_asked?{WEEK}&agent={other_agent.pk}"
    assert_error(client.get(url), 404, "not_found")
