"""Who sees which goals, who may change them, and goals as plain values with a status."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest

from concord.accounts.models import Team, User
from concord.goals.selectors import (
    Point,
    goal_detail,
    goal_get_for_user,
    goal_may_manage,
    goal_summaries,
    trend_points,
)
from concord.goals.services import goal_archive, goal_measure, goal_update
from concord.goals.tests.helpers import START, chats, make_goal
from concord.metrics.tests.helpers import T0

pytestmark = pytest.mark.django_db
MaxQueries = Callable[[int], AbstractContextManager[Any]]


@pytest.fixture
def goals(admin_user: User, support: Team, billing: Team) -> dict[str, Any]:
    return {
        "support": make_goal(actor=admin_user, owners=[support], name="Support's"),
        "shared": make_goal(actor=admin_user, owners=[support, billing], name="Shared"),
        "billing": make_goal(actor=admin_user, owners=[billing], name="Billing's"),
    }


def names(user: User) -> set[str]:
    return {goal.name for goal in goal_summaries(user=user, now=T0)}


def test_admins_see_every_goal(admin_user: User, goals: dict[str, Any]) -> None:
    assert names(admin_user) == {"Support's", "Shared", "Billing's"}


def test_staff_see_the_goals_of_their_teams(
    supervisor: User,
    agent: User,
    other_agent: User,
    collaborator: User,
    support: Team,
    goals: dict[str, Any],
) -> None:
    support.members.add(supervisor)
    assert names(supervisor) == {"Support's", "Shared"}
    assert names(agent) == {"Support's", "Shared"}
    assert names(other_agent) == {"Shared", "Billing's"}
    # Collaborators work in other departments' consultations, not on their targets.
    assert names(collaborator) == set()
    assert goal_get_for_user(user=agent, goal_id=goals["billing"].pk) is None
    assert goal_detail(user=agent, goal_id=goals["billing"].pk) is None
    assert goal_detail(user=agent, goal_id=goals["support"].pk) is not None


def test_archived_goals_are_listed_on_request(admin_user: User, goals: dict[str, Any]) -> None:
    goal_archive(goal=goals["billing"], actor=admin_user)
    assert names(admin_user) == {"Support's", "Shared"}
    listed = goal_summaries(user=admin_user, now=T0, include_archived=True)
    assert [(g.name, g.archived) for g in listed][-1] == ("Billing's", True)


def test_who_may_manage_which_goal(
    admin_user: User, supervisor: User, agent: User, support: Team, billing: Team
) -> None:
    support.members.add(supervisor)
    own, shared = [support.pk], [support.pk, billing.pk]
    assert goal_may_manage(user=admin_user, owner_ids=shared, scope_team_id=billing.pk)
    assert goal_may_manage(user=supervisor, owner_ids=own, scope_team_id=None)
    assert goal_may_manage(user=supervisor, owner_ids=own, scope_team_id=support.pk)
    assert not goal_may_manage(user=supervisor, owner_ids=own, scope_team_id=billing.pk)
    assert not goal_may_manage(user=supervisor, owner_ids=shared, scope_team_id=None)
    assert not goal_may_manage(user=supervisor, owner_ids=[], scope_team_id=None)
    assert not goal_may_manage(user=agent, owner_ids=own, scope_team_id=None)


def test_the_list_says_which_goals_the_user_may_change(
    supervisor: User, agent: User, support: Team, goals: dict[str, Any]
) -> None:
    support.members.add(supervisor)
    flags = {g.name: g.can_manage for g in goal_summaries(user=supervisor, now=T0)}
    assert flags == {"Support's": True, "Shared": False}
    assert not any(g.can_manage for g in goal_summaries(user=agent, now=T0))


def test_the_list_costs_the_same_queries_for_more_goals(
    admin_user: User,
    support: Team,
    goals: dict[str, Any],
    django_assert_max_num_queries: MaxQueries,
) -> None:
    for goal in goals.values():
        goal_measure(goal=goal, day=START, now=T0)
    with django_assert_max_num_queries(4):
        assert len(goal_summaries(user=admin_user, now=T0)) == 3
    for n in range(5):
        make_goal(actor=admin_user, owners=[support], name=f"More {n}")
    with django_assert_max_num_queries(4):
        assert len(goal_summaries(user=admin_user, now=T0)) == 8


def test_a_summary_carries_target_scope_owners_baseline_and_current(
    admin_user: User, agent: User, support: Team, billing: Team
) -> None:
    chats(agent, day=START - timedelta(days=7), fast=3, slow=2, team=support)
    chats(agent, day=START - timedelta(days=7), fast=5, slow=0)  # no team: out of scope
    goal = make_goal(actor=admin_user, owners=[support, billing], team=support.pk)
    chats(agent, day=START, fast=5, slow=0, team=support)
    goal_measure(goal=goal, day=START, now=T0)
    [summary] = goal_summaries(user=admin_user, now=T0)
    assert (summary.metric_label, summary.unit, summary.target) == (
        "First response time within 60 s",
        "%",
        "≥ 80 %",
    )
    assert summary.scope.describe() == "channel chat · team Support"
    assert [(t.name, t.is_department) for t in summary.owners] == [
        ("Billing", True),
        ("Support", False),
    ]
    assert (summary.baseline.value, summary.baseline.sample_size) == (60.0, 5)
    assert summary.current == Point(
        on=START,
        value=100.0,
        sample_size=5,
        enough=True,
        recent_value=100.0,
        recent_sample_size=5,
        recent_enough=True,
    )
    assert summary.status == "not_enough_data"
    assert summary.assessment.label == "Not enough data"


def test_three_good_weeks_put_a_goal_on_track(admin_user: User, agent: User, support: Team) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    for week in range(3):
        chats(agent, day=START + timedelta(days=7 * week), fast=9, slow=1)
        goal_measure(goal=goal, day=START + timedelta(days=7 * week + 6), now=T0)
    [summary] = goal_summaries(user=admin_user, now=T0 + timedelta(days=20))
    assert summary.status == "on_track"
    assert summary.assessment.projected == pytest.approx(90.0)
    assert summary.current is not None
    assert summary.current.recent_value == pytest.approx(90.0)


def test_the_trend_reads_the_week_ends_and_the_latest_figure() -> None:
    def point(day: int, value: float | None, n: int = 10) -> Point:
        return Point(START + timedelta(days=day), value, n, n >= 5, value, n, n >= 5)

    points = [point(0, 50), point(6, 60), point(10, 70), point(13, 80, n=2), point(15, 90)]
    assert trend_points(points=points, start=START) == [
        (START + timedelta(days=6), 60, 10.0),
        (START + timedelta(days=15), 90, 10.0),
    ]
    assert trend_points(points=[point(6, None, n=0)], start=START) == []


def test_the_detail_has_progress_weekly_figures_and_history(
    admin_user: User, agent: User, support: Team
) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    chats(agent, day=START, fast=4, slow=1)  # Monday of the first week
    chats(agent, day=START + timedelta(days=8), fast=1, slow=1)  # Tuesday of the second
    for day in range(10):
        goal_measure(goal=goal, day=START + timedelta(days=day), now=T0)
    goal_update(goal=goal, actor=admin_user, changes={"threshold": 75.0}, now=T0)
    detail = goal_detail(user=admin_user, goal_id=goal.pk, now=T0 + timedelta(days=9))
    assert detail is not None
    assert len(detail.progress) == 10
    assert detail.progress[-1].value == pytest.approx(100 * 5 / 7)
    assert [(w.start, w.end, w.value, w.sample_size) for w in detail.weekly] == [
        (START, START + timedelta(days=7), 80.0, 5),
        (START + timedelta(days=7), START + timedelta(days=10), 50.0, 2),
    ]
    assert [c.field for c in detail.changes] == ["created", "threshold"]
    assert detail.changes[1].actor is not None
    assert detail.changes[1].actor.name == str(admin_user)
    # Seen as of an earlier day, later figures are not shown.
    earlier = goal_detail(user=admin_user, goal_id=goal.pk, now=T0 + timedelta(days=2))
    assert earlier is not None
    assert len(earlier.progress) == 3
