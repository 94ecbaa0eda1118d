"""Calendar and policy changes reach the open conversations' due times (in the background)."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from concord.accounts.models import Team
from concord.calendars.models import Calendar, CalendarClosedDate, CalendarInterval
from concord.calendars.signals import calendar_hours_replaced
from concord.sla.models import SlaPolicy


def _queue(**_: Any) -> None:
    transaction.on_commit(_enqueue)


def _enqueue() -> None:
    from concord.sla.tasks import recompute_open_targets

    # Saving a week grid writes a dozen intervals, each calling this after the
    # commit: a queued recompute that has not started yet reads them all.
    if _waiting(recompute_open_targets.module_path):
        return
    recompute_open_targets.enqueue()


def _waiting(task_path: str) -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another tasks backend: no queue to look at
        return False
    try:
        return DBTaskResult.objects.filter(task_path=task_path, status="READY").exists()
    except DatabaseError:  # the table exists only with the database backend's migrations
        return False


def _team_saved(sender: type[Team], instance: Team, update_fields: Any = None, **_: Any) -> None:
    # Only a team's calendar matters here, not every save of a team.
    if update_fields is None or "calendar" in update_fields:
        _queue()


def connect() -> None:
    for model in (Calendar, CalendarInterval, CalendarClosedDate, SlaPolicy):
        post_save.connect(_queue, sender=model, dispatch_uid=f"sla-recompute-save-{model.__name__}")
        post_delete.connect(
            _queue, sender=model, dispatch_uid=f"sla-recompute-delete-{model.__name__}"
        )
    m2m_changed.connect(
        _queue, sender=SlaPolicy.teams.through, dispatch_uid="sla-recompute-policy-teams"
    )
    post_save.connect(_team_saved, sender=Team, dispatch_uid="sla-recompute-team")
    calendar_hours_replaced.connect(_queue, dispatch_uid="sla-recompute-hours")
