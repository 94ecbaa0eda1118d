"""The demo goals: created through the services, with baselines and two months of progress."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from concord.accounts.selectors import user_get_by_username
from concord.demo import generate
from concord.goals import demo
from concord.goals.selectors import goal_detail, goal_summaries
from concord.goals.services import goals_measure_all

# A Friday afternoon, as in the demo's own tests.
NOW = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)
START = date(2025, 1, 13)  # 60 days before

pytestmark = pytest.mark.django_db


def test_the_demo_goals_have_owners_baselines_progress_and_a_status() -> None:
    generate(conversations=150, now=NOW)
    admin = user_get_by_username(username="admin")
    assert admin is not None
    goals = {goal.metric: goal for goal in goal_summaries(user=admin, now=NOW)}
    assert set(goals) == {"frt", "csat", "reopen_rate", "sla_first_response"}

    chat = goals["frt"]
    assert (chat.scope.channel, chat.scope.within_seconds, chat.unit) == ("chat", 60, "%")
    assert chat.target == "≥ 80 %"
    csat = goals["csat"]
    assert [(t.name, t.is_department) for t in csat.owners] == [
        ("Logistics", True),
        ("Support", False),
    ]
    assert goals["reopen_rate"].comparison == "<="
    for goal in goals.values():
        assert goal.start == START
        assert goal.deadline > NOW.date()
        assert goal.objective
        # The baseline: the 90 days before the start (the goals run longer than that).
        assert (goal.baseline.start, goal.baseline.end) == (START - timedelta(days=90), START)
        assert goal.created_by is not None
        assert goal.created_by.id == admin.pk
        assert goal.current is not None
        assert goal.current.on == NOW.date()
        assert goal.status in {"on_track", "at_risk", "off_track", "not_enough_data"}
        detail = goal_detail(user=admin, goal_id=goal.id, now=NOW)
        assert detail is not None
        assert [p.on for p in detail.progress] == [START + timedelta(days=n) for n in range(61)]
        assert detail.changes[0].field == "created"
        assert detail.weekly[0].start == START

    # Reopens come from the conversations' own events, so this one always has a verdict.
    reopen = goals["reopen_rate"]
    assert reopen.baseline.sample_size > 0
    assert reopen.status in {"on_track", "at_risk", "off_track"}

    # The back-filled days are final: the job only measures today again.
    assert goals_measure_all(now=NOW) == 4
    # Seeding again changes nothing.
    demo.seed(now=NOW)
    assert len(goal_summaries(user=admin, now=NOW)) == 4
