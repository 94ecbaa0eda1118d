"""Calendar and policy changes reach open conversations' due times in the background (item 5)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks.signals import task_enqueued
from django_tasks_db.models import DBTaskResult

from concord.calendars.models import Calendar
from concord.calendars.services import calendar_add_closed_date, calendar_set_intervals
from concord.conversations.models import Conversation
from concord.sla.models import SlaState, SlaTarget
from concord.sla.services import sla_policy_create, sla_recompute_open, sla_refresh
from concord.sla.tasks import recompute_open_targets
from concord.sla.tests.conftest import HOUR, Opener

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued() -> Any:
    seen: list[str] = []

    def record(sender: Any, task_result: Any, **_: Any) -> None:
        seen.append(task_result.task.name)

    task_enqueued.connect(record)
    yield seen
    task_enqueued.disconnect(record)


def _first_due(conversation: Conversation) -> Any:
    return SlaTarget.objects.get(conversation=conversation, target="first_response").due_at


def test_closing_a_day_moves_the_due_times_of_open_conversations_at_once(
    hours: Calendar,
    open_conversation: Opener,
    enqueued: list[str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    sla_policy_create(name="Standard", first_response_seconds=4 * HOUR, calendar=hours)
    # Next Monday 09:00 Berlin, whatever today is: due 13:00 the same day.
    today = timezone.localdate()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    opened = datetime.combine(monday, time(9), tzinfo=ZoneInfo("Europe/Berlin"))
    conversation = open_conversation(at=opened)
    sla_refresh(conversation_id=conversation.pk, now=opened)
    assert _first_due(conversation) == opened + timedelta(hours=4)

    with django_capture_on_commit_callbacks(execute=True):
        calendar_add_closed_date(calendar=hours, day=monday, label="Company day")

    # Nothing touched the conversation: the recompute did it.
    assert enqueued == ["recompute_open_targets"]
    assert _first_due(conversation) == opened + timedelta(days=1, hours=3)  # Tuesday 12:00
    assert SlaState.objects.get(pk=conversation.pk).next_due_at == _first_due(conversation)


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_a_week_grid_saved_at_once_queues_one_recompute(
    hours: Calendar, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        calendar_set_intervals(
            calendar=hours,
            intervals=[(day, time(7), time(12)) for day in range(5)]
            + [(day, time(13), time(19)) for day in range(5)],
        )
    queued = DBTaskResult.objects.filter(task_path=recompute_open_targets.module_path)
    assert queued.count() == 1  # five intervals deleted, ten written: one recompute


def test_the_recompute_reports_its_progress(
    open_conversation: Opener, django_capture_on_commit_callbacks: Any
) -> None:
    sla_policy_create(name="Standard", first_response_seconds=HOUR, business_hours=False)
    for _ in range(3):
        open_conversation()
    steps: list[tuple[int, int]] = []
    assert sla_recompute_open(progress=lambda done, total: steps.append((done, total))) == 3
    assert steps[-1] == (3, 3)
    assert SlaTarget.objects.filter(target="first_response").count() == 3


def test_an_unrelated_team_save_does_not_recompute(
    support: Any, enqueued: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        support.name = "Support desk"
        support.save(update_fields=["name"])
    assert enqueued == []
