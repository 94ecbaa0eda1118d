"""Demo goals: four targets a support lead would set, with progress since they started.

They started 60 days before the demo's end, so their baselines look at the
history before that and their progress has two months of daily figures;
their deadlines fall 30 to 90 days after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from concord.accounts.selectors import team_by_slug, user_get_by_username
from concord.goals.definition import midnight, today
from concord.goals.selectors import goal_visible_to
from concord.goals.services import goal_create, goal_measure

STARTED_DAYS_AGO = 60


@dataclass(frozen=True)
class DemoGoal:
    name: str
    objective: str
    metric: str
    comparison: str
    threshold: float
    owners: tuple[str, ...]  # team slugs
    deadline_in_days: int
    cuts: tuple[tuple[str, Any], ...] = ()


GOALS: tuple[DemoGoal, ...] = (
    DemoGoal(
        name="Chat answered within a minute",
        objective=(
            "Make live chat feel live: a customer who picks chat is still on the page and "
            "leaves if nobody answers. 80% of chats get a first reply within 60 seconds."
        ),
        metric="frt",
        comparison=">=",
        threshold=80,
        owners=("support",),
        deadline_in_days=30,
        cuts=(("channel", "chat"), ("within_seconds", 60)),
    ),
    DemoGoal(
        name="CSAT 85% or better",
        objective=(
            "Win repeat business. Most low scores follow a late or damaged delivery, so "
            "Support and Logistics share the target instead of passing complaints along."
        ),
        metric="csat",
        comparison=">=",
        threshold=85,
        owners=("support", "logistics"),
        deadline_in_days=60,
    ),
    DemoGoal(
        name="Reopen rate under 5%",
        objective=(
            "Solve it the first time: every reopened request is a second contact for the "
            "customer. Engineering co-owns it because unfixed bugs come back as reopens."
        ),
        metric="reopen_rate",
        comparison="<=",
        threshold=5,
        owners=("support", "engineering"),
        deadline_in_days=90,
    ),
    DemoGoal(
        name="First-response SLA met 90% of the time",
        objective="Keep the response times we publish to every customer tier.",
        metric="sla_first_response",
        comparison=">=",
        threshold=90,
        owners=("support",),
        deadline_in_days=45,
    ),
)


def seed(*, now: datetime) -> None:
    """Create the demo goals and back-fill their daily progress, unless goals exist."""
    admin = user_get_by_username(username="admin")
    if admin is None or goal_visible_to(user=admin).exists():
        return
    end = today(now)
    start = end - timedelta(days=STARTED_DAYS_AGO)
    created = midnight(start) + timedelta(hours=9)
    for spec in GOALS:
        owners = [team_by_slug(slug=slug) for slug in spec.owners]
        goal = goal_create(
            actor=admin,
            name=spec.name,
            objective=spec.objective,
            metric=spec.metric,
            comparison=spec.comparison,
            threshold=spec.threshold,
            start=start,
            deadline=end + timedelta(days=spec.deadline_in_days),
            owners=[team.pk for team in owners if team is not None],
            now=created,
            **dict(spec.cuts),
        )
        day = start
        while day <= end:
            # Measured as the day ended, as the scheduled job would have (today: now).
            goal_measure(goal=goal, day=day, now=min(midnight(day + timedelta(days=1)), now))
            day += timedelta(days=1)
