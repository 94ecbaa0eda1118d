"""Tasks left running by a dead worker are queued again, up to a limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from concord.common.task_recovery import MAX_CLAIMS, requeue_orphaned_tasks

pytestmark = pytest.mark.django_db


def _task(*, workers: int, started_minutes_ago: int) -> Any:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="concord.automations.tasks.process_change",
        backend_name="default",
        queue_name="default",
        run_after=now,
        started_at=now - timedelta(minutes=started_minutes_ago),
        worker_ids=[f"w{n}" for n in range(workers)],
    )


def test_orphans_are_requeued_and_a_task_that_kills_workers_is_given_up(
    settings: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CONCORD_TASK_LEASE_SECONDS = 600
    orphan = _task(workers=1, started_minutes_ago=30)
    still_running = _task(workers=1, started_minutes_ago=1)  # within its lease
    deadly = _task(workers=MAX_CLAIMS, started_minutes_ago=30)

    assert requeue_orphaned_tasks() == 1
    for row in (orphan, still_running, deadly):
        row.refresh_from_db()
    assert orphan.status == TaskResultStatus.READY
    assert orphan.started_at is None
    assert still_running.status == TaskResultStatus.RUNNING
    assert deadly.status == TaskResultStatus.FAILED
    assert "stopped 3 times" in deadly.traceback
