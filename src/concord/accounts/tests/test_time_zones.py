"""Each user's time zone: the service, the middleware, and the browser's first report."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from concord.accounts.middleware import UserTimeZoneMiddleware
from concord.accounts.models import User
from concord.accounts.selectors import user_zone
from concord.accounts.services import user_default_time_zone, user_set_time_zone
from concord.common.errors import ValidationFailed

DEFAULT_URL = "/app/profile/time-zone/default/"


def _zone_seen_by(user: User | None) -> str:
    """The zone a view sees as current when ``user`` makes the request."""
    seen: list[str] = []

    def view(request: object) -> object:
        seen.append(timezone.get_current_timezone_name())
        return object()

    request = RequestFactory().get("/")
    if user is not None:
        request.user = user
    UserTimeZoneMiddleware(view)(request)  # type: ignore[arg-type]
    return seen[0]


def test_the_middleware_activates_the_users_zone_for_the_request(agent: User) -> None:
    user_set_time_zone(user=agent, time_zone="Europe/Berlin")
    assert _zone_seen_by(agent) == "Europe/Berlin"
    # And the zone does not outlive the request.
    assert timezone.get_current_timezone_name() == timezone.get_default_timezone_name()


def test_a_user_without_a_zone_or_no_user_sees_the_installation_zone(agent: User) -> None:
    timezone.activate("Asia/Tokyo")  # left over from an earlier request on this thread
    assert _zone_seen_by(agent) == "UTC"
    timezone.activate("Asia/Tokyo")
    assert _zone_seen_by(None) == "UTC"


def test_pages_render_times_in_the_viewers_zone(agent: User) -> None:
    user_set_time_zone(user=agent, time_zone="America/New_York")
    client = Client()
    client.force_login(agent)
    page = client.get("/app/profile/").content.decode()
    assert "America/New_York" in page
    assert timezone.get_current_timezone_name() == "UTC"


def test_set_time_zone_stores_a_valid_zone_and_clears_to_blank(agent: User) -> None:
    user_set_time_zone(user=agent, time_zone=" Europe/Berlin ")
    agent.refresh_from_db()
    assert agent.time_zone == "Europe/Berlin"
    assert str(user_zone(user=agent)) == "Europe/Berlin"
    user_set_time_zone(user=agent, time_zone="")
    agent.refresh_from_db()
    assert agent.time_zone == ""
    assert str(user_zone(user=agent)) == "UTC"


def test_set_time_zone_refuses_an_unknown_zone_and_changes_nothing(agent: User) -> None:
    user_set_time_zone(user=agent, time_zone="Europe/Berlin")
    with pytest.raises(ValidationFailed, match="Mars/Olympus"):
        user_set_time_zone(user=agent, time_zone="Mars/Olympus")
    agent.refresh_from_db()
    assert agent.time_zone == "Europe/Berlin"


def test_the_browsers_zone_is_stored_only_while_blank(agent: User) -> None:
    assert user_default_time_zone(user=agent, time_zone="Asia/Tokyo") is True
    assert user_default_time_zone(user=agent, time_zone="Europe/Berlin") is False
    agent.refresh_from_db()
    assert agent.time_zone == "Asia/Tokyo"


def test_a_zone_removed_from_the_tz_database_falls_back(agent: User) -> None:
    User.objects.filter(pk=agent.pk).update(time_zone="Gone/Away")
    agent.refresh_from_db()
    assert str(user_zone(user=agent)) == "UTC"


# The endpoint the page calls at first sign-in.


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def _signed_in_with_token(client: Client, user: User) -> str:
    client.force_login(user)
    page = client.get(reverse("workspace:inbox")).content.decode()
    marker = 'data-csrf="'
    assert marker in page, "the page includes the zone script while the zone is blank"
    return page.split(marker, 1)[1].split('"', 1)[0]


def test_the_endpoint_stores_the_browsers_zone_when_blank(agent: User, csrf_client: Client) -> None:
    token = _signed_in_with_token(csrf_client, agent)
    response = csrf_client.post(
        DEFAULT_URL, {"time_zone": "Asia/Tokyo"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 204
    agent.refresh_from_db()
    assert agent.time_zone == "Asia/Tokyo"
    # Once stored, pages no longer carry the script.
    page = csrf_client.get(reverse("workspace:inbox")).content.decode()
    assert "accounts/time_zone.js" not in page


def test_the_endpoint_keeps_a_chosen_zone(agent: User, csrf_client: Client) -> None:
    token = _signed_in_with_token(csrf_client, agent)
    user_set_time_zone(user=agent, time_zone="Europe/Berlin")
    response = csrf_client.post(
        DEFAULT_URL, {"time_zone": "Asia/Tokyo"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 204
    agent.refresh_from_db()
    assert agent.time_zone == "Europe/Berlin"


def test_the_endpoint_refuses_an_invalid_zone(agent: User, csrf_client: Client) -> None:
    token = _signed_in_with_token(csrf_client, agent)
    response = csrf_client.post(
        DEFAULT_URL, {"time_zone": "Mars/Olympus"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400
    assert "Mars/Olympus" in response.content.decode()
    agent.refresh_from_db()
    assert agent.time_zone == ""


def test_the_endpoint_requires_the_csrf_token(agent: User, csrf_client: Client) -> None:
    _signed_in_with_token(csrf_client, agent)
    response = csrf_client.post(DEFAULT_URL, {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 403
    agent.refresh_from_db()
    assert agent.time_zone == ""


def test_the_endpoint_requires_a_signed_in_user(agent: User) -> None:
    response = Client().post(DEFAULT_URL, {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 403
    assert not User.objects.exclude(time_zone="").exists()


def test_the_endpoint_takes_only_posts(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    assert client.get(DEFAULT_URL).status_code == 405
