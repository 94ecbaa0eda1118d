"""Round-robin under concurrent workers: real row locks need PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from concord.accounts.models import Team
from concord.conversations.models import Conversation, Event, EventKind
from concord.routing.models import Strategy
from concord.routing.services import routing_assign, team_set_strategy
from concord.routing.tests.helpers import online_agent, waiting

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has no row locks: it runs one writer at a time anyway",
    ),
]


def test_concurrent_workers_keep_round_robin_fair(support: Team) -> None:
    team_set_strategy(team=support, strategy=Strategy.ROUND_ROBIN)
    agents = [online_agent(support, f"cc{i}", capacity=1000) for i in range(3)]
    ids = waiting(support, 120)
    errors: list[BaseException] = []

    def work(share: list[int]) -> None:
        try:
            for pk in share:
                routing_assign(conversation_id=pk)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    # Four workers race over the same conversations, each in its own order.
    threads = [threading.Thread(target=work, args=(ids[i:] + ids[:i],)) for i in (0, 30, 60, 90)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    counts = Counter(Conversation.objects.filter(pk__in=ids).values_list("assignee_id", flat=True))
    assert set(counts) == {a.pk for a in agents}
    assert max(counts.values()) - min(counts.values()) <= 1
    assert sum(counts.values()) == 120
    # Each conversation was assigned once: no worker overwrote another's pick.
    assert Event.objects.filter(conversation_id__in=ids, kind=EventKind.ASSIGNED).count() == 120
