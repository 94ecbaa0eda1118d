"""The metrics API: the registry, one metric with cuts, buckets and comparison, and access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import path, resolve

from concord.accounts.models import Role, Team, User
from concord.api import errors
from concord.api.auth import BearerToken
from concord.api.main import ConcordAPI, JSONObjectParser
from concord.api.tests.helpers import assert_error
from concord.calendars.services import calendar_create
from concord.common.testing import factories
from concord.metrics.api import router
from concord.metrics.tests.helpers import T0, opened, reply

# This module is its own URLconf: the router mounted as concord.api.main mounts it.
_api = ConcordAPI(
    title="Concord API (metrics tests)",
    version="test",
    auth=BearerToken(),
    parser=JSONObjectParser(),
    urls_namespace="metrics-tests",
)
errors.install(_api)
_api.add_router("/", router)
urlpatterns = [path("api/v1/", _api.urls)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
ApiClient = Callable[[User], Client]
WEEK = "start=2025-03-03T00:00:00Z&end=2025-03-10T00:00:00Z"


def get(client: Client, url: str) -> Any:
    answer = client.get(url)
    assert answer.status_code == 200, answer.content
    return answer.json()


@pytest.fixture
def five_replies(agent: User, support: Team) -> None:
    """Five conversations on T0 in Support, answered by the agent after 10 to 50 minutes."""
    for minutes in [10, 20, 30, 40, 50]:
        conversation = opened(at=T0, team=support)
        reply(conversation, agent, at=T0 + timedelta(minutes=minutes))


# ---- the registry ---------------------------------------------------------------------


def test_the_registry_lists_every_metric_with_its_cuts(agent: User, api_client: ApiClient) -> None:
    metrics = {m["name"]: m for m in get(api_client(agent), "/api/v1/metrics")}
    assert {"csat", "nps", "frt", "reopen_rate", "churn_rate", "volume"} <= set(metrics)
    assert metrics["frt"] == {
        "name": "frt",
        "label": "First response time",
        "unit": "seconds",
        "higher_is_better": False,
        "cuts": [
            "agent",
            "category",
            "channel",
            "customer_tier",
            "organization",
            "tag",
            "team",
        ],
        "timed": True,
    }
    assert metrics["churn_rate"]["cuts"] == ["customer_tier", "organization"]


# ---- one metric -----------------------------------------------------------------------


def test_a_time_metric_with_its_spread_and_daily_buckets(
    admin_user: User, api_client: ApiClient, five_replies: None
) -> None:
    body = get(api_client(admin_user), f"/api/v1/metrics/frt?{WEEK}&bucket=day")
    assert (body["metric"], body["unit"], body["higher_is_better"]) == ("frt", "seconds", False)
    assert (body["value"], body["sample_size"], body["enough"], body["note"]) == (
        1800.0,
        5,
        True,
        "",
    )
    assert (body["mean"], body["median"]) == (1800.0, 1800.0)
    assert body["p90"] == pytest.approx(46 * 60)
    assert [s["sample_size"] for s in body["series"]] == [5, 0, 0, 0, 0, 0, 0]
    assert body["series"][1]["note"] == "no data"
    assert body["start"] == "2025-03-03T00:00:00Z"
    assert body["previous"] is None


def test_the_share_within_n_seconds_is_a_percentage_where_higher_is_better(
    admin_user: User, api_client: ApiClient, five_replies: None
) -> None:
    body = get(api_client(admin_user), f"/api/v1/metrics/frt?{WEEK}&within_seconds=1500")
    assert (body["value"], body["unit"], body["higher_is_better"]) == (40.0, "%", True)
    assert body["scope"]["within_seconds"] == 1500


def test_compare_adds_the_period_before(
    admin_user: User, agent: User, api_client: ApiClient, five_replies: None
) -> None:
    earlier = opened(at=T0 - timedelta(days=3))
    reply(earlier, agent, at=T0 - timedelta(days=3) + timedelta(minutes=5))
    body = get(api_client(admin_user), f"/api/v1/metrics/frt?{WEEK}&compare=true&bucket=day")
    previous = body["previous"]
    assert (previous["start"], previous["end"]) == ("2025-02-24T00:00:00Z", "2025-03-03T00:00:00Z")
    assert (previous["value"], previous["sample_size"], previous["enough"]) == (300.0, 1, False)
    assert previous["note"] == "too few samples (1 < 5)"


def test_cuts_narrow_the_figure(
    admin_user: User, api_client: ApiClient, five_replies: None
) -> None:
    opened(at=T0, channel="chat")
    client = api_client(admin_user)
    volume = get(client, f"/api/v1/metrics/volume?{WEEK}")
    assert (volume["value"], volume["breakdown"]) == (6.0, {"email": 5.0, "chat": 1.0})
    chat = get(client, f"/api/v1/metrics/volume?{WEEK}&channel=chat")
    assert (chat["value"], chat["scope"]["channel"]) == (1.0, "chat")


def test_business_hours_need_a_calendar_and_use_it(
    admin_user: User, api_client: ApiClient, five_replies: None
) -> None:
    # Open 09:30 to 18:00 on weekdays: the first 30 minutes of each wait are outside.
    hours = calendar_create(
        name="Office",
        time_zone="UTC",
        intervals=[(day, time(9, 30), time(18)) for day in range(5)],
    )
    client = api_client(admin_user)
    url = f"/api/v1/metrics/frt?{WEEK}&time_basis=business&calendar={hours.pk}"
    body = get(client, url)
    assert body["value"] == pytest.approx((0 + 0 + 0 + 10 + 20) * 60 / 5)
    assert body["scope"]["time_basis"] == "business"


def test_the_period_defaults_to_the_last_30_days(admin_user: User, api_client: ApiClient) -> None:
    body = get(api_client(admin_user), "/api/v1/metrics/volume")
    start = datetime.fromisoformat(body["start"])
    end = datetime.fromisoformat(body["end"])
    assert end - start == timedelta(days=30)


def test_a_time_without_offset_is_read_in_the_time_zone(
    admin_user: User, api_client: ApiClient
) -> None:
    url = "/api/v1/metrics/volume?start=2025-03-03T00:00:00&end=2025-03-04&bucket=day"
    body = get(api_client(admin_user), f"{url}&time_zone=Europe/Berlin")
    assert (body["start"], body["end"]) == ("2025-03-02T23:00:00Z", "2025-03-03T23:00:00Z")
    assert [s["start"] for s in body["series"]] == ["2025-03-02T23:00:00Z"]
    assert body["scope"]["time_zone"] == "Europe/Berlin"


# ---- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("metrics/churn_rate?team=1", "team"),
        ("metrics/churn_rate?channel=chat&agent=1", "agent"),
        ("metrics/frt?start=2025-03-03T00:00:00Z&end=2025-03-03T00:00:00Z", "end"),
        ("metrics/frt?start=2025-03-04T00:00:00Z&end=2025-03-03T00:00:00Z", "end"),
        ("metrics/frt?start=tomorrow", "start"),
        ("metrics/frt?bucket=hour", "bucket"),
        ("metrics/frt?start=2023-01-01T00:00:00Z&end=2025-01-01T00:00:00Z&bucket=day", "bucket"),
        ("metrics/frt?time_basis=business", "calendar"),
        ("metrics/frt?time_basis=business&calendar=999999", "calendar"),
        ("metrics/frt?calendar=1", "calendar"),
        ("metrics/csat?time_basis=business&calendar=1", "time_basis"),
        ("metrics/csat?within_seconds=60", "within_seconds"),
        ("metrics/frt?within_seconds=-1", "within_seconds"),
        ("metrics/frt?channel=fax", "channel"),
        ("metrics/frt?team=0", "team"),
        ("metrics/frt?customer_tier=gold", "customer_tier"),
        ("metrics/frt?time_zone=Mars/Olympus", "time_zone"),
        ("metrics/frt?time_zone=../../etc/passwd", "time_zone"),
    ],
)
def test_bad_input_is_a_422_naming_the_parameter(
    admin_user: User, api_client: ApiClient, query: str, field: str
) -> None:
    assert_error(api_client(admin_user).get(f"/api/v1/{query}"), 422, "validation_error", field)


def test_an_unknown_metric_is_not_found(admin_user: User, api_client: ApiClient) -> None:
    error = assert_error(api_client(admin_user).get("/api/v1/metrics/happiness"), 404, "not_found")
    assert "happiness" in error["message"]


# ---- access ---------------------------------------------------------------------------


def test_a_supervisor_gets_their_team_and_no_other(
    supervisor: User,
    support: Team,
    billing: Team,
    api_client: ApiClient,
    five_replies: None,
) -> None:
    support.members.add(supervisor)
    opened(at=T0, team=billing)
    client = api_client(supervisor)
    body = get(client, f"/api/v1/metrics/volume?{WEEK}")
    assert (body["value"], body["scope"]["team"]) == (5.0, support.pk)
    assert_error(client.get(f"/api/v1/metrics/volume?{WEEK}&team={billing.pk}"), 404, "not_found")


def test_an_agent_sees_their_own_work_only(
    agent: User, other_agent: User, api_client: ApiClient, five_replies: None
) -> None:
    theirs = opened(at=T0)
    reply(theirs, other_agent, at=T0 + timedelta(hours=2))
    client = api_client(agent)
    body = get(client, f"/api/v1/metrics/frt?{WEEK}")
    assert (body["sample_size"], body["scope"]["agent"]) == (5, agent.pk)
    assert get(api_client(other_agent), f"/api/v1/metrics/frt?{WEEK}")["value"] == 7200.0
    assert_error(client.get(f"/api/v1/metrics/frt?agent={other_agent.pk}"), 404, "not_found")
    # Churn cannot be cut by agent, and an agent's figures always are.
    assert_error(client.get("/api/v1/metrics/churn_rate"), 404, "not_found")


def test_customers_get_no_metrics(api_client: ApiClient) -> None:
    customer = factories.UserFactory.create(username="dana", role=Role.CUSTOMER)
    client = api_client(customer)
    assert_error(client.get("/api/v1/metrics"), 404, "not_found")
    assert_error(client.get("/api/v1/metrics/csat"), 404, "not_found")


def test_metrics_are_mounted_on_the_real_api() -> None:
    for url, name in [("/api/v1/metrics", "list_metrics"), ("/api/v1/metrics/csat", "get_metric")]:
        match = resolve(url, urlconf="concord.config.urls")
        assert (match.namespace, match.url_name) == ("api-1", name)
