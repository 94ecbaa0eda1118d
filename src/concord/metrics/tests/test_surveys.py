"""Survey metrics: DOMAIN.md's worked examples and the edge cases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from concord.accounts.models import User
from concord.metrics.selectors import METRICS, ces, csat, gcr, nps, star_rating, ves
from concord.metrics.tests.helpers import T0, answer, definition, opened, period

pytestmark = pytest.mark.django_db


def test_csat_worked_example_80_of_100_is_80_percent() -> None:
    survey, conversation = definition("csat"), opened()
    for index in range(100):
        answer(survey, conversation, 4 + index % 2 if index < 80 else 1 + index % 3)
    result = csat(query=period())
    assert (result.value, result.sample_size, result.enough, result.note) == (80.0, 100, True, "")


def test_nps_worked_example_50_promoters_20_detractors_is_30() -> None:
    survey, conversation = definition("nps"), opened()
    scores = [9, 10] * 25 + [0, 6] * 10 + [7, 8] * 15
    for score in scores:
        answer(survey, conversation, score)
    result = nps(query=period())
    assert (result.value, result.sample_size) == (30.0, 100)


def test_nps_all_detractors_is_minus_100() -> None:
    survey, conversation = definition("nps"), opened()
    for score in [0, 3, 6, 6, 5]:
        answer(survey, conversation, score)
    assert nps(query=period()).value == -100.0


def test_ces_worked_example_60_of_100_is_60_percent() -> None:
    survey, conversation = definition("ces"), opened()
    for index in range(100):
        answer(survey, conversation, 5 + index % 3 if index < 60 else 1 + index % 4)
    result = ces(query=period())
    assert (result.value, result.sample_size) == (60.0, 100)


def test_no_answers_says_no_data_not_zero() -> None:
    result = csat(query=period())
    assert (result.value, result.sample_size, result.enough, result.note) == (
        None,
        0,
        False,
        "no data",
    )
    assert not result.has_data


def test_one_answer_is_flagged_as_too_few_samples() -> None:
    answer(definition("csat"), opened(), 5)
    result = csat(query=period())
    assert (result.value, result.sample_size, result.enough) == (100.0, 1, False)
    assert result.note == "too few samples (1 < 5)"


def test_answers_outside_the_period_are_left_out() -> None:
    survey, conversation = definition("csat"), opened()
    answer(survey, conversation, 5, at=T0 - timedelta(days=1))
    answer(survey, conversation, 1, at=T0 + timedelta(days=7))
    answer(survey, conversation, 2, at=T0)
    assert (csat(query=period()).value, csat(query=period()).sample_size) == (0.0, 1)


def test_star_rating_ves_and_gcr_are_means_and_shares() -> None:
    conversation = opened()
    stars, values, goals = definition("stars"), definition("ves"), definition("gcr")
    for score in [5, 4, 4, 3, 5]:
        answer(stars, conversation, score)
    answer(values, conversation, 7, score_2=5)  # 6
    answer(values, conversation, 3, score_2=4)  # 3.5
    answer(values, conversation, 4)  # second statement unrated: 4
    for score in [1, 1, 1, 0]:
        answer(goals, conversation, score)
    assert star_rating(query=period()).value == pytest.approx(4.2)
    assert ves(query=period()).value == pytest.approx((6 + 3.5 + 4) / 3)
    assert gcr(query=period()).value == 75.0


def test_cuts_by_agent_team_and_channel(agent: User, other_agent: User) -> None:
    survey = definition("csat")
    mine = opened(channel="chat")
    theirs = opened(channel="email")
    for _ in range(3):
        answer(survey, mine, 5, agent=agent)
        answer(survey, theirs, 1, agent=other_agent)
    assert csat(query=period(agent_id=agent.pk)).value == 100.0
    assert csat(query=period(agent_id=other_agent.pk)).value == 0.0
    assert csat(query=period(channel="chat")).sample_size == 3
    assert csat(query=period()).value == 50.0


def test_day_buckets_give_a_series_with_empty_days_as_no_data() -> None:
    survey, conversation = definition("csat"), opened()
    answer(survey, conversation, 5, at=T0)
    answer(survey, conversation, 1, at=T0 + timedelta(hours=1))
    answer(survey, conversation, 4, at=T0 + timedelta(days=2))
    result = csat(query=period(days=3, bucket="day"))
    assert [(point.result.value, point.result.sample_size) for point in result.series] == [
        (50.0, 2),
        (None, 0),
        (100.0, 1),
    ]
    assert [point.start.day for point in result.series] == [3, 4, 5]
    assert result.value == pytest.approx(200 / 3)
    assert result.sample_size == 3


def test_the_registry_reaches_every_metric_by_name() -> None:
    answer(definition("csat"), opened(), 5)
    assert METRICS["csat"](query=period()).value == 100.0
    assert {"csat", "nps", "ces", "frt", "art", "fcr", "churn_rate", "backlog"} <= set(METRICS)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_every_metric_runs_with_every_cut_it_supports(name: str, agent: User) -> None:
    metric = METRICS[name]
    # Data that the category and tier cuts filter away: the SQL of every cut runs.
    opened(tags=["vip"])
    cuts: dict[str, Any] = {
        "channel": "email",
        "team_id": 1,
        "agent_id": agent.pk,
        "category": "billing",
        "tag": "vip",
        "customer_tier": "vip",
        "organization_id": 1,
    }
    query = period(bucket="day", **{cut: cuts[cut] for cut in metric.cuts})
    result = metric(query=query)
    assert len(result.series) == 7
    assert result.value in (None, 0.0)


def test_previous_period_has_the_same_length_just_before() -> None:
    query = period(days=7)
    before = query.previous()
    assert (before.end, before.end - before.start) == (query.start, timedelta(days=7))
