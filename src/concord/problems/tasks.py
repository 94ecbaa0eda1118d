"""Background work for problems: telling their customers."""

from __future__ import annotations

from django_tasks import task

from concord.problems.announce import announcement_run


@task()
def announcement_send(*, announcement_id: int) -> int:
    return announcement_run(announcement_id=announcement_id)
