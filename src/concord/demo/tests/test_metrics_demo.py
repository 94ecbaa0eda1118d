"""The demo's history gives every report figure believable data (issue 7's done-when).

One demo, with a fixed seed and end, is measured through the metrics
selectors exactly as the reports page measures it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import F

from concord.calendars.selectors import calendar_list
from concord.conversations.models import Conversation, Event, EventKind, Status
from concord.demo import generate
from concord.metrics.selectors import METRICS, OVERVIEW_METRICS, MetricQuery
from concord.sla.models import SlaTarget, TargetKind
from concord.surveys.models import SurveyResponse

# A Friday afternoon, as in the other demo tests.
NOW = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)
LAST_90 = MetricQuery(start=NOW - timedelta(days=90), end=NOW)
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0

# (lowest, highest) believable figure over the last 90 days, and the fewest samples
# it may rest on. Durations are judged by their median, in seconds.
BELIEVABLE: dict[str, tuple[float, float, int]] = {
    "csat": (60, 98, 10),
    "nps": (-20, 80, 10),
    "ces": (50, 95, 10),
    "frt": (1 * MINUTE, 2 * DAY, 150),
    "art": (1 * MINUTE, 2 * DAY, 150),
    "resolution_time": (10 * MINUTE, 5 * DAY, 150),
    "fcr": (40, 80, 150),
    "reopen_rate": (3, 20, 150),
    "escalation_rate": (3, 25, 150),
    # Some targets are missed: a history where every one is met is no history.
    "sla_first_response": (70, 99, 150),
    "sla_resolution": (70, 99, 150),
    "backlog": (1, 40, 1),
    "volume": (150, 240, 150),
}
# Phone call records come from their own demo, with their own tests.
FROM_CALLS = {"asa", "aht"}
# The less common surveys and churn: some data, in a believable range.
OTHERS = [("star_rating", 3.0, 5.0), ("ves", 3.5, 7.0), ("gcr", 50, 100), ("churn_rate", 1, 20)]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """One 240-conversation history for every test here, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate(conversations=240, seed=5, now=NOW)
        yield
        transaction.set_rollback(True)


def test_every_overview_metric_is_judged_here() -> None:
    others = {name for name, _, _ in OTHERS}
    assert set(BELIEVABLE) == set(OVERVIEW_METRICS) - FROM_CALLS - others


@pytest.mark.usefixtures("demo", "db")
@pytest.mark.parametrize("name", sorted(BELIEVABLE))
def test_each_overview_metric_has_a_believable_figure(name: str) -> None:
    metric = METRICS[name]
    result = metric(query=LAST_90)
    low, high, samples = BELIEVABLE[name]
    assert result.enough, (name, result.note)
    assert result.sample_size >= samples, (name, result.sample_size)
    figure = result.median if metric.timed else result.value
    assert figure is not None
    assert low <= figure <= high, (name, figure)


@pytest.mark.usefixtures("demo", "db")
@pytest.mark.parametrize(("name", "low", "high"), OTHERS)
def test_the_other_metrics_have_data_too(name: str, low: float, high: float) -> None:
    result = METRICS[name](query=LAST_90)
    assert result.value is not None, name
    assert low <= result.value <= high, (name, result.value)


@pytest.mark.usefixtures("demo", "db")
def test_about_a_third_of_solved_conversations_are_rated_after_they_were_solved() -> None:
    solved = Conversation.objects.filter(
        merged_into__isnull=True, status__in=[Status.SOLVED, Status.CLOSED]
    ).count()
    answers = SurveyResponse.objects.select_related("conversation", "invitation")
    assert 0.25 <= answers.count() / solved <= 0.4, answers.count() / solved
    for answer in answers:
        assert answer.invitation.created_at < answer.answered_at < NOW
        if answer.conversation is not None:
            assert answer.conversation.solved_at is not None
            assert answer.conversation.solved_at <= answer.invitation.created_at
    # Each answer is on the conversation's log, as a live one would be.
    assert Event.objects.filter(kind=EventKind.SURVEY_ANSWERED).count() == answers.count()


@pytest.mark.usefixtures("demo", "db")
def test_sla_history_records_misses_when_they_were_due_and_no_warnings() -> None:
    done = Conversation.objects.filter(
        merged_into__isnull=True, status__in=[Status.SOLVED, Status.CLOSED]
    )
    for kind in (TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION):
        with_target = SlaTarget.objects.filter(target=kind, cycle=0, achieved_at__isnull=False)
        assert with_target.filter(conversation__in=done).count() == done.count(), kind
    # A warning is for a clock still running: none in the history of what is done.
    assert not Event.objects.filter(kind=EventKind.SLA_WARNING, conversation__in=done).exists()
    breaches = Event.objects.filter(kind=EventKind.SLA_BREACHED)
    assert breaches.exists()
    for event in breaches:
        assert SlaTarget.objects.filter(
            conversation_id=event.conversation_id, target=event.old_value, due_at=event.created_at
        ).exists(), event
    late = SlaTarget.objects.filter(achieved_at__gt=F("due_at"))
    assert late.filter(breached_at__isnull=True).count() == 0


@pytest.mark.usefixtures("demo", "db")
def test_the_short_staffed_fortnight_shows_in_the_trend() -> None:
    """timeline._STRAINED: 52 to 38 days before the end, answers took three times as long."""
    calendar = calendar_list().get(name="Support hours")

    def figure(name: str, *, days_ago: int, days: int) -> float:
        start = NOW - timedelta(days=days_ago)
        query = MetricQuery(
            start=start,
            end=start + timedelta(days=days),
            time_basis="business",
            calendar_id=calendar.pk,
        )
        value = METRICS[name](query=query).value
        assert value is not None, name
        return value

    assert figure("frt", days_ago=52, days=14) > 2 * figure("frt", days_ago=90, days=38)
    assert figure("sla_first_response", days_ago=52, days=14) < (
        figure("sla_first_response", days_ago=90, days=38) - 10
    )
