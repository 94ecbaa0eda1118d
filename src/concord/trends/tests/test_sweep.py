"""The spike sweep on synthetic streams: quiet on noise, one alert within one sweep of a spike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from concord.accounts.models import User
from concord.common.scheduler import registered
from concord.conversations.models import Conversation
from concord.notifications.models import Notification
from concord.trends.models import AlertStatus, SpikeAlert
from concord.trends.services import spike_alert_dismiss, spike_sweep
from concord.trends.tests.helpers import store
from concord.trends.tests.synthetic import burst, noise

pytestmark = pytest.mark.django_db

# A Monday, 11:00: office hours, so the noise is at its busiest.
NOW = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _four_weeks_of_noise(seed: int) -> None:
    store(noise(seed=seed, start=NOW - timedelta(weeks=4, hours=1), hours=4 * 7 * 24 + 1))


@pytest.mark.parametrize("seed", [11, 12])
def test_steady_noise_raises_no_alert(seed: int, supervisor: User) -> None:
    _four_weeks_of_noise(seed)
    # Every hour of the last day, as the scheduler would (the baseline reaches 4 weeks back).
    for hour in range(23, -1, -1):
        assert spike_sweep(now=NOW - hour * HOUR) == []
    assert not SpikeAlert.objects.exists()
    assert not Notification.objects.exists()


def test_a_spike_raises_one_alert_on_the_first_sweep(
    supervisor: User, admin_user: User, agent: User
) -> None:
    _four_weeks_of_noise(11)
    spike = store(burst(seed=1, start=NOW - HOUR, count=12, topic=0, category="website"))

    raised = spike_sweep(now=NOW)

    assert len(raised) == 1
    alert = raised[0]
    assert alert.key == "category:website"
    assert "term:checkout" in alert.related  # the same topic, not a second alert
    assert alert.count == 12
    assert alert.conversation_ids == sorted(spike)
    assert len(alert.sample_ids) == 10
    assert set(alert.sample_ids) <= set(spike)
    assert alert.expected == pytest.approx(0.25)  # never seen: the smoothing alone
    # The sweep runs again: still one alert, nobody told twice.
    assert spike_sweep(now=NOW + timedelta(minutes=5)) == []
    assert SpikeAlert.objects.count() == 1
    told = Notification.objects.filter(kind="spike")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["ada", "sam"]
    assert set(told.values_list("url", flat=True)) == {f"/app/trends/#alert-{alert.pk}"}


def test_a_subject_word_spikes_without_a_category(supervisor: User) -> None:
    _four_weeks_of_noise(12)
    spike = store(burst(seed=2, start=NOW - HOUR, count=9, topic=1))  # "outage"

    raised = spike_sweep(now=NOW)

    assert [alert.key for alert in raised] == ["term:outage"]
    assert raised[0].conversation_ids == sorted(spike)


def test_fewer_than_the_minimum_raise_nothing(supervisor: User, settings: Any) -> None:
    _four_weeks_of_noise(11)
    store(burst(seed=3, start=NOW - HOUR, count=4, topic=2))  # "voucher", never seen before
    assert spike_sweep(now=NOW) == []
    store(burst(seed=4, start=NOW - HOUR, count=1, topic=2))
    settings.CONCORD_TRENDS_MIN_COUNT = 6
    assert spike_sweep(now=NOW) == []
    settings.CONCORD_TRENDS_MIN_COUNT = 5  # the default
    assert [alert.key for alert in spike_sweep(now=NOW)] == ["term:voucher"]


def test_a_busy_key_needs_three_times_its_usual_count(supervisor: User) -> None:
    # "recall" comes 3 times in that hour every week: expected (12 + 1) / 4 = 3.25.
    for week in range(1, 5):
        store(burst(seed=week, start=NOW - timedelta(weeks=week) - HOUR, count=3, topic=3))
    store(burst(seed=9, start=NOW - HOUR, count=9, topic=3))
    assert spike_sweep(now=NOW) == []  # under 3x (9.75)
    store(burst(seed=10, start=NOW - HOUR, count=3, topic=3))
    # 12 is over 3x, but one hour in ~7,000 of plain noise reaches it (p = 1.5e-4): not yet.
    assert spike_sweep(now=NOW) == []
    store(burst(seed=11, start=NOW - HOUR, count=1, topic=3))
    assert [alert.key for alert in spike_sweep(now=NOW)] == ["term:recall"]


def test_a_dismissed_spike_stays_quiet_while_it_lasts_and_ends_after(supervisor: User) -> None:
    store(burst(seed=4, start=NOW - HOUR, count=8, topic=4))  # "sms"
    (alert,) = spike_sweep(now=NOW)
    spike_alert_dismiss(alert=alert, actor=supervisor, now=NOW)
    store(burst(seed=5, start=NOW, count=8, topic=4))
    assert spike_sweep(now=NOW + HOUR) == []  # the same spike, still rising: no new alert
    alert.refresh_from_db()
    assert alert.ended_at is None
    assert len(alert.conversation_ids) == 16
    assert spike_sweep(now=NOW + 3 * HOUR) == []  # quiet again: the spike has ended
    alert.refresh_from_db()
    assert alert.ended_at == NOW + 3 * HOUR
    assert alert.status == AlertStatus.DISMISSED
    # A new rise later is a new alert.
    store(burst(seed=6, start=NOW + 5 * HOUR, count=8, topic=4))
    assert len(spike_sweep(now=NOW + 6 * HOUR)) == 1
    assert SpikeAlert.objects.count() == 2


def test_an_unhandled_alert_is_lit_again_rather_than_repeated(supervisor: User) -> None:
    store(burst(seed=4, start=NOW - HOUR, count=8, topic=5))  # "duplicate"
    (alert,) = spike_sweep(now=NOW)
    spike_sweep(now=NOW + 2 * HOUR)  # ended, still open on the page
    store(burst(seed=7, start=NOW + 4 * HOUR, count=9, topic=5))
    assert spike_sweep(now=NOW + 5 * HOUR) == []
    alert.refresh_from_db()
    assert alert.ended_at is None
    assert alert.count == 9
    assert len(alert.conversation_ids) == 17
    assert SpikeAlert.objects.count() == 1


def test_merged_conversations_do_not_count(supervisor: User) -> None:
    ids = store(burst(seed=8, start=NOW - HOUR, count=6, topic=6))  # "app"
    Conversation.objects.filter(pk__in=ids[:2]).update(merged_into_id=ids[2])
    assert spike_sweep(now=NOW) == []


def test_the_worker_runs_the_sweep_and_the_digest() -> None:
    jobs = {job.name: job for job in registered()}
    assert jobs["trends.sweep"].every == 300
    assert jobs["trends.sweep"].run is spike_sweep
    assert jobs["trends.digest"].every == 3600
