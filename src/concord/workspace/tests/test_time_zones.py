"""Local time for everyone in the workspace: the profile, times, exports and reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.accounts.services import user_set_time_zone
from concord.conversations.models import Conversation
from concord.metrics.tests.helpers import opened
from concord.workspace.templatetags.workspace import time_ago

SignIn = Callable[[User], Client]


# The profile page.


def test_the_top_bar_links_the_user_name_to_the_profile(agent: User, as_user: SignIn) -> None:
    page = as_user(agent).get("/app/").content.decode()
    assert 'class="usermenu-profile" href="/app/profile/"' in page


def test_the_profile_offers_every_zone_to_search(agent: User, as_user: SignIn) -> None:
    page = as_user(agent).get("/app/profile/").content.decode()
    assert 'list="time-zone-names"' in page
    assert '<option value="Europe/Berlin">' in page
    assert '<option value="America/Argentina/Buenos_Aires">' in page
    # Not chosen yet: the page says which zone is used instead.
    assert "you have not chosen one" in page


def test_the_profile_saves_a_valid_zone(agent: User, as_user: SignIn) -> None:
    client = as_user(agent)
    response = client.post("/app/profile/", {"time_zone": "Europe/Berlin"}, follow=True)
    assert response.redirect_chain == [("/app/profile/", 302)]
    agent.refresh_from_db()
    assert agent.time_zone == "Europe/Berlin"
    page = response.content.decode()
    assert "Times are now shown in Europe/Berlin." in page
    assert 'value="Europe/Berlin"' in page


def test_the_profile_refuses_an_unknown_zone_with_a_clear_error(
    agent: User, as_user: SignIn
) -> None:
    user_set_time_zone(user=agent, time_zone="Asia/Tokyo")
    response = as_user(agent).post("/app/profile/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "&#x27;Mars/Olympus&#x27; is not an IANA time zone. Choose one from the list." in page
    assert 'value="Mars/Olympus"' in page  # kept in the field to correct it
    agent.refresh_from_db()
    assert agent.time_zone == "Asia/Tokyo"


def test_the_profile_clears_back_to_the_installation_zone(agent: User, as_user: SignIn) -> None:
    user_set_time_zone(user=agent, time_zone="Asia/Tokyo")
    response = as_user(agent).post("/app/profile/", {"time_zone": ""}, follow=True)
    agent.refresh_from_db()
    assert agent.time_zone == ""
    assert "Times are now shown in UTC (the installation&#x27;s zone)." in response.content.decode()


def test_the_profile_is_for_signed_in_staff(client: Client) -> None:
    response = client.get("/app/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/app/login/")


# Times on pages name their zone on hover.


def test_hover_titles_name_the_viewers_zone(
    agent: User, as_user: SignIn, open_conv: Callable[..., Conversation]
) -> None:
    conversation = open_conv(team=None, at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC))
    user_set_time_zone(user=agent, time_zone="Europe/Berlin")
    agent.role = "supervisor"  # sees every conversation, whatever its team
    agent.save(update_fields=["role"])
    client = as_user(agent)
    page = client.get(f"/app/conversations/{conversation.pk}/").content.decode()
    assert 'title="2026-01-16 00:30 CET (Europe/Berlin)">Jan 16, 00:30</time>' in page
    inbox = client.get("/app/?status=all").content.decode()
    assert 'title="2026-01-16 00:30 CET (Europe/Berlin)"' in inbox


@pytest.mark.parametrize(
    ("zone", "title"),
    [
        ("UTC", "2026-01-15 23:30 UTC"),
        ("America/Chicago", "2026-01-15 17:30 CST (America/Chicago)"),
        ("Asia/Dubai", "2026-01-16 03:30 Asia/Dubai (UTC+04)"),
    ],
)
def test_hover_titles_spell_out_ambiguous_or_missing_abbreviations(zone: str, title: str) -> None:
    with timezone.override(zone):
        html = str(time_ago(datetime(2026, 1, 15, 23, 30, tzinfo=UTC)))
    assert f'title="{title}"' in html


# Reports count days in the viewer's zone, and say so.


@pytest.fixture
def late_evening(db: None) -> Conversation:
    """A conversation opened at 23:30 UTC: already the 16th in Berlin."""
    return opened(at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC), channel="email")


PERIOD = "period=custom&start=2026-01-14&end=2026-01-17&bucket=day"


def _channel_rows(client: Client) -> list[list[str]]:
    response = client.get(f"/app/reports/export/channels.csv?{PERIOD}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_reports_count_days_in_the_viewers_zone_and_state_it(
    admin_user: User, support: Team, as_user: SignIn, late_evening: Conversation
) -> None:
    user_set_time_zone(user=admin_user, time_zone="Europe/Berlin")
    client = as_user(admin_user)
    page = client.get(f"/app/reports/?{PERIOD}").content.decode()
    assert "Days counted in Europe/Berlin" in page
    rows = _channel_rows(client)
    assert rows[0][0] == "Period start (Europe/Berlin)"
    email = rows[0].index("email")
    by_day = {row[0]: row[email] for row in rows[1:]}
    assert by_day == {"2026-01-14": "0", "2026-01-15": "0", "2026-01-16": "1", "2026-01-17": "0"}
    breakdown = client.get(f"/app/reports/teams/?{PERIOD}").content.decode()
    assert "Days counted in Europe/Berlin" in breakdown


def test_without_a_zone_reports_count_days_in_the_installation_zone(
    admin_user: User, as_user: SignIn, late_evening: Conversation
) -> None:
    client = as_user(admin_user)
    assert "Days counted in UTC" in client.get(f"/app/reports/?{PERIOD}").content.decode()
    rows = _channel_rows(client)
    assert rows[0][0] == "Period start (UTC)"
    email = rows[0].index("email")
    assert {row[0]: row[email] for row in rows[1:]}["2026-01-15"] == "1"
