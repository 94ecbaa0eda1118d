"""The goals API: list, detail, create, change and archive, with errors that name the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.api.tests.helpers import assert_error
from concord.goals.models import Goal, GoalChange
from concord.goals.services import goal_measure
from concord.goals.tests.helpers import DEADLINE, START, make_goal

pytestmark = [pytest.mark.django_db, pytest.mark.urls("concord.goals.tests.urls")]
ApiClient = Callable[[User], Client]
MaxQueries = Callable[[int], AbstractContextManager[Any]]


def send(client: Client, method: str, path: str, body: Any = None) -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


# The API creates goals as of the real time; a deadline may not have passed.
TODAY = timezone.localdate()


def new_goal(support: Team, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "CSAT 85% or better",
        "objective": "Win repeat business.",
        "metric": "csat",
        "comparison": ">=",
        "threshold": 85,
        "start": TODAY.isoformat(),
        "deadline": (TODAY + timedelta(days=89)).isoformat(),
        "owners": [support.pk],
    }
    body.update(overrides)
    return body


@pytest.fixture
def sam(supervisor: User, support: Team) -> User:
    support.members.add(supervisor)
    return supervisor


def test_an_admin_creates_a_goal(
    admin_user: User, support: Team, billing: Team, api_client: ApiClient
) -> None:
    answer = send(
        api_client(admin_user),
        "post",
        "/api/v1/goals",
        new_goal(support, owners=[support.pk, billing.pk], channel="email"),
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    goal = Goal.objects.get()
    assert body["id"] == goal.pk
    assert (body["metric_label"], body["unit"], body["target"]) == ("CSAT", "%", "≥ 85 %")
    assert body["scope"]["channel"] == "email"
    assert body["scope"]["text"] == "channel email"
    assert [o["name"] for o in body["owners"]] == ["Billing", "Support"]
    assert body["owners"][0]["is_department"] is True
    # The 90 days before the start.
    assert body["baseline"]["start"] == (TODAY - timedelta(days=90)).isoformat()
    assert body["baseline"]["end"] == TODAY.isoformat()
    assert body["baseline"]["value"] is None
    assert body["status"]["status"] == "not_enough_data"
    assert body["current"] is None
    assert body["can_manage"] is True
    assert [c["field"] for c in body["changes"]] == ["created"]
    assert body["changes"][0]["actor"]["id"] == admin_user.pk


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"metric": "happiness"}, "metric"),
        ({"comparison": "="}, "comparison"),
        ({"threshold": 101}, "threshold"),
        ({"deadline": TODAY.isoformat()}, "deadline"),
        ({"owners": []}, "owners"),
        ({"owners": [999_999]}, "owners"),
        ({"within_seconds": 60}, "within_seconds"),
        ({"metric": "churn_rate", "team": 1}, "team"),
        ({"channel": "fax"}, "channel"),
        ({"name": ""}, "name"),
        ({"start": "soon"}, "start"),
    ],
)
def test_a_bad_goal_is_a_422_naming_the_field(
    admin_user: User,
    support: Team,
    api_client: ApiClient,
    override: dict[str, Any],
    field: str,
) -> None:
    answer = send(api_client(admin_user), "post", "/api/v1/goals", new_goal(support, **override))
    assert_error(answer, 422, "validation_error", field)
    assert not Goal.objects.exists()


def test_a_goal_without_an_objective_is_refused(
    admin_user: User, support: Team, api_client: ApiClient
) -> None:
    body = new_goal(support)
    del body["objective"]
    answer = send(api_client(admin_user), "post", "/api/v1/goals", body)
    assert_error(answer, 422, "validation_error", "objective")


def test_supervisors_set_goals_for_their_own_teams(
    sam: User, support: Team, billing: Team, api_client: ApiClient
) -> None:
    client = api_client(sam)
    assert send(client, "post", "/api/v1/goals", new_goal(support)).status_code == 201
    shared = new_goal(support, owners=[support.pk, billing.pk])
    assert_error(send(client, "post", "/api/v1/goals", shared), 403, "forbidden", "owners")
    assert Goal.objects.count() == 1


def test_agents_set_no_goals(agent: User, support: Team, api_client: ApiClient) -> None:
    answer = send(api_client(agent), "post", "/api/v1/goals", new_goal(support))
    assert_error(answer, 403, "forbidden")
    assert not Goal.objects.exists()


def test_staff_list_the_goals_of_their_teams(
    admin_user: User,
    agent: User,
    other_agent: User,
    support: Team,
    billing: Team,
    api_client: ApiClient,
    django_assert_max_num_queries: MaxQueries,
) -> None:
    ours = make_goal(actor=admin_user, owners=[support], name="Ours")
    make_goal(actor=admin_user, owners=[billing], name="Theirs")
    goal_measure(goal=ours, day=START)
    client = api_client(agent)
    # Token lookup and its last-used stamp, then the fixed queries of the list.
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/goals")
    assert listed.status_code == 200, listed.content
    [goal] = listed.json()
    assert (goal["name"], goal["can_manage"]) == ("Ours", False)
    assert goal["current"]["on"] == START.isoformat()
    assert {g["name"] for g in api_client(other_agent).get("/api/v1/goals").json()} == {"Theirs"}
    assert len(api_client(admin_user).get("/api/v1/goals").json()) == 2


def test_a_goal_of_another_team_is_not_found(
    admin_user: User, agent: User, billing: Team, api_client: ApiClient
) -> None:
    theirs = make_goal(actor=admin_user, owners=[billing])
    client = api_client(agent)
    for path in (f"/api/v1/goals/{theirs.pk}", "/api/v1/goals/999999", f"/api/v1/goals/{2**70}"):
        assert_error(client.get(path), 404, "not_found")
    for method, path, body in [
        ("patch", f"/api/v1/goals/{theirs.pk}", {"threshold": 1}),
        ("post", f"/api/v1/goals/{theirs.pk}/archive", {}),
    ]:
        assert_error(send(client, method, path, body), 404, "not_found")
    theirs.refresh_from_db()
    assert (theirs.threshold, theirs.archived) == (80.0, False)


def test_the_detail_has_status_baseline_progress_series_and_changes(
    admin_user: User, agent: User, support: Team, api_client: ApiClient
) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    goal_measure(goal=goal, day=START)
    body = api_client(agent).get(f"/api/v1/goals/{goal.pk}").json()
    assert body["deadline"] == DEADLINE.isoformat()
    assert set(body["status"]) == {
        "status",
        "label",
        "reason",
        "projected",
        "slope_per_week",
        "tolerance",
    }
    assert body["progress"] == [
        {
            "on": START.isoformat(),
            "value": None,
            "sample_size": 0,
            "enough": False,
            "recent_value": None,
            "recent_sample_size": 0,
            "recent_enough": False,
        }
    ]
    assert body["series"][0]["start"] == START.isoformat()
    assert body["changes"][0]["field"] == "created"
    assert body["can_manage"] is False


def test_a_change_is_applied_and_recorded(sam: User, support: Team, api_client: ApiClient) -> None:
    goal = make_goal(actor=sam, owners=[support])
    client = api_client(sam)
    answer = send(
        client, "patch", f"/api/v1/goals/{goal.pk}", {"threshold": 90, "objective": "Faster."}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["threshold"], body["objective"]) == (90.0, "Faster.")
    assert [(c["field"], c["old"], c["new"]) for c in body["changes"]][1:] == [
        ("objective", "Make live chat feel live.", "Faster."),
        ("threshold", "80", "90"),
    ]
    # null clears a scope cut
    cleared = send(client, "patch", f"/api/v1/goals/{goal.pk}", {"channel": None})
    assert cleared.json()["scope"]["channel"] is None


def test_a_bad_change_is_a_422_and_changes_nothing(
    admin_user: User, support: Team, api_client: ApiClient
) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    client = api_client(admin_user)
    for body, field in [
        ({"threshold": 120}, "threshold"),
        ({"deadline": START.isoformat()}, "deadline"),
        ({"owners": []}, "owners"),
        ({"metric": "nps"}, "within_seconds"),
    ]:
        assert_error(
            send(client, "patch", f"/api/v1/goals/{goal.pk}", body), 422, "validation_error", field
        )
    assert GoalChange.objects.filter(goal=goal).count() == 1


def test_an_agent_reads_but_does_not_change_a_goal(
    admin_user: User, agent: User, support: Team, api_client: ApiClient
) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    client = api_client(agent)
    assert client.get(f"/api/v1/goals/{goal.pk}").status_code == 200
    assert_error(
        send(client, "patch", f"/api/v1/goals/{goal.pk}", {"threshold": 1}), 403, "forbidden"
    )
    assert_error(send(client, "post", f"/api/v1/goals/{goal.pk}/archive", {}), 403, "forbidden")
    goal.refresh_from_db()
    assert (goal.threshold, goal.archived) == (80.0, False)


def test_archiving_takes_a_goal_off_the_list(
    admin_user: User, support: Team, api_client: ApiClient
) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    client = api_client(admin_user)
    archived = send(client, "post", f"/api/v1/goals/{goal.pk}/archive", {})
    assert archived.json()["archived"] is True
    assert client.get("/api/v1/goals").json() == []
    assert [g["id"] for g in client.get("/api/v1/goals?archived=true").json()] == [goal.pk]
    restored = send(client, "post", f"/api/v1/goals/{goal.pk}/restore", {})
    assert restored.json()["archived"] is False
    assert [c["field"] for c in restored.json()["changes"]] == ["created", "archived", "archived"]


def test_goals_are_mounted_on_the_real_api() -> None:
    for path, name in [
        ("/api/v1/goals", "list_goals"),
        ("/api/v1/goals/1", "get_goal"),
        ("/api/v1/goals/1/archive", "archive_goal"),
    ]:
        match = resolve(path, urlconf="concord.config.urls")
        assert (match.namespace, match.url_name) == ("api-1", name)


def test_a_deadline_before_the_start_is_explained(
    admin_user: User, support: Team, api_client: ApiClient
) -> None:
    body = new_goal(support, deadline=(TODAY - timedelta(days=1)).isoformat())
    answer = send(api_client(admin_user), "post", "/api/v1/goals", body)
    error = assert_error(answer, 422, "validation_error", "deadline")
    assert error["message"] == "The deadline must be after the start."
