"""The top bar's online/away switch: what routing uses to give an agent new work."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.routing.models import Availability, Strategy
from concord.routing.selectors import agent_status
from concord.routing.services import routing_assign, team_set_strategy
from concord.workspace.tests.conftest import Opener

pytestmark = pytest.mark.django_db

URL = "/app/availability/"


def test_an_agent_goes_online_and_gets_work_then_away_and_gets_none(
    as_user: Callable[[User], Client], agent: User, support: Team, open_conv: Opener
) -> None:
    team_set_strategy(team=support, strategy=Strategy.ROUND_ROBIN)
    client = as_user(agent)
    assert "○ Away" in client.get(URL).content.decode()  # nobody takes work by default

    page = client.post(URL, {"availability": "online"}).content.decode()
    assert "● Online" in page
    status = agent_status(user=agent)
    assert status is not None
    assert status.availability == Availability.ONLINE
    assert routing_assign(conversation_id=open_conv(team=support).pk) == agent

    client.post(URL, {"availability": "away"})
    assert routing_assign(conversation_id=open_conv(team=support).pk) is None


def test_bad_input_and_roles_that_never_take_work(
    as_user: Callable[[User], Client], agent: User, collaborator: User
) -> None:
    refused = as_user(agent).post(URL, {"availability": "asleep"})
    assert refused.status_code == 400
    assert "not an availability" in refused.content.decode()
    assert agent_status(user=agent) is None
    assert as_user(collaborator).get(URL).content == b""
    assert Client().post(URL, {"availability": "online"}).status_code == 302  # signed out
