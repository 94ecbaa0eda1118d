"""What the schema refuses the server refuses: no loose coercion, no date that overflows."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from concord.accounts.models import User
from concord.api.tests.helpers import assert_error
from concord.common.testing import factories
from concord.customers.models import Customer
from concord.metrics.selectors import MetricQuery, PeriodInvalid, period_check

pytestmark = pytest.mark.django_db

ApiClient = Callable[[User], Client]


def send(client: Client, method: str, path: str, body: Any) -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    "query",
    [
        "since=0.5",
        "since=0",
        "since=1700000000",
        "since=2025-06-01T09:00:00",  # no time zone
        "since=0001-01-01T00:00:00%2B05:00",  # would leave the calendar in UTC
    ],
)
def test_a_time_in_a_query_is_iso_8601_with_a_zone(
    admin_user: User, api_client: ApiClient, query: str
) -> None:
    response = api_client(admin_user).get(f"/api/v1/calls?{query}")
    assert_error(response, 422, "validation_error", "since")


@pytest.mark.parametrize("capacity", [False, True, "3", 3.5])
def test_capacity_is_a_whole_number_not_a_boolean_or_text(
    admin_user: User, agent: User, api_client: ApiClient, capacity: Any
) -> None:
    response = send(
        api_client(admin_user), "post", f"/api/v1/routing/agents/{agent.pk}", {"capacity": capacity}
    )
    assert_error(response, 422, "validation_error", "capacity")


@pytest.mark.parametrize("churned_at", [0, 1.5, "0", True, "0001-01-01T00:00:00Z"])
def test_churned_at_is_a_time_not_a_number(
    admin_user: User, api_client: ApiClient, churned_at: Any
) -> None:
    customer = factories.CustomerFactory.create()
    response = send(
        api_client(admin_user),
        "patch",
        f"/api/v1/customers/{customer.pk}",
        {"churned_at": churned_at},
    )
    assert_error(response, 422, "validation_error", "churned_at")
    customer.refresh_from_db()
    assert customer.churned_at is None


@pytest.mark.parametrize("value", [0, 1, "true", "false"])
def test_booleans_in_a_body_are_json_booleans(
    admin_user: User, api_client: ApiClient, value: Any
) -> None:
    response = send(
        api_client(admin_user),
        "post",
        "/api/v1/organizations",
        {"name": "Acme", "shares_conversations": value},
    )
    assert_error(response, 422, "validation_error", "shares_conversations")


def test_a_query_boolean_is_true_or_false(admin_user: User, api_client: ApiClient) -> None:
    client = api_client(admin_user)
    assert client.get("/api/v1/goals?archived=false").status_code == 200
    assert_error(client.get("/api/v1/goals?archived=0"), 422, "validation_error", "archived")
    assert_error(
        client.get("/api/v1/metrics/volume?compare=yes"), 422, "validation_error", "compare"
    )


# ---- periods near the ends of the calendar --------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        # These answered 500 (OverflowError) before: the period before year 1 does not exist.
        ("start=0001-01-01T00:00:00Z&end=0001-01-02T00:00:00Z&compare=true", "start"),
        ("start=0001-01-01&end=0001-01-03&compare=true", "start"),
        ("start=1969-12-31T00:00:00Z&end=1970-01-02T00:00:00Z", "start"),
        ("start=9999-12-30T00:00:00Z&end=9999-12-31T00:00:00Z&bucket=month", "start"),
        ("start=2999-12-01T00:00:00Z&end=2999-12-31T23:00:00-05:00", "end"),
        ("start=1970-01-01T00:00:00Z&end=2025-01-01T00:00:00Z", "end"),  # longer than 10 years
        ("end=1970-01-05T00:00:00Z", "start"),  # the default 30 days would start in 1969
    ],
)
def test_a_period_out_of_range_is_a_422_naming_the_bound(
    admin_user: User, api_client: ApiClient, query: str, field: str
) -> None:
    response = api_client(admin_user).get(f"/api/v1/metrics/csat?{query}")
    error = assert_error(response, 422, "validation_error", field)
    assert error["message"]


def test_the_first_period_that_can_be_compared(admin_user: User, api_client: ApiClient) -> None:
    response = api_client(admin_user).get(
        "/api/v1/metrics/volume?start=1970-01-01T00:00:00Z&end=1970-01-08T00:00:00Z&compare=true"
    )
    assert response.status_code == 200, response.content
    assert response.json()["previous"]["start"] == "1969-12-25T00:00:00Z"


def test_the_period_before_year_1_is_refused_not_overflowed() -> None:
    query = MetricQuery(start=datetime(1, 1, 2, tzinfo=UTC), end=datetime(1, 1, 5, tzinfo=UTC))
    with pytest.raises(PeriodInvalid) as refused:
        query.previous()
    assert refused.value.field == "start"
    with pytest.raises(PeriodInvalid):
        period_check(query.start, query.end)


# ---- customers' created_at ----------------------------------------------------------------


def test_an_admin_imports_a_customer_with_their_original_date(
    admin_user: User, api_client: ApiClient
) -> None:
    response = send(
        api_client(admin_user),
        "post",
        "/api/v1/customers",
        {"name": "Old Friend", "created_at": "2019-03-01T10:00:00+01:00"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["created_at"] == "2019-03-01T09:00:00Z"


def test_created_at_is_not_in_the_future(admin_user: User, api_client: ApiClient) -> None:
    later = (timezone.now() + timedelta(days=1)).isoformat()
    response = send(
        api_client(admin_user), "post", "/api/v1/customers", {"name": "X", "created_at": later}
    )
    assert_error(response, 422, "validation_error", "created_at")
    assert not Customer.objects.exists()


def test_agents_need_the_permission_to_set_created_at(agent: User, api_client: ApiClient) -> None:
    body = {"name": "Old Friend", "created_at": "2019-03-01T10:00:00Z"}
    assert_error(send(api_client(agent), "post", "/api/v1/customers", body), 403, "forbidden")
    assert send(api_client(agent), "post", "/api/v1/customers", {"name": "New"}).status_code == 201
    agent.user_permissions.add(Permission.objects.get(codename="add_customer"))
    agent = User.objects.get(pk=agent.pk)
    assert send(api_client(agent), "post", "/api/v1/customers", body).status_code == 201
