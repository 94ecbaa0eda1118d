"""Local time for everyone in the workspace: the profile, times, exports and reports."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from concord.accounts.models import User
from concord.accounts.services import user_set_time_zone

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
