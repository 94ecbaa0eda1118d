"""Background work for consults."""

from __future__ import annotations

from django_tasks import task

from concord.collaboration.sla import consult_due_recompute


@task()
def recompute_consult_due_times(team_ids: list[int] | None = None) -> int:
    """Waiting consults' first-answer due times from the current targets and hours."""
    return consult_due_recompute(team_ids=team_ids)
