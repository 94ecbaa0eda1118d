"""Run again the tasks a dead worker left half-done.

The database task backend marks a task RUNNING when a worker claims it; if that
worker is killed, the row stays RUNNING forever. Every Concord task is
idempotent (it takes ids and its effect is recorded under a unique key), so
running it again is safe. A task running longer than the lease is taken to
be orphaned: the lease must stay far above any task's honest run time.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("concord.tasks")

# How many workers may take a task (and die with it) before it is given up.
MAX_CLAIMS = 3


def requeue_orphaned_tasks() -> int:
    """Put RUNNING tasks older than ``CONCORD_TASK_LEASE_SECONDS`` back in the queue."""
    backend = str(settings.TASKS.get("default", {}).get("BACKEND", ""))
    if not backend.startswith("django_tasks_db."):
        return 0
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.CONCORD_TASK_LEASE_SECONDS)
    orphaned = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    ids: list[UUID] = []
    doomed: list[UUID] = []
    for task_id, workers in orphaned.values_list("id", "worker_ids")[:500]:
        # A task that took its worker down every time would otherwise do it forever.
        (doomed if len(workers or []) >= MAX_CLAIMS else ids).append(task_id)
    if doomed:
        DBTaskResult.objects.filter(id__in=doomed, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path="concord.common.task_recovery.WorkerLost",
            traceback=f"The worker running it stopped {MAX_CLAIMS} times; not run again.",
        )
        logger.error(
            "Gave up on %d task(s) whose worker stopped %d times.", len(doomed), MAX_CLAIMS
        )
    if not ids:
        return 0
    # The status condition is repeated so a task that finished meanwhile is left alone.
    count = int(
        DBTaskResult.objects.filter(id__in=ids, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None, run_after=now
        )
    )
    if count:
        logger.warning("Re-queued %d task(s) whose worker stopped while running them.", count)
    return count
