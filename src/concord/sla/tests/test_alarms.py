"""Warnings and breaches: each written once, however often and however concurrently we look."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from concord.accounts.models import User
from concord.conversations.models import Conversation, Event, EventKind
from concord.conversations.services import conversation_reply, message_receive
from concord.sla.models import SlaTarget
from concord.sla.services import _fire_due, sla_policy_create, sla_refresh, sla_sweep
from concord.sla.tests.conftest import FRIDAY_16, HOUR, Opener

T = FRIDAY_16


def _alarms(conversation: Conversation) -> list[tuple[str, str, str, datetime]]:
    return list(
        Event.objects.filter(
            conversation=conversation, kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACHED]
        )
        .order_by("id")
        .values_list("kind", "old_value", "new_value", "created_at")
    )


@pytest.fixture
def policy(db: None) -> None:
    sla_policy_create(
        name="Standard",
        first_response_seconds=HOUR,
        warn_before_seconds=15 * 60,
        business_hours=False,
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("policy")
def test_a_warning_then_a_breach_each_once_under_repeated_sweeps(open_conversation: Opener) -> None:
    conversation = open_conversation()
    sla_refresh(conversation_id=conversation.pk, now=T)
    due = T + timedelta(hours=1)

    assert sla_sweep(now=T + timedelta(minutes=30)) == 0
    assert sla_sweep(now=T + timedelta(minutes=46)) == 1
    assert sla_sweep(now=T + timedelta(minutes=50)) == 0
    sla_refresh(conversation_id=conversation.pk, now=T + timedelta(minutes=55))
    assert sla_sweep(now=T + timedelta(minutes=61)) == 1
    for minutes in (62, 90, 600):
        assert sla_sweep(now=T + timedelta(minutes=minutes)) == 0
        sla_refresh(conversation_id=conversation.pk, now=T + timedelta(minutes=minutes))

    assert _alarms(conversation) == [
        (EventKind.SLA_WARNING, "first_response", due.isoformat(), T + timedelta(minutes=45)),
        (EventKind.SLA_BREACHED, "first_response", due.isoformat(), due),
    ]
    target = SlaTarget.objects.get(conversation=conversation)
    assert target.warned_at == T + timedelta(minutes=46)
    assert target.breached_at == T + timedelta(minutes=61)


@pytest.mark.django_db
@pytest.mark.usefixtures("policy")
def test_a_late_reply_breaches_once_without_any_sweep(
    open_conversation: Opener, agent: User
) -> None:
    conversation = open_conversation()
    sla_refresh(conversation_id=conversation.pk, now=T)
    late = T + timedelta(hours=3)
    conversation_reply(conversation=conversation, actor=agent, body_text="Sorry", at=late)

    sla_refresh(conversation_id=conversation.pk, now=late)
    sla_refresh(conversation_id=conversation.pk, now=late + timedelta(minutes=1))
    assert sla_sweep(now=late + timedelta(minutes=2)) == 0

    # Only the breach: a warning after the fact would say nothing.
    assert [a[0] for a in _alarms(conversation)] == [EventKind.SLA_BREACHED]
    target = SlaTarget.objects.get(conversation=conversation)
    assert (target.achieved_at, target.breached_at) == (late, late)


@pytest.mark.django_db
@pytest.mark.usefixtures("policy")
def test_a_reply_in_time_is_never_breached_even_if_refresh_lagged(
    open_conversation: Opener, agent: User
) -> None:
    conversation = open_conversation()
    sla_refresh(conversation_id=conversation.pk, now=T)
    # Replied in time, but nothing refreshed before the sweep: the sweep reads the log.
    conversation_reply(
        conversation=conversation, actor=agent, body_text="Hi", at=T + timedelta(minutes=20)
    )
    assert sla_sweep(now=T + timedelta(hours=2)) == 0
    assert _alarms(conversation) == []
    assert SlaTarget.objects.get(conversation=conversation).achieved_at == T + timedelta(minutes=20)


@pytest.mark.django_db
@pytest.mark.usefixtures("policy")
def test_a_stale_copy_of_the_row_cannot_breach_twice(open_conversation: Opener) -> None:
    conversation = open_conversation()
    sla_refresh(conversation_id=conversation.pk, now=T)
    first, second = (SlaTarget.objects.get(conversation=conversation) for _ in range(2))
    now = T + timedelta(hours=2)
    # Two sweepers that both read the row before either wrote.
    assert _fire_due(row=first, now=now) == 1
    assert _fire_due(row=second, now=now) == 0
    assert len(_alarms(conversation)) == 1


@pytest.mark.django_db
def test_every_cycle_breaches_separately(open_conversation: Opener, agent: User) -> None:
    sla_policy_create(name="Replies", next_reply_seconds=HOUR, business_hours=False)
    conversation = open_conversation()
    conversation_reply(conversation=conversation, actor=agent, body_text="Hi", at=T)
    message_receive(conversation=conversation, body_text="1", at=T + timedelta(hours=1))
    sla_refresh(conversation_id=conversation.pk, now=T + timedelta(hours=1))
    assert sla_sweep(now=T + timedelta(hours=3)) == 1
    conversation_reply(
        conversation=conversation, actor=agent, body_text="A", at=T + timedelta(hours=4)
    )
    message_receive(conversation=conversation, body_text="2", at=T + timedelta(hours=5))
    sla_refresh(conversation_id=conversation.pk, now=T + timedelta(hours=5))
    assert sla_sweep(now=T + timedelta(hours=7)) == 1
    assert sla_sweep(now=T + timedelta(hours=8)) == 0
    assert [a[:2] for a in _alarms(conversation)] == [
        (EventKind.SLA_BREACHED, "next_reply"),
        (EventKind.SLA_BREACHED, "next_reply"),
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_write_each_breach_once(open_conversation: Opener) -> None:
    sla_policy_create(name="Standard", first_response_seconds=HOUR, business_hours=False)
    # Real times: committed changes run the automation pipeline, which refreshes at "now".
    opened = timezone.now() - timedelta(minutes=10)
    for _ in range(6):
        open_conversation(at=opened)
    assert SlaTarget.objects.filter(due_at=opened + timedelta(hours=1)).count() == 6
    now = opened + timedelta(hours=2)
    start = threading.Barrier(3)
    totals: list[int] = []
    failures: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait()
            for attempt in range(5):
                try:
                    totals.append(sla_sweep(now=now))
                    break
                except OperationalError:
                    # SQLite's in-memory test database refuses a reader while
                    # another connection writes; the scheduler would run the
                    # job again, so the test does too.
                    if attempt == 4:
                        raise
                    time.sleep(0.05)
        except BaseException as exc:  # reported below, not swallowed
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    # The in-memory test database of SQLite refuses (rather than waits for) a
    # second writer; a refused conversation is logged and left to the next
    # sweep, which is what follows. Nothing may be written twice or lost. (The
    # count can fall short there when the automation pipeline, run on commit,
    # is the one refused after the alarm committed; on PostgreSQL it is 6.)
    assert 1 <= sum(totals) + sla_sweep(now=now) <= 6
    breaches = Event.objects.filter(kind=EventKind.SLA_BREACHED)
    assert sorted(breaches.values_list("conversation_id", flat=True)) == sorted(
        Conversation.objects.values_list("pk", flat=True)
    )
