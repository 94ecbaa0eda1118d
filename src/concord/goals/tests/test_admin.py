"""Goals in the Django admin: read-only pages with the history inline, and an archive action."""

from __future__ import annotations

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.goals.models import Goal, GoalChange
from concord.goals.services import goal_measure
from concord.goals.tests.helpers import START, make_goal

pytestmark = pytest.mark.django_db


def test_the_goal_pages_show_history_and_progress(
    client_as_admin: Client, admin_user: User, support: Team
) -> None:
    goal = make_goal(actor=admin_user, owners=[support], name="Chats within a minute")
    goal_measure(goal=goal, day=START)
    listing = client_as_admin.get("/admin/goals/goal/")
    assert listing.status_code == 200
    assert "Chats within a minute" in listing.content.decode()
    page = client_as_admin.get(f"/admin/goals/goal/{goal.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "First response time within 60 s" in html  # the "created" history row
    assert "Goal measurements" in html
    assert "Goal changes" in html
    # Nothing to save: goals change through the services, which record each change.
    assert 'name="_save"' not in html
    assert client_as_admin.get("/admin/goals/goal/add/").status_code == 403


def test_the_archive_action_goes_through_the_service(
    client_as_admin: Client, admin_user: User, support: Team
) -> None:
    goal = make_goal(actor=admin_user, owners=[support])
    answer = client_as_admin.post(
        "/admin/goals/goal/",
        {"action": "archive_goals", "_selected_action": [goal.pk]},
        follow=True,
    )
    assert answer.status_code == 200
    assert Goal.objects.get().archived
    assert GoalChange.objects.filter(goal=goal, field="archived").count() == 1
