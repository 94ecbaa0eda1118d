"""Scene-setting for goal tests: goals made through the service, chats answered fast or slow."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from concord.accounts.models import Team, User
from concord.goals.models import Goal
from concord.goals.services import goal_create
from concord.metrics.tests.helpers import T0, opened, reply

# Goals in these tests start on Monday 3 March 2025 (T0's day) and run 90 days.
START: date = T0.date()
DEADLINE: date = START + timedelta(days=89)


def make_goal(*, actor: User, owners: list[Team], **overrides: Any) -> Goal:
    """A "chats answered within a minute" goal; any field can be overridden."""
    fields: dict[str, Any] = {
        "name": "Chats answered within a minute",
        "objective": "Make live chat feel live.",
        "metric": "frt",
        "channel": "chat",
        "within_seconds": 60,
        "comparison": ">=",
        "threshold": 80,
        "start": START,
        "deadline": DEADLINE,
        "now": T0,
    }
    fields.update(overrides)
    return goal_create(actor=actor, owners=[team.pk for team in owners], **fields)


def chats(
    agent: User,
    *,
    day: date,
    fast: int,
    slow: int,
    channel: str = "chat",
    team: Team | None = None,
) -> None:
    """Chats opened at 10:00 on ``day``: ``fast`` answered in 30 s, ``slow`` in 5 minutes."""
    at = datetime.combine(day, T0.timetz()).replace(hour=10)
    for seconds in [30] * fast + [300] * slow:
        conversation = opened(at=at, channel=channel, team=team)
        reply(conversation, agent, at=at + timedelta(seconds=seconds))
