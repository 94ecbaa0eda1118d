"""The trends page: open spike alerts for supervisors, create a problem from one, or dismiss it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.problems.models import Problem, ProblemLink
from concord.trends.models import AlertStatus, SpikeAlert
from concord.trends.services import spike_sweep
from concord.trends.tests.helpers import store
from concord.trends.tests.synthetic import burst

pytestmark = pytest.mark.django_db

# Session, user, teams, alerts, their samples, messages: not one more per alert.
QUERIES_FOR_THE_PAGE = 8


def _alert(team: Team | None = None, count: int = 12) -> SpikeAlert:
    start = timezone.now() - timedelta(hours=2)
    store(burst(seed=1, start=start, count=count, topic=0), team=team)
    (alert,) = spike_sweep(now=start + timedelta(hours=1))
    return alert


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_supervisor_sees_open_alerts_with_samples(supervisor: User, billing: Team) -> None:
    alert = _alert(team=billing)
    page = _client(supervisor).get("/app/trends/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Subject word &quot;checkout&quot;" in html
    assert "<strong>12</strong> conversations in an hour, against about 0.3 usually" in html
    assert "(48 times)" in html
    assert html.count('href="/app/conversations/') == 10  # the samples
    assert f'<option value="{billing.pk}" selected>Billing</option>' in html
    assert 'value="Checkout: 12 similar conversations"' in html
    assert f'id="alert-{alert.pk}"' in html
    assert 'href="/app/trends/"' in html  # in the navigation


def test_agents_and_collaborators_find_no_such_page(agent: User, collaborator: User) -> None:
    _alert()
    for user in (agent, collaborator):
        client = _client(user)
        assert client.get("/app/trends/").status_code == 404
        assert client.post("/app/trends/", {"alert": "1", "action": "dismiss"}).status_code == 404
        assert 'href="/app/trends/"' not in client.get("/app/").content.decode()
    assert SpikeAlert.objects.get().status == AlertStatus.OPEN


def test_create_problem_links_the_conversations_and_closes_the_alert(
    supervisor: User, billing: Team
) -> None:
    alert = _alert(team=billing)
    response = _client(supervisor).post(
        "/app/trends/",
        {
            "alert": alert.pk,
            "action": "problem",
            f"a{alert.pk}-title": "Checkout down",
            f"a{alert.pk}-team": billing.pk,
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/app/problems/{problem.pk}/"
    assert problem.title == "Checkout down"
    assert problem.team == billing
    linked = set(ProblemLink.objects.values_list("conversation_id", flat=True))
    assert linked == set(alert.conversation_ids)
    assert len(linked) == 12
    alert.refresh_from_db()
    assert alert.status == AlertStatus.PROBLEM
    assert alert.problem == problem
    assert alert.handled_by == supervisor
    assert "checkout" not in _client(supervisor).get("/app/trends/").content.decode().lower()


def test_a_missing_department_shows_the_form_again(supervisor: User) -> None:
    alert = _alert()
    response = _client(supervisor).post(
        "/app/trends/",
        {"alert": alert.pk, "action": "problem", f"a{alert.pk}-title": "Checkout down"},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Problem.objects.exists()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_dismiss_and_a_second_action_on_the_same_alert(admin_user: User) -> None:
    alert = _alert()
    client = _client(admin_user)
    response = client.post("/app/trends/", {"alert": alert.pk, "action": "dismiss"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED
    again = client.post("/app/trends/", {"alert": alert.pk, "action": "dismiss"}, follow=True)
    assert "That alert was already handled." in again.content.decode()
    assert "No spikes" in again.content.decode()


def test_forms_need_the_csrf_token(supervisor: User) -> None:
    alert = _alert()
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    assert client.post("/app/trends/", {"alert": alert.pk, "action": "dismiss"}).status_code == 403
    assert 'name="csrfmiddlewaretoken"' in client.get("/app/trends/").content.decode()


def test_the_spike_notification_can_be_chosen_in_the_settings(supervisor: User) -> None:
    page = _client(supervisor).get("/app/notifications/settings/").content.decode()
    assert "A sudden rise of similar conversations" in page


def test_the_page_costs_the_same_queries_for_more_alerts(
    supervisor: User, django_assert_max_num_queries: Any
) -> None:
    start = timezone.now() - timedelta(hours=2)
    for topic in range(3):
        store(burst(seed=topic, start=start, count=8, topic=topic + 3))
    assert len(spike_sweep(now=start + timedelta(hours=1))) == 3
    client = _client(supervisor)
    client.get("/app/trends/")  # the session and user, warmed
    with django_assert_max_num_queries(QUERIES_FOR_THE_PAGE):
        page = client.get("/app/trends/")
    assert page.content.decode().count('<article class="settings-block"') == 3
