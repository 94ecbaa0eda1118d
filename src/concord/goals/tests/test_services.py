"""Creating, changing, archiving and measuring goals through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from concord.accounts.models import Team, User
from concord.calendars.services import calendar_create
from concord.common.errors import NotAllowed, ValidationFailed
from concord.common.scheduler import registered
from concord.common.testing import factories
from concord.common.testing.commit import Committing
from concord.goals.models import Goal, GoalChange, GoalMeasurement
from concord.goals.services import (
    goal_archive,
    goal_measure,
    goal_measure_history,
    goal_update,
    goals_measure_all,
)
from concord.goals.tests.helpers import DEADLINE, START, chats, make_goal
from concord.metrics.tests.helpers import T0

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(supervisor: User, support: Team) -> User:
    """A supervisor of Support only."""
    support.members.add(supervisor)
    return supervisor


def changes(goal: Goal) -> list[tuple[str, str, str]]:
    return [
        (c.field, c.old, c.new) for c in GoalChange.objects.filter(goal=goal).order_by("at", "pk")
    ]


# ---- create -------------------------------------------------------------------------


def test_an_admin_creates_a_goal_with_its_baseline(
    admin_user: User, agent: User, support: Team, billing: Team
) -> None:
    # Before the start: 4 of 5 chats answered within a minute, and an email that is out of scope.
    chats(agent, day=START - timedelta(days=10), fast=4, slow=1)
    chats(agent, day=START - timedelta(days=10), fast=0, slow=1, channel="email")
    goal = make_goal(actor=admin_user, owners=[support, billing])
    assert (goal.baseline_value, goal.baseline_sample_size, goal.baseline_enough) == (80.0, 5, True)
    # As long as the goal (90 days), just before its start.
    assert (goal.baseline_start, goal.baseline_end) == (START - timedelta(days=90), START)
    assert goal.baseline_measured_at == T0
    assert set(goal.owners.all()) == {support, billing}
    assert goal.created_by == admin_user
    [(field, old, new)] = changes(goal)
    assert (field, old) == ("created", "")
    assert new == (
        "First response time within 60 s >= 80 %, 2025-03-03 to 2025-05-31; "
        "owners: Billing, Support; baseline 80 (n=5)"
    )


def test_a_long_goal_takes_at_most_90_days_of_baseline(admin_user: User, support: Team) -> None:
    goal = make_goal(actor=admin_user, owners=[support], deadline=START + timedelta(days=300))
    assert goal.baseline_start == START - timedelta(days=90)


def test_a_goal_that_starts_later_takes_its_baseline_up_to_today(
    admin_user: User, support: Team
) -> None:
    later = START + timedelta(days=30)
    goal = make_goal(
        actor=admin_user, owners=[support], start=later, deadline=later + timedelta(days=13)
    )
    assert (goal.baseline_start, goal.baseline_end) == (START - timedelta(days=14), START)


def test_a_baseline_without_data_says_so(admin_user: User, support: Team) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    assert (goal.baseline_value, goal.baseline_sample_size, goal.baseline_enough) == (
        None,
        0,
        False,
    )
    assert changes(goal)[0][2].endswith("baseline no data (n=0)")


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"name": "  "}, "name", "needs a name"),
    ({"objective": ""}, "objective", "company objective"),
    ({"metric": "happiness"}, "metric", "no metric 'happiness'"),
    ({"comparison": "=="}, "comparison", "not one of"),
    ({"channel": "fax"}, "channel", "not one of"),
    ({"customer_tier": "gold"}, "customer_tier", "not one of"),
    ({"deadline": START}, "deadline", "after the start"),
    (
        {"start": START - timedelta(days=20), "deadline": START - timedelta(days=1)},
        "deadline",
        "has passed",
    ),
    ({"deadline": START + timedelta(days=800)}, "deadline", "731 days"),
    ({"threshold": 101}, "threshold", "from 0 to 100"),
    ({"threshold": -1}, "threshold", "from 0 to 100"),
    ({"metric": "nps", "within_seconds": None, "threshold": -101}, "threshold", "-100 to 100"),
    ({"metric": "star_rating", "within_seconds": None, "threshold": 6}, "threshold", "1 to 5"),
    ({"within_seconds": None, "threshold": -5}, "threshold", "0 or more"),
    ({"metric": "csat"}, "within_seconds", "not a time metric"),
    ({"within_seconds": 0}, "within_seconds", "1 or more"),
    (
        {"metric": "csat", "within_seconds": None, "time_basis": "business"},
        "time_basis",
        "not a time",
    ),
    ({"time_basis": "business"}, "calendar", "need a calendar"),
    ({"time_basis": "weekdays"}, "time_basis", "not one of"),
    ({"metric": "churn_rate", "within_seconds": None}, "channel", "cannot be cut by channel"),
    ({"team": 999_999}, "team", "no team 999999"),
    ({"organization": 999_999}, "organization", "no organization"),
]


@pytest.mark.parametrize(("override", "field", "message"), BAD)
def test_a_bad_goal_is_refused_naming_the_field(
    admin_user: User, support: Team, override: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message) as refused:
        make_goal(actor=admin_user, owners=[support], **override)
    assert refused.value.field == field
    assert not Goal.objects.exists()


def test_a_goal_needs_owners_that_exist(admin_user: User, support: Team) -> None:
    with pytest.raises(ValidationFailed) as refused:
        make_goal(actor=admin_user, owners=[])
    assert refused.value.field == "owners"
    with pytest.raises(ValidationFailed, match="no team 999999") as refused:
        make_goal(actor=admin_user, owners=[support, Team(pk=999_999)])
    assert refused.value.field == "owners"
    assert not Goal.objects.exists()


def test_a_calendar_goes_with_business_hours_only(admin_user: User, support: Team) -> None:
    hours = calendar_create(name="Office", time_zone="UTC", intervals=[])
    with pytest.raises(ValidationFailed, match="only applies to business hours") as refused:
        make_goal(actor=admin_user, owners=[support], calendar=hours.pk)
    assert refused.value.field == "calendar"
    goal = make_goal(actor=admin_user, owners=[support], calendar=hours.pk, time_basis="business")
    assert (goal.time_basis, goal.calendar) == ("business", hours)


def test_a_supervisor_sets_goals_for_their_own_teams_only(
    sam: User, support: Team, billing: Team
) -> None:
    assert make_goal(actor=sam, owners=[support]).created_by == sam
    with pytest.raises(NotAllowed) as refused:
        make_goal(actor=sam, owners=[support, billing])
    assert refused.value.field == "owners"
    with pytest.raises(NotAllowed):
        make_goal(actor=sam, owners=[support], team=billing.pk)
    assert Goal.objects.count() == 1


def test_agents_and_collaborators_set_no_goals(
    agent: User, collaborator: User, support: Team
) -> None:
    for user in (agent, collaborator):
        with pytest.raises(NotAllowed):
            make_goal(actor=user, owners=[support])
    assert not Goal.objects.exists()


# ---- update -------------------------------------------------------------------------


def test_each_change_is_recorded_with_who_and_when(
    admin_user: User, agent: User, support: Team, billing: Team
) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    chats(agent, day=START, fast=5, slow=0)
    goal_measure(goal=goal, day=START, now=T0)
    later = T0 + timedelta(days=2)
    goal_update(
        goal=goal,
        actor=admin_user,
        changes={"threshold": 85.0, "owners": [billing.pk, support.pk], "name": goal.name},
        now=later,
    )
    goal.refresh_from_db()
    assert goal.threshold == 85.0
    assert set(goal.owners.all()) == {support, billing}
    assert goal.updated_at == later
    assert changes(goal)[1:] == [
        ("threshold", "80", "85"),
        ("owners", "Support", "Billing, Support"),
    ]
    row = GoalChange.objects.filter(goal=goal, field="threshold").get()
    assert (row.actor, row.at) == (admin_user, later)
    # The target moved, not what is measured: progress and baseline stay.
    assert GoalMeasurement.objects.filter(goal=goal).count() == 1


def test_an_update_that_changes_nothing_records_nothing(admin_user: User, support: Team) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    goal_update(goal=goal, actor=admin_user, changes={"threshold": 80, "owners": [support.pk]})
    assert len(changes(goal)) == 1


def test_changing_what_is_measured_starts_progress_over(
    admin_user: User, agent: User, support: Team, committed: Committing
) -> None:
    chats(agent, day=START - timedelta(days=3), fast=1, slow=4, channel="email")
    goal = make_goal(actor=admin_user, owners=[support])
    goal_measure(goal=goal, day=START, now=T0)
    with committed():
        goal_update(
            goal=goal,
            actor=admin_user,
            changes={"channel": "email"},
            now=T0 + timedelta(hours=1),
        )
    goal.refresh_from_db()
    assert (goal.channel, goal.baseline_value, goal.baseline_sample_size) == ("email", 20.0, 5)
    assert changes(goal)[1:] == [
        ("channel", "chat", "email"),
        ("baseline", "no data (n=0)", "20 (n=5)"),
    ]
    # The old figures were for chats; the task measured today again, for email.
    [row] = GoalMeasurement.objects.filter(goal=goal)
    assert (row.measured_on, row.sample_size) == (START, 0)


def test_an_earlier_deadline_drops_progress_after_it(admin_user: User, support: Team) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    for day in (START, START + timedelta(days=20)):
        goal_measure(goal=goal, day=day, now=T0)
    goal_update(
        goal=goal, actor=admin_user, changes={"deadline": START + timedelta(days=10)}, now=T0
    )
    assert list(GoalMeasurement.objects.values_list("measured_on", flat=True)) == [START]
    assert [field for field, _, _ in changes(goal)] == ["created", "deadline", "baseline"]


def test_a_bad_change_is_refused_and_nothing_is_written(admin_user: User, support: Team) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    for bad, field in [
        ({"threshold": 150.0}, "threshold"),
        ({"metric": "csat"}, "within_seconds"),  # the share within 60 s needs a time metric
        ({"owners": []}, "owners"),
        ({"colour": "red"}, "colour"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            goal_update(goal=goal, actor=admin_user, changes=bad)  # type: ignore[arg-type]
        assert refused.value.field == field
    goal.refresh_from_db()
    assert (goal.threshold, goal.metric) == (80.0, "frt")
    assert len(changes(goal)) == 1


def test_a_supervisor_changes_only_goals_of_their_own_teams(
    admin_user: User, sam: User, support: Team, billing: Team
) -> None:
    shared = make_goal(actor=admin_user, owners=[support, billing])
    with pytest.raises(NotAllowed):
        goal_update(goal=shared, actor=sam, changes={"threshold": 90.0})
    own = make_goal(actor=sam, owners=[support])
    with pytest.raises(NotAllowed):
        goal_update(goal=own, actor=sam, changes={"owners": [support.pk, billing.pk]})
    goal_update(goal=own, actor=sam, changes={"threshold": 90.0})
    shared.refresh_from_db()
    own.refresh_from_db()
    assert (shared.threshold, own.threshold) == (80.0, 90.0)
    assert set(own.owners.all()) == {support}


def test_an_agent_changes_no_goal(admin_user: User, agent: User, support: Team) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    with pytest.raises(NotAllowed):
        goal_update(goal=goal, actor=agent, changes={"threshold": 1.0})
    with pytest.raises(NotAllowed):
        goal_archive(goal=goal, actor=agent)
    goal.refresh_from_db()
    assert (goal.threshold, goal.archived) == (80.0, False)


def test_archiving_and_restoring_are_recorded(admin_user: User, support: Team) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    goal_archive(goal=goal, actor=admin_user, now=T0)
    goal_archive(goal=goal, actor=admin_user, now=T0)  # already archived: nothing to record
    assert Goal.objects.get().archived
    goal_archive(goal=goal, actor=admin_user, archived=False, now=T0)
    assert changes(goal)[1:] == [("archived", "no", "yes"), ("archived", "yes", "no")]


# ---- measuring ----------------------------------------------------------------------


def test_measuring_a_day_again_overwrites_it(admin_user: User, agent: User, support: Team) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    chats(agent, day=START, fast=3, slow=1)
    first = goal_measure(goal=goal, day=START, now=T0)
    assert (first.value, first.sample_size, first.enough) == (75.0, 4, False)
    chats(agent, day=START, fast=1, slow=0)
    again = goal_measure(goal=goal, day=START, now=T0 + timedelta(hours=8))
    assert again.pk == first.pk
    assert (again.value, again.sample_size, again.enough) == (80.0, 5, True)
    assert GoalMeasurement.objects.count() == 1


def test_a_day_outside_the_goal_is_not_measured(admin_user: User, support: Team) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    for day in (START - timedelta(days=1), DEADLINE + timedelta(days=1)):
        with pytest.raises(ValidationFailed) as refused:
            goal_measure(goal=goal, day=day)
        assert refused.value.field == "day"


def test_progress_is_cumulative_and_the_recent_figure_covers_four_weeks(
    admin_user: User, agent: User, support: Team
) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    chats(agent, day=START, fast=0, slow=10)  # a slow first day
    chats(agent, day=START + timedelta(days=30), fast=10, slow=0)
    early = goal_measure(goal=goal, day=START + timedelta(days=1), now=T0)
    assert (early.value, early.recent_value) == (0.0, 0.0)  # younger than 28 days: the same
    late = goal_measure(goal=goal, day=START + timedelta(days=30), now=T0)
    assert (late.value, late.sample_size) == (50.0, 20)
    assert (late.recent_value, late.recent_sample_size) == (100.0, 10)


def test_catching_up_fills_week_ends_and_finishes_yesterday_once(
    admin_user: User, support: Team
) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    now = T0 + timedelta(days=16)  # Wednesday of the third week, 09:00
    assert goal_measure_history(goal=goal, now=now) == 4
    measured = sorted(GoalMeasurement.objects.values_list("measured_on", flat=True))
    assert measured == [START + timedelta(days=n) for n in (6, 13, 15, 16)]
    # An hour later only today runs again; yesterday was finished after midnight.
    assert goal_measure_history(goal=goal, now=now + timedelta(hours=1)) == 1
    # The next morning, the day before (measured while it ran) is finished once.
    tomorrow = now + timedelta(days=1)
    assert goal_measure_history(goal=goal, now=tomorrow) == 2
    assert goal_measure_history(goal=goal, now=tomorrow) == 1


def test_the_job_measures_live_goals_only(admin_user: User, support: Team) -> None:
    live = make_goal(actor=admin_user, owners=[support])
    archived = make_goal(actor=admin_user, owners=[support])
    goal_archive(goal=archived, actor=admin_user)
    later = START + timedelta(days=30)
    make_goal(actor=admin_user, owners=[support], start=later, deadline=later + timedelta(days=9))
    factories.TeamFactory.create()  # an unrelated team changes nothing
    assert goals_measure_all(now=T0) == 1
    assert list(GoalMeasurement.objects.values_list("goal_id", flat=True)) == [live.pk]
    # After the deadline, the deadline's own figure is the last one.
    assert goals_measure_all(now=T0 + timedelta(days=100)) == 13
    assert GoalMeasurement.objects.order_by("measured_on").last().measured_on == DEADLINE  # type: ignore[union-attr]


def test_the_job_is_registered_with_the_scheduler() -> None:
    assert "goals.measure" in {job.name for job in registered()}
