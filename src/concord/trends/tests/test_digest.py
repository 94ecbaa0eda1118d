"""The daily digest: yesterday's emerging topics to the departments whose conversations they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from concord.accounts.models import Team, User
from concord.common.testing import factories
from concord.common.testing.mail import Sink
from concord.trends.digest import digests_send_due
from concord.trends.models import DeliveryState, DigestDelivery, DigestRun
from concord.trends.tests.helpers import store
from concord.trends.tests.synthetic import burst, noise

pytestmark = pytest.mark.django_db

# Tuesday 3 March 2026, 01:00 UTC (the test settings' zone): the digest is for Monday.
NOW = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def _text(sink: Sink, index: int) -> str:
    mail = sink.handler.received[index].message
    return mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr,no-any-return]


def test_each_department_gets_its_emerging_topics_once_a_day(
    sink: Sink, settings: Any, billing: Team, support: Team, other_agent: User, agent: User
) -> None:
    assert settings.TIME_ZONE == "UTC"  # the day boundary assumed here
    store(noise(seed=21, start=MONDAY - timedelta(weeks=4), hours=4 * 7 * 24 + 24))
    billed = store(
        burst(seed=1, start=MONDAY + timedelta(hours=10), count=8, topic=2), team=billing
    )
    store(burst(seed=2, start=MONDAY + timedelta(hours=14), count=3, topic=2), team=support)
    legal = factories.TeamFactory.create(name="Legal", slug="legal")
    nobody_there = factories.UserFactory.create(username="lee", email="")
    legal.members.add(nobody_there)

    assert digests_send_due(now=NOW) == 2
    assert digests_send_due(now=NOW + timedelta(hours=1)) == 0  # the same day: not again

    assert len(sink.handler.received) == 2
    to = {sink.handler.received[i].message["To"]: i for i in range(2)}
    billing_text = _text(sink, to[other_agent.email])
    assert (
        '- Subject word "voucher" (also Subject word "accepted"): 11 conversations' in billing_text
    )
    assert "8 of them in your team" in billing_text
    assert f"/app/conversations/{billed[0]}/" in billing_text
    mail = sink.handler.received[to[other_agent.email]].message
    assert mail["Subject"] == "Concord: emerging topics for Billing on 02 Mar 2026"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert "3 of them in your team" in _text(sink, to[agent.email])
    assert DigestRun.objects.get().day == MONDAY.date()
    assert set(DigestDelivery.objects.values_list("team__slug", "state")) == {
        ("billing", DeliveryState.SENT),
        ("support", DeliveryState.SENT),
    }
    # The next day has nothing new: a run, no email.
    assert digests_send_due(now=NOW + timedelta(days=1)) == 0
    assert len(sink.handler.received) == 2
    assert DigestRun.objects.count() == 2


def test_a_quiet_day_sends_nothing(sink: Sink, billing: Team, other_agent: User) -> None:
    store(noise(seed=22, start=MONDAY - timedelta(weeks=4), hours=4 * 7 * 24 + 24), team=billing)
    assert digests_send_due(now=NOW) == 0
    assert sink.handler.received == []
