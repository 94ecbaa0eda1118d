"""Periodic jobs run inside the task worker (`concord worker`).

Apps register jobs in ``AppConfig.ready()``; the worker runs each one every
``every`` seconds on one background thread. A job must be safe to run twice at
once (two workers on two hosts) and safe to re-run after a crash: each does its
work through services with unique constraints or conditional updates.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections, connection

logger = logging.getLogger("concord.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between the end of one run and the start of the next
    run: Callable[[], object]


_JOBS: dict[str, Job] = {}


def register(*, name: str, every: float, run: Callable[[], object]) -> None:
    """Add a periodic job; registering the same name again replaces it."""
    if every <= 0:
        raise ValueError(f"The job {name} needs a positive interval.")
    _JOBS[name] = Job(name=name, every=every, run=run)


def registered() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda job: job.name)


def run_job(job: Job) -> bool:
    """One run; a failure is logged and never stops the scheduler."""
    close_old_connections()
    try:
        job.run()
    except Exception:
        logger.exception("Scheduled job %s failed; it runs again in %.0f s.", job.name, job.every)
        return False
    return True


class Scheduler:
    """Runs the registered jobs on a daemon thread until ``stop`` is set."""

    def __init__(self, *, jobs: list[Job] | None = None, tick: float = 1.0) -> None:
        self.jobs = registered() if jobs is None else jobs
        self.tick = tick
        self.stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="concord-scheduler", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        next_run = {job.name: 0.0 for job in self.jobs}
        try:
            while not self.stop.is_set():
                for job in self.jobs:
                    if self.stop.is_set():
                        break
                    if time.monotonic() >= next_run[job.name]:
                        run_job(job)
                        next_run[job.name] = time.monotonic() + job.every
                self.stop.wait(self.tick)
        finally:
            connection.close()
