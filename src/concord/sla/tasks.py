"""Background work for service levels."""

from __future__ import annotations

import logging

from django_tasks import task

from concord.sla.services import sla_recompute_open

logger = logging.getLogger("concord.sla")


@task()
def recompute_open_targets() -> int:
    """Every open conversation's due times from the current hours and policies."""

    def progress(done: int, total: int) -> None:
        logger.info("SLA due times recomputed for %s of %s open conversations", done, total)

    return sla_recompute_open(progress=progress)
