"""Goals in the workspace: the reports section, a goal's page, the forms and archiving."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Role, Team, User
from concord.common.testing import factories
from concord.goals.definition import today
from concord.goals.models import Goal
from concord.goals.selectors import GoalSummary, WeekFigure, goal_summaries
from concord.goals.services import goal_measure_history
from concord.goals.tests.helpers import chats, make_goal
from concord.workspace.templatetags.goals import week_label

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Scene:
    now: datetime
    start: date
    deadline: date
    chat_goal: Goal  # improving week by week: on track
    sms_goal: Goal  # a baseline of 3 chats: too few samples
    csat_goal: Goal  # no surveys at all: no data


@pytest.fixture
def scene(admin_user: User, supervisor: User, agent: User, support: Team) -> Scene:
    """Goals of Support that started four weeks ago, measured as the worker would."""
    support.members.add(supervisor)
    now = timezone.now()
    start = today(now) - timedelta(days=28)
    deadline = start + timedelta(days=89)
    chats(agent, day=start - timedelta(days=10), fast=3, slow=3, team=support)
    chats(agent, day=start - timedelta(days=5), fast=2, slow=1, channel="sms", team=support)
    # Share of chats answered within a minute, cumulative: 60, 65, 70, 75 %.
    for week in range(4):
        day = start + timedelta(days=7 * week + 1)
        chats(agent, day=day, fast=6 + week, slow=4 - week, team=support)
    dates: dict[str, Any] = {"start": start, "deadline": deadline, "now": now}
    chat_goal = make_goal(actor=admin_user, owners=[support], **dates)
    sms_goal = make_goal(
        actor=admin_user, owners=[support], name="SMS answered fast", channel="sms", **dates
    )
    csat_goal = make_goal(
        actor=admin_user,
        owners=[support],
        name="Happier customers",
        objective="Customers come back.",
        metric="csat",
        channel=None,
        within_seconds=None,
        threshold=85,
        **dates,
    )
    for goal in (chat_goal, sms_goal, csat_goal):
        goal_measure_history(goal=goal, now=now)
    return Scene(now, start, deadline, chat_goal, sms_goal, csat_goal)


def _client(user: User, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _article(page: str, goal: Goal) -> str:
    found = re.search(rf'<article class="goal" data-goal="{goal.pk}".*?</article>', page, re.S)
    assert found is not None, f"goal {goal.pk} is not on the page"
    return found.group(0)


def _field(page: str, name: str) -> str:
    """The markup of one field of the goal form, up to the next field: label, input, help, error."""
    start = page.index(f'<div class="goal-field goal-field-{name}')
    rest = page[start + 1 :]
    ends = [
        rest.find(marker)
        for marker in ('<div class="goal-field ', '<fieldset class="goal-fieldset"', "<datalist")
    ]
    return page[start : start + 1 + min(end for end in ends if end >= 0)]


def _summary(user: User, name: str, *, archived: bool = False) -> GoalSummary | None:
    found = [g for g in goal_summaries(user=user, include_archived=archived) if g.name == name]
    return found[0] if found else None


def _form(support: Team, start: date, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Faster chats",
        "objective": "Make live chat feel live.",
        "metric": "frt",
        "within_seconds": "60",
        "comparison": ">=",
        "threshold": "80",
        "start": start.isoformat(),
        "deadline": (start + timedelta(days=89)).isoformat(),
        "owners": [str(support.pk)],
        "channel": "chat",
        "team": "",
        "category": "",
        "tag": "",
        "customer_tier": "",
        "organization": "",
        "time_basis": "calendar",
        "calendar": "",
    }
    data.update(overrides)
    return data


# ---- the reports page ------------------------------------------------------------


def test_the_reports_page_shows_each_goal_with_its_status(supervisor: User, scene: Scene) -> None:
    page = _client(supervisor).get("/app/reports/").content.decode()
    assert '<h2 id="goals-title">Goals</h2>' in page
    chat = _article(page, scene.chat_goal)
    assert f'href="/app/reports/goals/{scene.chat_goal.pk}/"' in chat
    assert "Chats answered within a minute" in chat
    assert "Make live chat feel live." in chat
    assert "First response time within 60 s · channel chat" in chat
    assert "≥ 80 %" in chat
    assert '<span class="goal-status goal-status-on_track">On track</span>' in chat
    assert "The trend reaches 100 by the deadline." in chat
    assert '50.0% <span class="muted">(n = 6)</span>' in chat  # the baseline
    assert '75.0% <span class="muted">since start (n = 40)</span>' in chat
    assert "Support" in chat
    assert f"{scene.deadline:%d %b %Y}".lstrip("0") in chat
    assert f"{(scene.deadline - today(timezone.now())).days} days left" in chat
    sms = _article(page, scene.sms_goal)
    assert "too few samples (3 &lt; 5)" in sms
    assert '<span class="goal-status goal-status-not_enough_data">Not enough data</span>' in sms
    csat = _article(page, scene.csat_goal)
    assert "no data" in csat
    assert "75.0%" not in csat
    # A supervisor of the owning team may add goals.
    assert 'href="/app/reports/goals/new/"' in page


def test_without_goals_the_section_offers_the_first_one(
    supervisor: User, agent: User, support: Team
) -> None:
    support.members.add(supervisor)
    section = render_to_string("workspace/_report_goals.html", {"goals": [], "user": supervisor})
    assert 'href="/app/reports/goals/new/"' in section
    assert "No goals yet" in section
    section = render_to_string("workspace/_report_goals.html", {"goals": [], "user": agent})
    assert "/app/reports/goals/new/" not in section


def test_other_teams_goals_are_not_listed(
    admin_user: User, other_agent: User, billing: Team, scene: Scene
) -> None:
    theirs = make_goal(
        actor=admin_user,
        owners=[billing],
        name="Billing's own",
        start=scene.start,
        deadline=scene.deadline,
        now=scene.now,
    )
    page = _client(other_agent).get("/app/reports/").content.decode()
    assert f'data-goal="{theirs.pk}"' in page
    assert f'data-goal="{scene.chat_goal.pk}"' not in page


# ---- one goal's page -------------------------------------------------------------


def test_the_detail_shows_figures_chart_weeks_and_history(agent: User, scene: Scene) -> None:
    response = _client(agent).get(f"/app/reports/goals/{scene.chat_goal.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 id="goal-title">Chats answered within a minute</h1>' in page
    assert "goal-status-on_track" in page
    chart = re.search(r'<figure class="chart goal-chart".*?</figure>', page, re.S)
    assert chart is not None
    assert "<svg" in chart.group(0)
    for legend in ("Since start", "Last 28 days", "Target ≥ 80 %", "Baseline"):
        assert legend in chart.group(0)
    weekly = re.search(r'<table class="data-table goal-weekly">.*?</table>', page, re.S)
    assert weekly is not None
    # Each week on its own, not cumulative: 60, 70, 80, 90 %.
    for share, n in (("60.0%", 10), ("70.0%", 10), ("80.0%", 10), ("90.0%", 10)):
        assert f'<td class="num">{share}</td><td class="num">{n}</td>' in weekly.group(0)
    history = re.search(r'<table class="data-table goal-history">.*?</table>', page, re.S)
    assert history is not None
    assert "<td>created</td>" in history.group(0)
    assert "baseline 50 (n=6)" in history.group(0)
    # Agents read goals; they do not change them.
    assert "/edit/" not in page
    assert "/archive/" not in page


def test_a_time_target_is_drawn_and_written_in_minutes(
    admin_user: User, supervisor: User, support: Team, scene: Scene
) -> None:
    goal = make_goal(
        actor=admin_user,
        owners=[support],
        name="First answer within 5 minutes on average",
        within_seconds=None,
        comparison="<=",
        threshold=300,
        start=scene.start,
        deadline=scene.deadline,
        now=scene.now,
    )
    goal_measure_history(goal=goal, now=scene.now)
    page = _client(supervisor).get(f"/app/reports/goals/{goal.pk}/").content.decode()
    assert "≤ 300 seconds" in page
    # 30 chats answered in 30 s and 10 in 5 minutes since the start: 97.5 s on average.
    assert '1 min 38 s <span class="muted">since start (n = 40)</span>' in page
    chart = re.search(r'<figure class="chart goal-chart".*?</figure>', page, re.S)
    assert chart is not None
    assert "minutes" in chart.group(0)


def test_a_goal_not_started_says_when_it_starts(
    admin_user: User, agent: User, support: Team, scene: Scene
) -> None:
    on = today(timezone.now())
    goal = make_goal(
        actor=admin_user,
        owners=[support],
        name="Next quarter",
        start=on + timedelta(days=5),
        deadline=on + timedelta(days=95),
        now=scene.now,
    )
    page = _client(agent).get(f"/app/reports/goals/{goal.pk}/").content.decode()
    assert "Not measured yet: the goal starts in 5 days." in page
    assert '<figure class="chart goal-chart"' not in page
    assert "goal-status-not_enough_data" in page
    assert f"The goal starts on {goal.start.isoformat()}." in page


def test_the_detail_is_404_for_those_who_may_not_see_it(
    other_agent: User, billing: Team, scene: Scene
) -> None:
    billing_supervisor = factories.UserFactory.create(username="bo", role=Role.SUPERVISOR)
    billing.members.add(billing_supervisor)
    url = f"/app/reports/goals/{scene.chat_goal.pk}/"
    assert _client(billing_supervisor).get(url).status_code == 404
    assert _client(other_agent).get(url).status_code == 404
    assert _client(billing_supervisor).get(f"{url}edit/").status_code == 404
    assert _client(other_agent).get("/app/reports/goals/999999/").status_code == 404
    assert _client(other_agent).get(f"/app/reports/goals/{2**70}/").status_code == 404


# ---- creating --------------------------------------------------------------------


def test_a_supervisor_creates_a_goal_with_its_baseline(
    supervisor: User, support: Team, scene: Scene
) -> None:
    client = _client(supervisor)
    form = client.get("/app/reports/goals/new/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in form
    assert "share of conversations answered within N seconds" in form
    assert f'value="{support.pk}"' in _field(form, "owners")
    response = client.post("/app/reports/goals/new/", _form(support, scene.start))
    created = _summary(supervisor, "Faster chats")
    assert created is not None
    assert response.status_code == 302
    assert response["Location"] == f"/app/reports/goals/{created.id}/"
    # The same 6 chats before the start, 3 answered within a minute.
    assert (created.baseline.value, created.baseline.sample_size) == (50.0, 6)
    assert [t.name for t in created.owners] == ["Support"]
    assert created.created_by is not None
    assert created.created_by.id == supervisor.pk
    page = client.get(response["Location"]).content.decode()
    assert "Goal “Faster chats” created" in page
    assert "50.0%" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"threshold": "120"}, "threshold", "target in % is from 0 to 100"),
        (
            {"metric": "csat", "within_seconds": "60", "channel": ""},
            "within_seconds",
            "CSAT is not a time metric",
        ),
        ({"time_basis": "business"}, "calendar", "Business hours need a calendar."),
        ({"owners": []}, "owners", "This field is required."),
        ({"name": ""}, "name", "This field is required."),
        ({"deadline": "2020-01-01"}, "deadline", "The deadline must be after the start."),
    ],
)
def test_a_refused_goal_names_its_field_and_saves_nothing(
    supervisor: User,
    support: Team,
    scene: Scene,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = _client(supervisor).post(
        "/app/reports/goals/new/", _form(support, scene.start, **overrides)
    )
    assert response.status_code == 200
    page = response.content.decode()
    markup = _field(page, field)
    assert "has-error" in markup
    assert message in markup
    assert _summary(supervisor, "Faster chats") is None
    # What was typed stays in the form.
    assert "Make live chat feel live." in _field(page, "objective")


def test_a_supervisor_cannot_hand_a_goal_to_another_team(
    supervisor: User, support: Team, billing: Team, scene: Scene
) -> None:
    page = _client(supervisor).get("/app/reports/goals/new/").content.decode()
    assert f'value="{billing.pk}"' not in _field(page, "owners")
    response = _client(supervisor).post(
        "/app/reports/goals/new/",
        _form(support, scene.start, owners=[str(support.pk), str(billing.pk)]),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in _field(response.content.decode(), "owners")
    assert _summary(supervisor, "Faster chats") is None


def test_agents_cannot_create_edit_or_archive(agent: User, support: Team, scene: Scene) -> None:
    client = _client(agent)
    assert 'href="/app/reports/goals/new/"' not in client.get("/app/reports/").content.decode()
    assert client.get("/app/reports/goals/new/").status_code == 404
    assert client.post("/app/reports/goals/new/", _form(support, scene.start)).status_code == 404
    assert _summary(agent, "Faster chats") is None
    pk = scene.chat_goal.pk
    assert client.get(f"/app/reports/goals/{pk}/edit/").status_code == 404
    edit = _form(support, scene.start, name="Renamed")
    assert client.post(f"/app/reports/goals/{pk}/edit/", edit).status_code == 404
    assert client.post(f"/app/reports/goals/{pk}/archive/").status_code == 404
    assert [g.name for g in goal_summaries(user=agent) if g.id == pk] == [
        "Chats answered within a minute"
    ]


def test_forms_refuse_a_post_without_csrf_token(
    supervisor: User, support: Team, scene: Scene
) -> None:
    strict = _client(supervisor, enforce_csrf_checks=True)
    response = strict.post("/app/reports/goals/new/", _form(support, scene.start))
    assert response.status_code == 403
    assert _summary(supervisor, "Faster chats") is None
    pk = scene.chat_goal.pk
    assert strict.post(f"/app/reports/goals/{pk}/archive/").status_code == 403
    assert _summary(supervisor, "Chats answered within a minute") is not None


# ---- changing and archiving ------------------------------------------------------


def test_an_edit_is_recorded_and_shown_in_the_history(
    supervisor: User, support: Team, scene: Scene
) -> None:
    client = _client(supervisor)
    pk = scene.chat_goal.pk
    form = client.get(f"/app/reports/goals/{pk}/edit/").content.decode()
    assert 'value="80"' in _field(form, "threshold")
    assert 'value="Chats answered within a minute"' in _field(form, "name")
    assert "checked" in _field(form, "owners")
    data = _form(
        support,
        scene.start,
        name="Chats answered within a minute",
        threshold="85",
        deadline=scene.deadline.isoformat(),
    )
    response = client.post(f"/app/reports/goals/{pk}/edit/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/app/reports/goals/{pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Goal saved" in page
    assert "≥ 85 %" in page
    history = re.search(r'<table class="data-table goal-history">.*?</table>', page, re.S)
    assert history is not None
    rows = re.findall(r"<tr>.*?</tr>", history.group(0), re.S)
    # The header, "created", and one row for the one field that changed.
    assert len(rows) == 3
    assert "<td>threshold</td>" in rows[2]
    assert "<del>80</del> → <ins>85</ins>" in rows[2]
    assert str(supervisor) in rows[2]


def test_an_edit_the_service_refuses_names_its_field(
    supervisor: User, support: Team, scene: Scene
) -> None:
    pk = scene.chat_goal.pk
    data = _form(
        support,
        scene.start,
        name="Chats answered within a minute",
        metric="csat",
        deadline=scene.deadline.isoformat(),
    )
    response = _client(supervisor).post(f"/app/reports/goals/{pk}/edit/", data)
    assert response.status_code == 200
    assert "CSAT is not a time metric" in _field(response.content.decode(), "within_seconds")
    summary = _summary(supervisor, "Chats answered within a minute")
    assert summary is not None
    assert summary.metric == "frt"


def test_a_supervisor_cannot_edit_a_goal_shared_with_another_team(
    admin_user: User, supervisor: User, support: Team, billing: Team, scene: Scene
) -> None:
    shared = make_goal(
        actor=admin_user,
        owners=[support, billing],
        name="Shared",
        start=scene.start,
        deadline=scene.deadline,
        now=scene.now,
    )
    client = _client(supervisor)
    page = client.get(f"/app/reports/goals/{shared.pk}/").content.decode()
    assert "/edit/" not in page
    assert client.get(f"/app/reports/goals/{shared.pk}/edit/").status_code == 404
    assert client.post(f"/app/reports/goals/{shared.pk}/archive/").status_code == 404
    assert _summary(supervisor, "Shared") is not None


def test_archive_and_restore(supervisor: User, scene: Scene) -> None:
    client = _client(supervisor)
    pk = scene.chat_goal.pk
    detail = client.get(f"/app/reports/goals/{pk}/").content.decode()
    assert f'action="/app/reports/goals/{pk}/archive/"' in detail
    response = client.post(f"/app/reports/goals/{pk}/archive/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Goal archived" in page
    assert "<td>archived</td>" in page
    assert "Restore" in page
    assert _summary(supervisor, "Chats answered within a minute") is None
    archived = _summary(supervisor, "Chats answered within a minute", archived=True)
    assert archived is not None
    assert archived.archived
    reports = client.get("/app/reports/").content.decode()
    assert f'data-goal="{pk}"' not in reports
    assert client.get(f"/app/reports/goals/{pk}/archive/").status_code == 405
    client.post(f"/app/reports/goals/{pk}/archive/", {"archived": "no"})
    assert _summary(supervisor, "Chats answered within a minute") is not None


def test_a_week_is_named_with_its_year() -> None:
    def week(start: date, end: date) -> WeekFigure:
        return WeekFigure(start=start, end=end, value=None, sample_size=0, enough=False, note="")

    assert week_label(week(date(2026, 3, 3), date(2026, 3, 10))) == "3 Mar to 9 Mar 2026"
    assert week_label(week(date(2026, 12, 28), date(2027, 1, 4))) == "28 Dec 2026 to 3 Jan 2027"
    assert week_label(week(date(2026, 12, 7), date(2026, 12, 8))) == "7 Dec 2026"
